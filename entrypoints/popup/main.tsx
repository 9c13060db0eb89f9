import { render } from 'preact';
import { browser } from 'wxt/browser';
import { Popup } from '../../components/Popup';
import '../../components/pages.css';
import { sendRequest } from '../../lib/messaging';
import { parseStoredSettings, SETTINGS_KEY } from '../../lib/settings';
import { matchTool } from '../../lib/toolMatch';

async function start() {
  const settings = parseStoredSettings((await browser.storage.local.get(SETTINGS_KEY))[SETTINGS_KEY]);
  const [tab] = await browser.tabs.query({ active: true, currentWindow: true });
  const currentTool = tab?.url ? matchTool(tab.url, null) : null;
  render(
    <Popup
      settings={settings}
      currentTool={currentTool}
      onTest={() => sendRequest({ type: 'connection/test' })}
      onOpenOptions={() => void browser.runtime.openOptionsPage().then(() => window.close())}
    />,
    document.getElementById('app')!,
  );
}

void start();

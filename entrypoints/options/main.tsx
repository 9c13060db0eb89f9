import { render } from 'preact';
import { browser } from 'wxt/browser';
import { OptionsForm } from '../../components/OptionsForm';
import '../../components/pages.css';
import { sendRequest } from '../../lib/messaging';
import { EMPTY_SETTINGS, HOSTS, postHogBaseUrl, settingsSchema, SETTINGS_KEY, type Settings } from '../../lib/settings';

async function save(settings: Settings) {
  // Custom hosts need their origin granted; asked for here, on the user's click.
  if (settings.host === 'custom') {
    const origin = `${new URL(postHogBaseUrl(settings)).origin}/*`;
    const granted = await browser.permissions.request({ origins: [origin] });
    if (!granted) throw new Error(`Tool Lens needs permission to reach ${origin} to talk to this PostHog.`);
  }
  await browser.storage.local.set({ [SETTINGS_KEY]: settings });
}

async function start() {
  const stored = (await browser.storage.local.get(SETTINGS_KEY))[SETTINGS_KEY];
  // Keep whatever fields are usable so a bad value does not wipe the rest.
  const partial = settingsSchema.safeParse(stored).data ?? { ...EMPTY_SETTINGS, ...(typeof stored === 'object' && stored ? stored : {}) };
  const initial = {
    host: (partial.host in HOSTS ? partial.host : 'us') as Settings['host'],
    customHost: String(partial.customHost ?? ''),
    projectId: String(partial.projectId ?? ''),
    apiKey: String(partial.apiKey ?? ''),
  };
  render(<OptionsForm initial={initial} onSave={save} onTest={() => sendRequest({ type: 'connection/test' })} />, document.getElementById('app')!);
}

void start();

import { render } from 'preact';
import { browser } from 'wxt/browser';
import { PersonLookup } from '../../components/lookup/PersonLookup';
import '../../components/pages.css';
import { parseLookupParams } from '../../lib/helpers/lookupPage';
import { sendRequest, sendToTab } from '../../lib/protocol/messaging';

/** The side panel (Firefox: the sidebar): support's person lookup, in the extension's own page. */
async function start() {
  const opened = parseLookupParams(location.search);
  let tool = opened.tool;
  // Opened from the browser's own menu: the active tab's tool, if it is a tool page.
  if (!tool) {
    const [tab] = await browser.tabs.query({ active: true, currentWindow: true }).catch(() => []);
    tool = (tab?.id !== undefined ? (await sendToTab(tab.id, { type: 'card/status' }))?.tool : null) ?? '';
  }
  render(
    <main class="panel">
      <h1>Tool Lens</h1>
      <PersonLookup tool={tool} range={opened.range} lookupJobs={(q) => sendRequest({ type: 'jobs/lookup', ...q })} />
    </main>,
    document.getElementById('app')!,
  );
}

void start();

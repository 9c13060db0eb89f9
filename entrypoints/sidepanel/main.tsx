import { render } from 'preact';
import { browser } from 'wxt/browser';
import { PersonLookup } from '../../components/lookup/PersonLookup';
import type { IncomingLookups } from '../../components/lookup/useIncomingLookups';
import '../../components/pages.css';
import { parseLookupParams } from '../../lib/helpers/lookupPage';
import { pageMessageSchema } from '../../lib/protocol/messages';
import { sendRequest, sendToTab } from '../../lib/protocol/messaging';
import '../../lib/model/zodMessages';

/**
 * The side panel (Firefox: the sidebar; a tab where neither opens): support's person lookup, in the
 * extension's own page. It takes what the context menu chose for its window, and asks the worker for
 * each lookup; nothing about the person is stored.
 */
async function start() {
  const opened = parseLookupParams(location.search);
  const windowId = await browser.windows
    ?.getCurrent()
    .then((w) => w.id)
    .catch(() => undefined);
  let tool = opened.tool;
  // Opened from the browser's own menu: the active tab's tool, if it is a tool page (its jobs first).
  if (!tool) {
    const [tab] = await browser.tabs.query({ active: true, currentWindow: true }).catch(() => []);
    tool = (tab?.id !== undefined ? (await sendToTab(tab.id, { type: 'card/status' }))?.tool : null) ?? '';
  }
  const incoming: IncomingLookups = {
    take: async () => (await sendRequest({ type: 'lookup/take', ...(windowId !== undefined ? { windowId } : {}) })).lookup,
    subscribe(onPending) {
      // Only the worker's word, checked; never answered (other pages' requests pass here too).
      const listener = (message: unknown, sender: { id?: string }) => {
        if (sender.id === browser.runtime.id && pageMessageSchema.safeParse(message).success) onPending();
      };
      browser.runtime.onMessage.addListener(listener);
      return () => browser.runtime.onMessage.removeListener(listener);
    },
  };
  render(
    <main class="panel">
      <h1>Tool Lens</h1>
      <PersonLookup
        range={opened.range}
        tool={tool}
        lookUp={(q) => sendRequest({ type: 'person/lookup', ...q })}
        incoming={incoming}
        copy={(text) => navigator.clipboard.writeText(text)}
      />
    </main>,
    document.getElementById('app')!,
  );
}

void start();

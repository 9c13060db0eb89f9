import { render } from 'preact';
import { CardContainer, type CardApi } from '../../components/CardContainer';
import '../../components/card.css';
import type { CardPrefs } from '../../lib/messages';
import { sendRequest } from '../../lib/messaging';
import { matchTool, TOOL_MARKER_NAME } from '../../lib/toolMatch';

export default defineContentScript({
  // Walking skeleton: the sample site on this machine. Per-site permissions come with site enabling.
  matches: ['http://localhost/*', 'http://127.0.0.1/*'],
  cssInjectionMode: 'ui',
  runAt: 'document_idle',
  async main(ctx) {
    const marker = document.querySelector(`meta[name="${TOOL_MARKER_NAME}"]`)?.getAttribute('content');
    const match = matchTool(location.href, marker);
    if (!match) return; // not a tool page: no messaging, no DOM work

    const origin = location.origin;
    const api: CardApi = {
      loadMetrics: (range, refresh) => sendRequest({ type: 'tool-metrics/get', tool: match.tool, range, refresh }),
      loadTriage: (range) => sendRequest({ type: 'triage/get', tool: match.tool, range }),
      openOptions: () => void sendRequest({ type: 'options/open' }),
      savePrefs: (prefs) => void sendRequest({ type: 'card-prefs/set', origin, prefs }),
    };
    let prefs: CardPrefs = (await sendRequest({ type: 'card-prefs/get', origin })).prefs;
    let toggles = 0;

    const ui = await createShadowRootUi(ctx, {
      name: 'tool-lens-card',
      position: 'inline',
      anchor: 'body',
      mode: 'open',
      onMount(container) {
        const draw = () =>
          render(
            <CardContainer tool={match.tool} matchedBy={match.rule === 'marker' ? 'page marker' : 'URL'} api={api} prefs={prefs} toggleSignal={toggles} onHide={() => ui.remove()} />,
            container,
          );
        draw();
        redraw = draw;
        return container;
      },
      onRemove(container) {
        if (container) render(null, container);
      },
    });
    let redraw = () => {};
    if (!prefs.hidden) ui.mount();

    // Keyboard command (from the background worker): show a hidden card, else collapse/expand it.
    browser.runtime.onMessage.addListener((message: unknown, sender: { id?: string; tab?: unknown }) => {
      if (sender.id !== browser.runtime.id || sender.tab || (message as { type?: unknown })?.type !== 'card/toggle') return;
      if (!ui.mounted) {
        prefs = { ...prefs, hidden: false };
        api.savePrefs(prefs);
        ui.mount();
      } else {
        toggles++;
        redraw();
      }
    });
  },
});

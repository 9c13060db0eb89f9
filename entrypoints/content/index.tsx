import { render } from 'preact';
import { CardContainer, type CardApi } from '../../components/CardContainer';
import cardCss from '../../components/card.css?inline';
import type { CardPrefs } from '../../lib/messages';
import { sendRequest } from '../../lib/messaging';
import { siteConfigKey, siteConfigSchema, type SiteConfig } from '../../lib/sites';
import { readMarker, resolveTool, type ToolMatch } from '../../lib/toolMatch';

/**
 * Registered at run time, only on the sites the user enabled. On a page that is not a tool page
 * it reads the location, the marker and this site's rules (from storage, not a message) and stops.
 */
export default defineContentScript({
  registration: 'runtime',
  matches: [],
  cssInjectionMode: 'manual',
  async main(ctx) {
    const origin = location.origin;
    const config = await siteConfig(origin);
    if (!config) return;

    let current: { match: ToolMatch; unmount: () => void } | null = null;
    let prefs: CardPrefs | null = null;
    let toggles = 0;
    let redraw = () => {};

    async function show(match: ToolMatch) {
      prefs ??= (await sendRequest({ type: 'card-prefs/get', origin })).prefs;
      if (prefs.hidden) return;
      const api: CardApi = {
        loadMetrics: (range, refresh) => sendRequest({ type: 'tool-metrics/get', tool: match.tool, range, refresh }),
        loadTriage: (range) => sendRequest({ type: 'triage/get', tool: match.tool, range }),
        openOptions: () => void sendRequest({ type: 'options/open' }),
        savePrefs: (next) => {
          prefs = next;
          void sendRequest({ type: 'card-prefs/set', origin, prefs: next });
        },
      };
      const ui = await createShadowRootUi(ctx, {
        name: 'tool-lens-card',
        position: 'inline',
        anchor: 'body',
        mode: 'open',
        css: cardCss,
        onMount(container) {
          const draw = () =>
            render(<CardContainer key={match.tool} tool={match.tool} matchedBy={match.detail} api={api} prefs={prefs!} toggleSignal={toggles} onHide={hide} />, container);
          redraw = draw;
          draw();
          return container;
        },
        onRemove(container) {
          if (container) render(null, container);
        },
      });
      ui.mount();
      current = { match, unmount: () => ui.remove() };
    }

    function hide() {
      current?.unmount();
      current = null;
    }

    /** Resolves the tool for the current location; mounts, swaps or removes the card to match. */
    async function update() {
      const match = resolveTool({ url: location.href, marker: readMarker(document, config!.site), site: config!.site, autoMap: config!.autoMap });
      if (match?.tool === current?.match.tool && match?.detail === current?.match.detail) return;
      hide();
      if (match) await show(match);
    }

    await update();
    // Single-page apps: follow client-side navigation (Navigation API, else polling) without leaking cards.
    ctx.addEventListener(window, 'wxt:locationchange', () => {
      // Give the app a moment to render the new page (and its marker) first.
      ctx.setTimeout(() => void update(), 50);
    });

    // From this extension only (worker or popup): the keyboard command, and the popup asking what this page is.
    browser.runtime.onMessage.addListener((message: unknown, sender: { id?: string; tab?: unknown }) => {
      if (sender.id !== browser.runtime.id || sender.tab) return;
      const type = (message as { type?: unknown })?.type;
      if (type === 'card/status') {
        const match = resolveTool({ url: location.href, marker: readMarker(document, config.site), site: config.site, autoMap: config.autoMap });
        return Promise.resolve({ tool: match?.tool ?? null, detail: match?.detail ?? null, hidden: prefs?.hidden ?? false });
      }
      if (type !== 'card/toggle') return;
      if (prefs?.hidden) {
        prefs = { ...prefs, hidden: false };
        void sendRequest({ type: 'card-prefs/set', origin, prefs });
        void update();
      } else if (current) {
        toggles++;
        redraw();
      }
    });
  },
});

/** This site's rules, published by the background worker in storage.session; asked for only if missing. */
async function siteConfig(origin: string): Promise<SiteConfig | null> {
  const key = siteConfigKey(origin);
  const area: Record<string, unknown> = await browser.storage.session.get(key).catch(() => ({}));
  const stored = siteConfigSchema.safeParse(area[key]);
  if (stored.success) return stored.data;
  return (await sendRequest({ type: 'site/config', origin }).catch(() => ({ config: null }))).config;
}

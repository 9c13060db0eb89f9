import type { ZodMiniType } from 'zod/mini';
import { DEFAULT_RANGE } from '../../lib/card/ranges';
import { cardPrefsResponse, getCardPrefsRequest, getToolMetricsRequest, injectCardRequest, okResponse, setCardPrefsRequest, siteConfigResponse, getSiteConfigRequest, type CardPrefs } from '../../lib/protocol/messages';
import { siteConfigKey, siteConfigSchema, type SiteConfig } from '../../lib/matching/sites';
import { readMarker, resolveTool, type ToolMatch } from '../../lib/matching/toolMatch';
import type { CardHost } from '../card';
import { createTabListener } from '../../lib/protocol/messaging';

/**
 * Registered at run time, only on the sites the user enabled. This script is only the matcher: it
 * reads the location, the marker and this site's rules (from storage, not a message), and on a tool
 * page asks the background worker to inject the card script (`card/inject`: Preact, the components
 * and the CSS), which runs in this same isolated world and registers itself on `CARD_HOST`.
 * On other pages nothing else is loaded.
 */
const CARD_HOST = '__toolLensCard'; // entrypoints/card.tsx CARD_HOST_GLOBAL (not imported: it would pull the card in)

export default defineContentScript({
  registration: 'runtime',
  matches: [],
  cssInjectionMode: 'manual',
  async main(ctx) {
    const origin = location.origin;
    const config = await siteConfig(origin);
    if (!config) return;

    let current: { match: ToolMatch; remove: () => void; toggle: () => void } | null = null;
    let prefs: CardPrefs | null = null;
    let generation = 0;

    const resolve = () => resolveTool({ url: location.href, marker: readMarker(document, config.site), site: config.site, autoMap: config.autoMap });

    async function show(match: ToolMatch, mine: number) {
      prefs ??= (await request(getCardPrefsRequest, cardPrefsResponse, { type: 'card-prefs/get', origin })).prefs;
      if (prefs.hidden || mine !== generation) return;
      // Ask for the figures now: the worker answers while the card script is injected and evaluated.
      const early = { range: DEFAULT_RANGE, answer: rawRequest(getToolMetricsRequest, { type: 'tool-metrics/get', tool: match.tool, range: DEFAULT_RANGE }) };
      early.answer.catch(() => undefined);
      const host = await cardHost();
      if (!host || mine !== generation) return;
      const card = await host.mount({
        ctx,
        origin,
        match,
        prefs,
        early,
        savePrefs: (next) => {
          prefs = next;
          void request(setCardPrefsRequest, cardPrefsResponse, { type: 'card-prefs/set', origin, prefs: next });
        },
        onHide: hide,
      });
      if (mine !== generation) return card.remove();
      current = { match, ...card };
    }

    function hide() {
      generation++;
      current?.remove();
      current = null;
    }

    /** Resolves the tool for the current location; mounts, swaps or removes the card to match. */
    async function update() {
      const match = resolve();
      if (current && match?.tool === current.match.tool && match?.detail === current.match.detail) return;
      hide();
      if (match) await show(match, generation);
    }

    await update();
    // Single-page apps: follow client-side navigation (Navigation API, else polling) without leaking cards.
    ctx.addEventListener(window, 'wxt:locationchange', () => {
      // Give the app a moment to render the new page (and its marker) first.
      ctx.setTimeout(() => void update(), 50);
    });

    // From this extension only (worker or popup): the keyboard command, and the popup asking what this page is.
    browser.runtime.onMessage.addListener(
      createTabListener(browser.runtime.id, {
        'card/status': async () => {
          const match = resolve();
          return { tool: match?.tool ?? null, detail: match?.detail ?? null, hidden: prefs?.hidden ?? false };
        },
        'card/toggle': async () => {
          if (prefs?.hidden) {
            prefs = { ...prefs, hidden: false };
            void request(setCardPrefsRequest, cardPrefsResponse, { type: 'card-prefs/set', origin, prefs });
            void update();
          } else {
            current?.toggle();
          }
          return { ok: true };
        },
      }),
    );
  },
});

/** The card script, injected once per frame by the worker. */
let injecting: Promise<CardHost | null> | null = null;
function cardHost(): Promise<CardHost | null> {
  const loaded = () => ((globalThis as Record<string, unknown>)[CARD_HOST] as CardHost | undefined) ?? null;
  if (loaded()) return Promise.resolve(loaded());
  injecting ??= request(injectCardRequest, okResponse, { type: 'card/inject' })
    .then(() => loaded())
    .catch(() => null)
    .finally(() => {
      injecting = null;
    });
  return injecting;
}

/** A request checked against its schema; the answer is the worker's, unchecked (the card checks the figures). */
function rawRequest<T>(schema: ZodMiniType<T>, body: T): Promise<unknown> {
  return browser.runtime.sendMessage(schema.parse(body));
}

/** A request and its answer, both checked against the message protocol (lib/protocol/messages.ts). */
async function request<T, R>(schema: ZodMiniType<T>, response: ZodMiniType<R>, body: T): Promise<R> {
  const parsed = response.safeParse(await rawRequest(schema, body));
  if (!parsed.success) throw new Error(`The Tool Lens background worker answered in an unexpected shape (${parsed.error.issues[0]?.message ?? 'invalid'})`);
  return parsed.data;
}

/** This site's rules, published by the background worker in storage.session; asked for only if missing. */
async function siteConfig(origin: string): Promise<SiteConfig | null> {
  const key = siteConfigKey(origin);
  // Firefox gives content scripts no storage.session at all: there the worker answers instead.
  const session = browser.storage.session as typeof browser.storage.session | undefined;
  const area: Record<string, unknown> = session ? await session.get(key).catch(() => ({})) : {};
  const stored = siteConfigSchema.safeParse(area[key]);
  if (stored.success) return stored.data;
  return (await request(getSiteConfigRequest, siteConfigResponse, { type: 'site/config', origin }).catch(() => ({ config: null }))).config;
}

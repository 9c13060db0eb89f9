import { DEFAULT_RANGE } from '../lib/model/ranges';
import type { Request } from '../lib/protocol/messages';
import type { CardPrefs } from '../lib/model/cardPrefs';
import { createTabListener } from '../lib/protocol/tabListener';
import { parseCardPrefs } from '../lib/protocol/plainChecks';
import { parseSiteConfig, siteConfigKey, type SiteConfig } from '../lib/matching/siteConfig';
import { readMarker, resolveTool, type ToolMatch } from '../lib/matching/toolMatch';
import { watchLocation } from '../lib/matching/locationWatch';
import { FIGURES_WAIT_MS, figuresWithin } from '../lib/protocol/earlyFigures';
import { CARD_HOST_GLOBAL, extensionApi, MATCHER_MARK } from '../lib/protocol/isolatedWorld';
import type { CardHost } from './card';
import type { browser } from 'wxt/browser';

/** Not WXT's `browser`: the matcher runs on every page of a site, most of which only need storage (extensionApi). */
const ext = extensionApi<typeof browser>();

/**
 * The content script, registered at run time (lib/matching/siteRegistration.ts planScripts), only
 * on the sites the user enabled, and there on the paths where the site's rules can name a tool (the
 * whole site when its own marker selector may match anywhere); the watcher (./watcher.ts) has it
 * injected on the site's other pages when they carry the marker or navigate in place. This script is only the matcher: it
 * reads the location, the marker and this site's rules (from storage, not a message), and on a tool
 * page loads the card script (Preact, the components and the CSS: cardHost below), which runs in this same isolated world and registers itself on `CARD_HOST_GLOBAL`.
 * On other pages nothing else is loaded. It runs on many pages of an enabled site, so it carries no
 * zod and no Preact: the few answers it reads are checked in plain code (lib/protocol/plainChecks.ts,
 * lib/matching/siteConfig.ts); the worker checks every message it sends, the card every answer it shows.
 * It is an unlisted script rather than WXT's content script: WXT's content-script context (the
 * start-up event it sends to end older copies, its logger, its location watcher) cost more on every
 * page than this script's own work (bench/README.md), and this script needs none of it: it runs once
 * per frame by its own mark, and follows client-side navigation with lib/matching/locationWatch.ts.
 */
export default defineUnlistedScript(async () => {
  // Marks this frame's isolated world: the worker injects this script into a page Chromium loaded
  // without it (a browser just started) only where no mark is (lib/worker/catchUp.ts).
  const world = globalThis as Record<string, unknown>;
  if (world[MATCHER_MARK] === true) return;
  world[MATCHER_MARK] = true;
  const origin = location.origin;
  const config = await siteConfig(origin);
  if (!config) return;

  let current: { match: ToolMatch; remove: () => void; toggle: () => void } | null = null;
  let prefs: CardPrefs | null = null;
  let generation = 0;

  const resolve = () => resolveTool({ url: location.href, marker: readMarker(document, config.site), site: config.site, autoMap: config.autoMap });

  /**
   * The card script injected while the prefs are read (on a tool page it is almost always shown),
   * then the figures asked for (not before the prefs: a hidden card must not spend a query); the
   * worker answers while the card script is still evaluated. The standing and the annotations, which
   * the card asks for once its figures are in, are asked for the moment they are: figures from the
   * worker's cache then come with both, and the card's first render shows all three.
   */
  function start(match: ToolMatch) {
    const loading = cardHost();
    const early = (async () => {
      prefs ??= await loadPrefs(origin);
      if (prefs.hidden) return null;
      const range = DEFAULT_RANGE;
      const answer = quiet(send({ type: 'tool-metrics/get', tool: match.tool, range }));
      const extras = answer.then(
        (figures) =>
          (figures as { ok?: unknown } | undefined)?.ok === true
            ? { ranking: quiet(send({ type: 'ranking/get', range })), annotations: quiet(send({ type: 'annotations/get', range })) }
            : null,
        () => null,
      );
      return { range, answer, extras };
    })();
    return { tool: match.tool, loading, early };
  }
  /** Started at document_start from the URL alone, taken by the first show() of that tool. */
  let ahead: ReturnType<typeof start> | null = null;

  async function show(match: ToolMatch, mine: number) {
    const started = ahead?.tool === match.tool ? ahead : start(match);
    ahead = null;
    const early = await started.early;
    if (!early || !prefs || mine !== generation) return;
    const host = await started.loading;
    if (!host || mine !== generation) return;
    await figuresWithin(early, FIGURES_WAIT_MS);
    if (mine !== generation) return;
    const card = await host.mount({
      origin,
      match,
      prefs,
      early,
      savePrefs: (change) => {
        if (prefs) prefs = { ...prefs, ...change };
        void send({ type: 'card-prefs/set', origin, change }).catch(() => undefined);
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
    if (!match) return;
    listen();
    await show(match, generation);
  }

  /**
   * From this extension only (worker or popup): the keyboard command, and the popup asking what this
   * page is. Listened for once this page has named a tool: until then a toggle has no card to act on
   * and the popup reads no answer as "no tool here", so a page that never names one (most pages of a
   * site) never sets up the extension's messaging in its isolated world (bench: "by source").
   */
  let listening = false;
  function listen() {
    if (listening) return;
    listening = true;
    ext.runtime.onMessage.addListener(
      createTabListener(ext.runtime.id, {
        'card/status': async () => {
          const match = resolve();
          return { tool: match?.tool ?? null, detail: match?.detail ?? null, hidden: prefs?.hidden ?? false };
        },
        'card/toggle': async () => {
          if (prefs?.hidden) {
            // Brought back by the user's own command: expanded, whatever it was when hidden.
            const change = { hidden: false, collapsed: false };
            prefs = { ...prefs, ...change };
            void send({ type: 'card-prefs/set', origin, change }).catch(() => undefined);
            void update();
          } else {
            current?.toggle();
          }
          return { ok: true };
        },
      }),
    );
  }

  // Registered at document_start: the URL (a rule, the auto-mapping) may name the tool before the
  // page has parsed, so the card script, the prefs and the figures start now, in parallel with the
  // page's own load. The marker, which wins over the URL, is read before the card mounts; if it names
  // another tool, what was started for this one is left unused.
  if (document.readyState === 'loading') {
    const fromUrl = resolveTool({ url: location.href, marker: null, site: config.site, autoMap: config.autoMap });
    const parsed = new Promise<void>((done) => document.addEventListener('DOMContentLoaded', () => done(), { once: true }));
    let drawnAhead: Promise<void> | null = null;
    if (fromUrl) {
      ahead = start(fromUrl);
      // The card is drawn while the page loads and put on it at DOMContentLoaded
      // (components/card/closedShadowHost.ts), so all that is left then is its style, layout and
      // paint; a page's parser-blocking scripts (an analytics snippet, a bundle) hold DOMContentLoaded
      // back long enough for the rest. Drawn once <body> has started: <head> and a <meta> marker in it
      // are parsed by then, so the tool is known, unless the site names its tools with its own marker
      // selector, which may match anywhere in the page: that waits for DOMContentLoaded.
      if (!config.site?.marker) {
        // The figures are waited for too (or DOMContentLoaded, whichever comes first): the card's
        // first render then shows them, rather than a loading state that they replace.
        const ready = ahead;
        const drawable = Promise.all([ready.loading, ready.early.then((early) => early?.answer.catch(() => undefined))]).then(() => bodyStarted(parsed));
        drawnAhead = Promise.race([drawable, parsed])
          .then(() => update())
          .catch(() => undefined); // as if not drawn: the update() below tries again
      }
    }
    await parsed;
    // The card drawn ahead is `current` once that update() is done: the one below keeps it, unless a
    // marker later in the page names another tool.
    await drawnAhead;
  }
  await update();
  // Single-page apps: follow client-side navigation without leaking cards. Once the extension is
  // gone (updated or removed: this page outlives it), its card goes with it.
  const alive = () => {
    if (ext.runtime?.id) return true;
    hide();
    return false;
  };
  watchLocation(() => {
    // Give the app a moment to render the new page (and its marker) first.
    setTimeout(() => void (alive() && update()), 50);
  }, alive);
});

/** Resolves once the parser has started `<body>` (and so finished `<head>`), or at `parsed` if that comes first. */
function bodyStarted(parsed: Promise<void>): Promise<void> {
  if (document.body) return Promise.resolve();
  return new Promise((done) => {
    const watch = new MutationObserver(() => {
      if (document.body) finish();
    });
    const finish = () => {
      watch.disconnect();
      done();
    };
    // <html> itself may not be there yet in a document this young: then watch the whole tree.
    const root = document.documentElement;
    watch.observe(root ?? document, { childList: true, subtree: !root });
    void parsed.then(finish);
  });
}

/**
 * The card script, loaded once per frame. In Chromium this script imports it as a module (a
 * web-accessible resource behind a dynamic URL, wxt.config.ts): imported from this isolated world, it
 * runs in it, and the browser compiles it off the page's main thread as it streams in, where a script
 * the worker injects is compiled on that thread (bench --only main, same machine, 18 loads each,
 * alternated: compile 24.8 → 3.3 ms median, JavaScript + compile 70 → 47 ms). Firefox, and Chromium if the import fails, have the worker inject it (`card/inject`).
 */
let injecting: Promise<CardHost | null> | null = null;
function cardHost(): Promise<CardHost | null> {
  const loaded = () => ((globalThis as Record<string, unknown>)[CARD_HOST_GLOBAL] as CardHost | undefined) ?? null;
  if (loaded()) return Promise.resolve(loaded());
  injecting ??= importCard()
    .then(() => loaded() ?? Promise.reject(new Error('the card script did not register')))
    .catch(() => send({ type: 'card/inject' }))
    .then(() => loaded())
    .catch(() => null)
    .finally(() => {
      injecting = null;
    });
  return injecting;
}

function importCard(): Promise<unknown> {
  if (import.meta.env.FIREFOX) return Promise.reject(new Error('the worker injects the card script in Firefox'));
  return import(/* @vite-ignore */ ext.runtime.getURL('/card.js'));
}

/** A message to the worker, which checks it against the protocol; the answer is unchecked here. */
function send(body: Request): Promise<unknown> {
  return ext.runtime.sendMessage(body);
}

/** A request whose failure its reader handles (or nobody reads it): never an unhandled rejection. */
function quiet(answer: Promise<unknown>): Promise<unknown> {
  answer.catch(() => undefined);
  return answer;
}

/** This site's card prefs; the defaults when the worker's answer is not prefs (the card still shows). */
async function loadPrefs(origin: string): Promise<CardPrefs> {
  const answer = await send({ type: 'card-prefs/get', origin }).catch(() => null);
  return parseCardPrefs((answer as { prefs?: unknown } | null)?.prefs) ?? { corner: 'bottom-right', hidden: false }; // DEFAULT_CARD_PREFS (messages.ts carries zod)
}

/** This site's rules, published by the background worker in storage.session; asked for only if missing. */
async function siteConfig(origin: string): Promise<SiteConfig | null> {
  const key = siteConfigKey(origin);
  // Firefox gives content scripts no storage.session at all: there the worker answers instead.
  const session = ext.storage.session as typeof ext.storage.session | undefined;
  const area: Record<string, unknown> = session ? await session.get(key).catch(() => ({})) : {};
  const stored = parseSiteConfig(area[key]);
  if (stored) return stored;
  const answer = await send({ type: 'site/config', origin }).catch(() => null);
  return parseSiteConfig((answer as { config?: unknown } | null)?.config);
}

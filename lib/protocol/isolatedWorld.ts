/**
 * Names the extension's scripts share in a tool page's isolated world (invisible to the page): the
 * matcher's mark, which the worker's catch-up looks for before injecting the matcher
 * (lib/worker/catchUp.ts), and the card script's entry, which the matcher mounts cards with; and how
 * the matcher finds the extension's API there. Plain code, so the matcher can import it without
 * pulling the card in.
 */
export const MATCHER_MARK = '__toolLensMatcher';
/** The watcher's mark (entrypoints/watcher.ts): the pages of a site where no tool can be by the URL. */
export const WATCHER_MARK = '__toolLensWatcher';
export const CARD_HOST_GLOBAL = '__toolLensCard';

/**
 * The extension's API in a content script's isolated world, chosen without setting any of it up:
 * `browser` where it is the extension's (Firefox; Chromium since it has one), else `chrome`. WXT's
 * `browser` module decides by reading `browser.runtime.id` as it loads, which sets up the runtime
 * API on every page the matcher runs on, where most pages only need storage; `in` sets nothing up,
 * and a page element named "browser" (the window's named access) has no `storage`.
 */
export function extensionApi<Api>(world: { browser?: unknown; chrome?: unknown } = globalThis as never): Api {
  const { browser } = world;
  return (typeof browser === 'object' && browser !== null && 'storage' in browser ? browser : world.chrome) as Api;
}

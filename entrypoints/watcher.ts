import { watchPage } from '../lib/matching/pageWatch';
import { extensionApi, MATCHER_MARK, WATCHER_MARK } from '../lib/protocol/isolatedWorld';
import type { Request } from '../lib/protocol/messages';
import type { browser } from 'wxt/browser';

/**
 * The content script on the pages of an enabled site where the site's rules cannot name a tool by
 * the URL (lib/matching/siteRegistration.ts planScripts registers the matcher on the others). Most
 * pages of a site are such pages, so until one names a tool this script uses no extension API at
 * all: registered at document_end, it looks for the page marker once the DOM is complete (no
 * listener to wait for it: bench --only main on /about, 45 loads each, alternated: 2.8 → 1.6 ms
 * median) and follows client-side navigation. When the page carries the marker, or navigates in
 * place (an app may go to a tool page without a load), it asks the worker for the matcher in its
 * frame (`matcher/inject`), which then does the rest: reads the site's rules, names the tool, shows
 * the card, follows later navigation.
 */
export default defineUnlistedScript(() => {
  const world = globalThis as Record<string, unknown>;
  if (world[MATCHER_MARK] === true || world[WATCHER_MARK] === true) return;
  world[WATCHER_MARK] = true;
  const request: Request = { type: 'matcher/inject' };
  watchPage({
    doc: document,
    // document.URL, not location: reading location makes the page's Location object in this world,
    // with all its own properties (same machine, 21 loads each: 2.4 ms median against 3.2).
    page: () => document.URL.split('#')[0]!,
    location: { href: () => document.URL, navigation: (globalThis as { navigation?: EventTarget }).navigation },
    matcherRuns: () => world[MATCHER_MARK] === true,
    extensionAlive: () => Boolean(extensionApi<typeof browser>().runtime?.id),
    askForMatcher: () => extensionApi<typeof browser>().runtime.sendMessage(request),
  });
});

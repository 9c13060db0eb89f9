import { TOOL_MARKER_NAME } from '../lib/matching/toolMatch';
import { watchLocation } from '../lib/matching/locationWatch';
import { extensionApi, MATCHER_MARK, WATCHER_MARK } from '../lib/protocol/isolatedWorld';
import type { Request } from '../lib/protocol/messages';
import type { browser } from 'wxt/browser';

/**
 * The content script on the pages of an enabled site where the site's rules cannot name a tool by
 * the URL (lib/matching/siteRegistration.ts planScripts registers the matcher on the others). Most
 * pages of a site are such pages, so until one names a tool this script uses no extension API at
 * all: it looks for the page marker at DOMContentLoaded and follows client-side navigation. When
 * the page carries the marker, or navigates in place (an app may go to a tool page without a load),
 * it asks the worker for the matcher in its frame (`matcher/inject`), which then does the rest:
 * reads the site's rules, names the tool, shows the card, follows later navigation.
 */
export default defineUnlistedScript(() => {
  const world = globalThis as Record<string, unknown>;
  if (world[MATCHER_MARK] === true || world[WATCHER_MARK] === true) return;
  world[WATCHER_MARK] = true;

  let asked = false;
  const askForMatcher = () => {
    if (asked || world[MATCHER_MARK] === true) return;
    asked = true;
    const request: Request = { type: 'matcher/inject' };
    extensionApi<typeof browser>()
      .runtime.sendMessage(request)
      .catch(() => {
        asked = false; // the worker may be restarting: the next navigation asks again
      });
  };

  const lookForMarker = () => {
    if (document.querySelector(`meta[name="${TOOL_MARKER_NAME}"]`)) askForMatcher();
  };
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', lookForMarker, { once: true });
  else lookForMarker();

  // Stops once the matcher is asked for (it follows navigation itself), or the extension is gone
  // (updated or removed: this page outlives it).
  const watching = () => !asked && Boolean(extensionApi<typeof browser>().runtime?.id);
  const page = () => location.pathname + location.search; // what names a tool (a hash does not)
  const loaded = page();
  watchLocation(() => {
    // As the matcher does: give the app a moment to render the new page (and its marker) first. The
    // Navigation API also tells of a navigation that loads another document: this one stays as it is.
    setTimeout(() => void (watching() && page() !== loaded && askForMatcher()), 50);
  }, watching);
});

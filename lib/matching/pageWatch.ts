/**
 * The watcher's logic (entrypoints/watcher.ts): on a page of an enabled site whose URL the site's
 * rules cannot name a tool by, when to call the matcher in. It uses no extension API until then:
 * most pages of a site are such pages (lib/matching/siteRegistration.ts planScripts).
 */
import { watchLocation, type LocationSource } from './locationWatch';
import { TOOL_MARKER_NAME } from './toolMatch';

/** How long after a client-side navigation the page is looked at: the app renders the new page (and its marker) first. */
export const SETTLE_MS = 50;

export interface PageWatchDeps {
  doc: Pick<Document, 'readyState' | 'addEventListener' | 'querySelector'>;
  /** The page's URL without its hash (a hash does not name a tool). */
  page(): string;
  location?: LocationSource;
  /** Whether the matcher already runs in this world (injected, or registered here too). */
  matcherRuns(): boolean;
  /** Whether the extension is still there (updated or removed: the page outlives it). */
  extensionAlive(): boolean;
  /** Has the worker inject the matcher into this frame; rejects when it could not be asked. */
  askForMatcher(): Promise<unknown>;
}

/**
 * Asks for the matcher once: when the page carries the tool marker once its DOM is complete (the
 * watcher runs at document_end; a document still loading is looked at on DOMContentLoaded), or when
 * it navigates in place to another path or query. Stops once the worker says it injected it (the
 * matcher follows navigation itself), or once the extension is gone; an ask that fails is made again
 * at the next navigation. A navigation that loads another document leaves this page's path as it
 * was, and asks nothing. The extension's API is touched only to ask.
 */
export function watchPage(deps: PageWatchDeps): void {
  let asking = false;
  let done = false;
  const ask = () => {
    if (asking || done || deps.matcherRuns()) return;
    if (!deps.extensionAlive()) {
      done = true;
      return;
    }
    asking = true;
    Promise.resolve()
      .then(() => deps.askForMatcher())
      .then(
        (answer) => {
          done = (answer as { ok?: unknown } | undefined)?.ok === true;
        },
        () => undefined, // the worker may be restarting: the next navigation asks again
      )
      .finally(() => {
        asking = false;
      });
  };

  const lookForMarker = () => {
    if (deps.doc.querySelector(`meta[name="${TOOL_MARKER_NAME}"]`)) ask();
  };
  if (deps.doc.readyState === 'loading') deps.doc.addEventListener('DOMContentLoaded', lookForMarker, { once: true });
  else lookForMarker();

  const loaded = deps.page();
  watchLocation(
    () => setTimeout(() => void (deps.page() !== loaded && ask()), SETTLE_MS),
    () => !done,
    deps.location,
  );
}

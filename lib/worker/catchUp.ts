/**
 * Right after the browser starts, Chromium may load a page before it has loaded the extension's
 * registered content scripts: that page gets no matcher, so no card (seen on the first tool page
 * opened after a restart, with the matcher at document_start). For a while after the worker starts,
 * each page of an enabled site with neither the matcher's mark nor the watcher's (the two content
 * scripts: lib/matching/siteRegistration.ts planScripts) gets the matcher injected: the pages open when the
 * worker starts, each that finishes loading, and all of them again once the worker's start is done
 * (its site registration in place). That last sweep catches a page whose load began before the
 * worker's listener was added: Chromium does not replay tab events to a listener added late (seen:
 * no tabs.onUpdated at all for a page opened as the worker started, about 1 restart in 8).
 * The matcher runs once per frame whatever happens (entrypoints/matcher.ts).
 */
export const CATCH_UP_MS = 60_000;

type Tab = { id?: number; url?: string };

export interface CatchUpDeps {
  /** The host patterns of the enabled sites Tool Lens may reach (the matcher and the watcher cover them between them). */
  patterns(): Promise<string[]>;
  /** Whether the matcher or the watcher has marked the tab's isolated world (one of them runs there). */
  hasContentScript(tabId: number): Promise<boolean>;
  inject(tabId: number): Promise<void>;
}

/** Whether a URL falls under one of the sites' host patterns (`scheme://host/*`). */
export function underPatterns(url: string, patterns: string[]): boolean {
  return patterns.some((pattern) => {
    const prefix = pattern.endsWith('/*') ? pattern.slice(0, -1) : pattern;
    try {
      const u = new URL(url);
      const p = new URL(prefix);
      return u.protocol === p.protocol && u.hostname === p.hostname;
    } catch {
      return false;
    }
  });
}

/** A tab finished loading: if it is on an enabled site and neither content script runs there, inject the matcher. */
export async function catchUpTab(tab: Tab, deps: CatchUpDeps): Promise<'injected' | 'present' | 'elsewhere'> {
  if (tab.id === undefined || !tab.url || !underPatterns(tab.url, await deps.patterns())) return 'elsewhere';
  if (await deps.hasContentScript(tab.id)) return 'present';
  await deps.inject(tab.id).catch(() => undefined);
  return 'injected';
}

export interface CatchUpTabs {
  /** Every tab now open, whatever its status: a loading page's check waits for its document. */
  openTabs(): Promise<Tab[]>;
  /** Calls `listener` with each tab that finishes loading; returns what stops it. */
  onTabLoaded(listener: (tab: Tab) => void): () => void;
}

/**
 * Starts the catch-up at the worker's start, for `forMs`: each open tab now, each tab that finishes
 * loading, and each open tab again when `workerStarted` settles. `outcomes` grows with each look
 * (for tests); an error on one tab (closed meanwhile) never stops the others.
 */
export function startCatchUp(
  deps: CatchUpDeps & CatchUpTabs,
  workerStarted: Promise<unknown>,
  forMs = CATCH_UP_MS,
  now = Date.now,
): { outcomes: Promise<unknown>[] } {
  const until = now() + forMs;
  const outcomes: Promise<unknown>[] = [];
  const look = (tab: Tab, lookDeps: CatchUpDeps = deps) => {
    const outcome = catchUpTab(tab, lookDeps).catch(() => 'failed' as const);
    outcomes.push(outcome);
    return outcome;
  };
  const sweep = () =>
    deps.openTabs().then(
      (tabs) => {
        // One read of the enabled sites for the whole sweep, not one per open tab (asked for on first use).
        let patterns: Promise<string[]> | undefined;
        const sweepDeps = { ...deps, patterns: () => (patterns ??= deps.patterns()) };
        return Promise.all(tabs.map((tab) => look(tab, sweepDeps)));
      },
      () => [],
    );
  const stop = deps.onTabLoaded((tab) => {
    if (now() > until) return stop();
    void look(tab);
  });
  const sweepAgain = () => void outcomes.push(sweep());
  outcomes.push(sweep());
  workerStarted.then(sweepAgain, sweepAgain);
  return { outcomes };
}

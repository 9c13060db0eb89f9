/**
 * Right after the browser starts, Chromium may load a page before it has loaded the extension's
 * registered content scripts: that page gets no matcher, so no card (seen on the first tool page
 * opened after a restart, with the matcher at document_start). For a while after the worker starts,
 * each page of an enabled site that finishes loading without the matcher's mark gets one injected.
 * The matcher runs once per frame whatever happens (entrypoints/matcher.ts).
 */
export const CATCH_UP_MS = 60_000;

export interface CatchUpDeps {
  /** The match patterns the matcher is registered for (the enabled sites Tool Lens may reach). */
  patterns(): Promise<string[]>;
  /** Whether the matcher has marked the tab's isolated world (it runs there). */
  hasMatcher(tabId: number): Promise<boolean>;
  inject(tabId: number): Promise<void>;
}

/** Whether a URL falls under one of the registered patterns (`scheme://host/*`, as the sites register them). */
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

/** A tab finished loading: if it is on an enabled site and no matcher runs there, inject one. */
export async function catchUpTab(tab: { id?: number; url?: string }, deps: CatchUpDeps): Promise<'injected' | 'present' | 'elsewhere'> {
  if (tab.id === undefined || !tab.url || !underPatterns(tab.url, await deps.patterns())) return 'elsewhere';
  if (await deps.hasMatcher(tab.id)) return 'present';
  await deps.inject(tab.id).catch(() => undefined);
  return 'injected';
}

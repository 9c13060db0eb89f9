/**
 * A lookup chosen from the context menu, on its way to the lookup page: held in the worker's memory for
 * the page of that window to take once, and for a minute at most (a page opened later finds nothing).
 * Never stored: what was selected on a ticket is the person's.
 */
import type { LookupBy } from '../model/person';

export const PENDING_FOR_MS = 60_000;

export interface PendingLookup {
  value: string;
  by: LookupBy;
}

export function createPendingLookups(now: () => number = Date.now) {
  /** By window (-1: a window not known). */
  const held = new Map<number, PendingLookup & { at: number }>();
  const fresh = (entry: { at: number } | undefined) => entry !== undefined && now() - entry.at <= PENDING_FOR_MS;
  return {
    put(windowId: number | undefined, lookup: PendingLookup) {
      for (const [key, entry] of held) if (!fresh(entry)) held.delete(key);
      held.set(windowId ?? -1, { ...lookup, at: now() });
    },
    /** The lookup waiting for this window, once. */
    take(windowId: number | undefined): PendingLookup | null {
      // Its own window's; else one whose window was not known; a page that does not know its window takes the latest.
      const key = windowId !== undefined && held.has(windowId) ? windowId : held.has(-1) ? -1 : windowId === undefined ? latestKey() : null;
      if (key === null) return null;
      const entry = held.get(key);
      held.delete(key);
      return fresh(entry) ? { value: entry!.value, by: entry!.by } : null;
    },
  };
  function latestKey(): number | null {
    let best: [number, number] | null = null;
    for (const [key, entry] of held) if (!best || entry.at >= best[1]) best = [key, entry.at];
    return best?.[0] ?? null;
  }
}

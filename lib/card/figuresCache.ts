/**
 * The card's last figures in storage, bounded: at most MAX_CACHED_FIGURES answers, none older than
 * CACHED_FIGURES_MAX_AGE_MS. A page on an enabled site can name any tool, and each answer is a few KB:
 * without a bound, storage.local fills (and with it the sign-in's token writes fail). An index item
 * holds when each entry was written, so the oldest go first without reading them all.
 */
import { cachedFigures, figuresIndexItem, type CachedFigures } from '../storage/items';
import type { Store } from '../storage/store';

export const MAX_CACHED_FIGURES = 100;
/** Older figures help no one, even as "stale": PostHog is asked instead. */
export const CACHED_FIGURES_MAX_AGE_MS = 24 * 3_600_000;

export type FiguresCache = ReturnType<typeof createFiguresCache>;

export function createFiguresCache(deps: { store: Store; now: () => number }) {
  const { store, now } = deps;
  // One index update at a time: entries written together must not lose each other's place.
  let writing: Promise<unknown> = Promise.resolve();
  const serially = <T>(task: () => Promise<T>): Promise<T> => {
    const next = writing.then(task, task);
    writing = next.catch(() => undefined);
    return next;
  };

  async function read(id: string): Promise<CachedFigures | null> {
    const entry = await store.getEntry(cachedFigures, id).catch(() => null);
    return entry && now() - entry.at <= CACHED_FIGURES_MAX_AGE_MS ? entry : null;
  }

  /** Keeps the newest entries within the bounds; what falls out is removed from storage. */
  async function settle(index: Record<string, number>): Promise<Record<string, number>> {
    const fresh = Object.entries(index).filter(([, at]) => now() - at <= CACHED_FIGURES_MAX_AGE_MS);
    fresh.sort((a, b) => b[1] - a[1]);
    const kept = Object.fromEntries(fresh.slice(0, MAX_CACHED_FIGURES));
    const gone = (await store.entryIds(cachedFigures)).filter((id) => !(id in kept));
    if (gone.length) await store.removeEntries(cachedFigures, gone);
    return kept;
  }

  /** Stores an answer, dropping the oldest past the bounds first. Throws when storage refuses even then. */
  function write(id: string, entry: CachedFigures): Promise<void> {
    return serially(async () => {
      const index = await settle({ ...(await store.get(figuresIndexItem)), [id]: entry.at });
      await store.set(figuresIndexItem, index);
      await store.setEntries(cachedFigures, { [id]: entry });
    });
  }

  /** Every entry gone (settings changed, a sign-out, storage full). */
  function clear(): Promise<void> {
    return serially(async () => {
      const ids = await store.entryIds(cachedFigures);
      if (ids.length) await store.removeEntries(cachedFigures, ids);
      await store.set(figuresIndexItem, {});
    });
  }

  /** At the worker's start: entries past the bounds, or written before the index existed, go. */
  function prune(): Promise<void> {
    return serially(async () => {
      await store.set(figuresIndexItem, await settle(await store.get(figuresIndexItem)));
    });
  }

  return { read, write, clear, prune };
}

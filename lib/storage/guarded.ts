/**
 * Writes that survive a full storage.local (Chrome's QUOTA_BYTES, 10 MB): a refused write first makes
 * room (the worker drops its cached figures, which PostHog can answer again) and is tried once more;
 * if storage is still full, the problem is kept for the popup and options to say, and the write fails
 * for its caller to handle (the sign-in keeps renewed tokens in memory: lib/connection/signIn.ts).
 */
import type { Store } from './store';

export const isQuotaError = (error: unknown) => /quota/i.test(String((error as Error)?.message ?? error));

export type StorageHealth = ReturnType<typeof createStorageHealth>;

/** What could not be saved, by storage key: the problem lasts until that key is written again. */
export function createStorageHealth() {
  const problems = new Map<string, string>();
  return {
    note(key: string, error: unknown) {
      problems.set(
        key,
        isQuotaError(error)
          ? "The browser's storage for Tool Lens is full, even with its cached figures dropped: it keeps working, but what it could not save (such as a renewed sign-in) is lost when the browser restarts. If this stays, remove sites you no longer use in the options, or reinstall Tool Lens."
          : `Tool Lens could not save to the browser's storage (${String((error as Error)?.message ?? error)}).`,
      );
    },
    clear(key: string) {
      problems.delete(key);
    },
    problem: (): string | null => problems.values().next().value ?? null,
  };
}

export function guardStore(store: Store, deps: { freeSpace: () => Promise<void>; health: StorageHealth }): Store {
  async function guarded(key: string, write: () => Promise<void>): Promise<void> {
    try {
      await write();
    } catch (error) {
      if (!isQuotaError(error)) throw error;
      await deps.freeSpace().catch(() => undefined);
      try {
        await write();
      } catch (again) {
        deps.health.note(key, again);
        throw again;
      }
    }
    deps.health.clear(key);
  }
  return {
    ...store,
    set: (item, value) => guarded(item.key, () => store.set(item, value)),
    setEntries: (family, entries) => guarded(family.prefix, () => store.setEntries(family, entries)),
  };
}

/**
 * The extension's Store: declared items as @wxt-dev/storage items, which keep each item's version
 * beside it and run its migrations once, before the first read or write in each context.
 */
import { storage, type WxtStorageItem } from 'wxt/utils/storage';
import type { Store, StoredFamily, StoredItem } from './store';

export function browserStore(): Store {
  const defined = new Map<string, WxtStorageItem<unknown, Record<string, never>>>();
  const wxt = (item: StoredItem<unknown, unknown>) => {
    let found = defined.get(item.key);
    if (!found) {
      found = storage.defineItem<unknown>(item.key, { version: item.version ?? 1, migrations: item.migrations ?? {} }) as WxtStorageItem<
        unknown,
        Record<string, never>
      >;
      defined.set(item.key, found);
    }
    return found;
  };
  const raw = async (item: StoredItem<unknown, unknown>) => (await wxt(item).getValue()) ?? undefined;
  const entryKey = (family: StoredFamily<unknown>, id: string) => `${family.prefix}${id}` as const;
  const area = (family: StoredFamily<unknown>) => family.prefix.slice(0, family.prefix.indexOf(':')) as 'local' | 'session';

  return {
    get: async (item) => item.read(await raw(item)),
    getRaw: raw,
    set: (item, value) => wxt(item).setValue(value),
    remove: (item) => wxt(item).removeValue(),
    watch: (item, callback) => wxt(item).watch((value, old) => callback(value ?? undefined, old ?? undefined)),
    getEntry: async (family, id) => family.read((await storage.getItem(entryKey(family, id))) ?? undefined),
    setEntries: (family, entries) => storage.setItems(Object.entries(entries).map(([id, value]) => ({ key: entryKey(family, id), value }))),
    entryIds: async (family) => {
      const prefix = family.prefix.slice(family.prefix.indexOf(':') + 1);
      const all = await storage.snapshot(area(family));
      return Object.keys(all)
        .filter((k) => k.startsWith(prefix))
        .map((k) => k.slice(prefix.length));
    },
    removeEntries: (family, ids) => storage.removeItems(ids.map((id) => entryKey(family, id))),
  };
}

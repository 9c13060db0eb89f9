/**
 * How Tool Lens keeps things: each stored thing is declared once (lib/storage/items.ts) with its key,
 * the check its stored value must pass (what is stored is read, never trusted), its version and the
 * migrations from older versions. A Store reads and writes declared items: the browser's
 * (lib/storage/browser.ts, on @wxt-dev/storage) in the extension, a memory one in Node and unit tests.
 */

/** `local:` is storage.local, closed to content scripts; `session:` is storage.session, which they may read. */
export type StorageKey = `local:${string}` | `session:${string}`;

export interface StoredItem<TRead, TWrite = TRead> {
  key: StorageKey;
  /** The value from what is stored (undefined when nothing is): checked, with a fallback for what fails. */
  read(raw: unknown): TRead;
  /** The stored shape's version (1 when unset); `migrations[v]` turns a version v−1 value into version v. */
  version?: number;
  migrations?: Record<number, (old: unknown) => unknown>;
  /** Only to type `set`: what may be written. */
  readonly _write?: TWrite;
}

/** Things stored under one key each, named by an id (figures per settings/range/tool, rules per site). */
export interface StoredFamily<T> {
  prefix: StorageKey;
  read(raw: unknown): T | null;
}

export type WriteOf<I> = I extends StoredItem<unknown, infer W> ? W : never;

export interface Store {
  get<R>(item: StoredItem<R, unknown>): Promise<R>;
  /** What is stored, unchecked: for the options page, which keeps what it can of a damaged value. */
  getRaw(item: StoredItem<unknown, unknown>): Promise<unknown>;
  set<I extends StoredItem<unknown, unknown>>(item: I, value: WriteOf<I>): Promise<void>;
  remove(item: StoredItem<unknown, unknown>): Promise<void>;
  /** Calls back with the stored values (unchecked) after each change, until the returned function is called. */
  watch(item: StoredItem<unknown, unknown>, callback: (value: unknown, old: unknown) => void): () => void;

  getEntry<T>(family: StoredFamily<T>, id: string): Promise<T | null>;
  setEntries<T>(family: StoredFamily<T>, entries: Record<string, T>): Promise<void>;
  /** Ids of the entries stored. */
  entryIds(family: StoredFamily<unknown>): Promise<string[]>;
  removeEntries(family: StoredFamily<unknown>, ids: string[]): Promise<void>;
}

const entryKey = (family: StoredFamily<unknown>, id: string) => `${family.prefix}${id}`;

/**
 * Runs an item's migrations on a stored value of version `from` (1 when unversioned), as
 * @wxt-dev/storage does: each `migrations[v]` in turn up to the item's version.
 */
export function migrate(item: StoredItem<unknown, unknown>, value: unknown, from = 1): unknown {
  let migrated = value;
  for (let v = from + 1; v <= (item.version ?? 1); v++) migrated = item.migrations?.[v]?.(migrated) ?? migrated;
  return migrated;
}

/**
 * A Store in memory (Node, the CLI, tests): the same items, checks and migrations, no browser. Values
 * given at the start count as written by an older release (version 1), as unversioned storage does.
 */
export function memoryStore(initial: Record<string, unknown> = {}, options: { quotaBytes?: number } = {}): Store {
  const values = new Map<string, unknown>(Object.entries(initial));
  /** As Chrome's storage.local refuses a write past QUOTA_BYTES (keys and JSON values, counted together). */
  const checkQuota = (changes: Record<string, unknown>) => {
    if (options.quotaBytes === undefined) return;
    const after = new Map(values);
    for (const [key, value] of Object.entries(changes)) {
      if (value === undefined) after.delete(key);
      else after.set(key, value);
    }
    let bytes = 0;
    for (const [key, value] of after) bytes += new TextEncoder().encode(key + JSON.stringify(value)).length;
    if (bytes > options.quotaBytes) throw new Error('QUOTA_BYTES quota exceeded');
  };
  const versions = new Map<string, number>();
  const current = (item: StoredItem<unknown, unknown>) => {
    const value = values.get(item.key);
    const from = versions.get(item.key) ?? 1;
    if (value !== undefined && from < (item.version ?? 1)) {
      values.set(item.key, migrate(item, value, from));
      versions.set(item.key, item.version ?? 1);
    }
    return structuredClone(values.get(item.key));
  };
  const watchers = new Map<string, Set<(value: unknown, old: unknown) => void>>();
  const put = (key: string, value: unknown) => {
    const old = values.get(key);
    if (value === undefined) values.delete(key);
    else values.set(key, structuredClone(value));
    for (const cb of watchers.get(key) ?? []) cb(structuredClone(value), old);
  };
  return {
    get: async (item) => item.read(current(item)),
    getRaw: async (item) => current(item),
    set: async (item, value) => {
      checkQuota({ [item.key]: value });
      versions.set(item.key, item.version ?? 1);
      put(item.key, value);
    },
    remove: async (item) => put(item.key, undefined),
    watch(item, callback) {
      const set = watchers.get(item.key) ?? new Set();
      set.add(callback);
      watchers.set(item.key, set);
      return () => set.delete(callback);
    },
    getEntry: async (family, id) => family.read(structuredClone(values.get(entryKey(family, id)))),
    setEntries: async (family, entries) => {
      checkQuota(Object.fromEntries(Object.entries(entries).map(([id, value]) => [entryKey(family, id), value])));
      for (const [id, value] of Object.entries(entries)) put(entryKey(family, id), value);
    },
    entryIds: async (family) => [...values.keys()].filter((k) => k.startsWith(family.prefix)).map((k) => k.slice(family.prefix.length)),
    removeEntries: async (family, ids) => {
      for (const id of ids) put(entryKey(family, id), undefined);
    },
  };
}

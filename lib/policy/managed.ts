/**
 * The policy as the worker sees it: read from the browser's managed storage once, kept until the
 * browser says it changed, and laid over the stored settings and sites on every read, so each service
 * (cards, alerts, site registration) uses the organisation's values without knowing of them.
 */
import { settingsItem, sitesItem } from '../storage/items';
import type { Store, StoredItem } from '../storage/store';
import { effectiveSettings, effectiveSites, NO_POLICY, parsePolicy, withPolicy, type ParsedPolicy } from './policy';

/** storage.managed, or the part of it Tool Lens uses. */
export interface ManagedArea {
  get(): Promise<Record<string, unknown>>;
}

/**
 * What the managed area holds; nothing when it cannot be read. Firefox throws when no policy is set
 * (or the add-on has no id the policy can name); Chrome answers {}: both mean no policy.
 */
export async function readManaged(area: ManagedArea | undefined): Promise<Record<string, unknown> | undefined> {
  if (!area) return undefined;
  try {
    const values = await area.get();
    return Object.keys(values ?? {}).length ? values : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The policy the worker last read, kept in its storage (lib/storage/items.ts policySnapshotItem):
 * `load` gives the managed area's values as they were then (null: no policy), undefined when the
 * worker has never read one.
 */
export interface RememberedPolicy {
  load(): Promise<{ raw: Record<string, unknown> | null } | undefined>;
  save(raw: Record<string, unknown> | null): Promise<void>;
}

/**
 * `wake`: what makes the browser answer the worker (Chromium: an extension page asking too, see
 * entrypoints/policy/); called beside each read, its failure ignored.
 *
 * `remembered`: Chromium answers a service worker's first managed read about 3 s after the browser
 * starts, whatever asks. Until it does, the policy the worker read last (its previous session) is the
 * one in force, so the first card after a restart does not wait those seconds; when the answer comes
 * and differs, `changed` is told as for a change while the browser runs. With nothing remembered (a
 * new install), every reader waits for the answer: no setting or site applies before the policy does.
 */
export function createPolicySource(
  area: ManagedArea | undefined,
  wake?: () => Promise<(() => Promise<void>) | void>,
  { remembered, changed }: { remembered?: RememberedPolicy; changed?: (change: { before: ParsedPolicy; after: ParsedPolicy }) => Promise<void> } = {},
) {
  let current: Promise<ParsedPolicy> | null = null;
  /** Counts reads: the answer to a read that a later one overtook is not put in force. */
  let reads = 0;
  const read = async () => {
    if (!area) return NO_POLICY;
    const value = readManaged(area);
    const done = await wake?.().catch(() => undefined);
    const raw = await value;
    await done?.().catch(() => undefined);
    await remembered?.save(raw ?? null).catch(() => undefined);
    return parsePolicy(raw);
  };
  const first = async (): Promise<ParsedPolicy> => {
    const mine = ++reads;
    const fresh = read();
    const last = area ? await remembered?.load().catch(() => undefined) : undefined;
    if (!last) return fresh;
    const before = parsePolicy(last.raw);
    void fresh.then(
      async (after) => {
        if (mine !== reads) return;
        current = Promise.resolve(after);
        if (JSON.stringify(after.policy) !== JSON.stringify(before.policy)) await changed?.({ before, after });
      },
      () => undefined,
    );
    return before;
  };
  return {
    current: () => (current ??= first()),
    /** The browser reported a change: read it again. Gives the policy before and after. */
    async reload(): Promise<{ before: ParsedPolicy; after: ParsedPolicy }> {
      const before = await (current ?? first());
      reads++;
      current = read();
      return { before, after: await current };
    },
  };
}
export type PolicySource = ReturnType<typeof createPolicySource>;

/** A Store whose settings and sites are read with the policy over them; everything else as stored. */
export function storeWithPolicy(store: Store, source: PolicySource): Store {
  return {
    ...store,
    async get<R>(item: StoredItem<R, unknown>): Promise<R> {
      if (item.key === settingsItem.key) return effectiveSettings(await store.getRaw(settingsItem), (await source.current()).policy) as R;
      if (item.key === sitesItem.key) return effectiveSites(await store.get(sitesItem), (await source.current()).policy) as R;
      return store.get(item);
    },
  };
}

/** The stored settings as the worker used them under a policy (raw, for describeSettingsChange). */
export async function settingsUnder(store: Store, parsed: ParsedPolicy): Promise<unknown> {
  return withPolicy(await store.getRaw(settingsItem), parsed.policy);
}

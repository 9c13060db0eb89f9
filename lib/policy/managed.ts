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
export async function readManaged(area: ManagedArea | undefined): Promise<unknown> {
  if (!area) return undefined;
  try {
    const values = await area.get();
    return Object.keys(values ?? {}).length ? values : undefined;
  } catch {
    return undefined;
  }
}

/**
 * `wake`: what makes the browser answer the worker (Chromium: an extension page asking too, see
 * entrypoints/policy/); called beside each read, its failure ignored.
 */
export function createPolicySource(area: ManagedArea | undefined, wake?: () => Promise<(() => Promise<void>) | void>) {
  let current: Promise<ParsedPolicy> | null = null;
  const read = async () => {
    if (!area) return NO_POLICY;
    const value = readManaged(area);
    const done = await wake?.().catch(() => undefined);
    const parsed = parsePolicy(await value);
    await done?.().catch(() => undefined);
    return parsed;
  };
  return {
    current: () => (current ??= read()),
    /** The browser reported a change: read it again. Gives the policy before and after. */
    async reload(): Promise<{ before: ParsedPolicy; after: ParsedPolicy }> {
      const before = await (current ?? read());
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

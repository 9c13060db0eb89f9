/**
 * The two Stores keep one contract: the browser's (on @wxt-dev/storage, here over WXT's
 * fakeBrowser) and the memory one used by Node and the other tests. Each case runs on both.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { browser } from 'wxt/browser';
import { fakeBrowser } from 'wxt/testing/fake-browser';
import { browserStore } from './browser';
import { budgetStateItem, cachedFigures, retryAfterItem, settingsItem, sitesItem } from './items';
import { memoryStore, type Store } from './store';

/** A release before versioned storage wrote this: a budget above PostHog's 120 queries an hour. */
const OLD_SETTINGS = {
  host: 'us',
  customHost: '',
  projectId: '42',
  apiKey: 'phx_old',
  requestBudget: { capacity: 2400, refillPerHour: 2400 },
};

const stores: Array<[string, (initial?: Record<string, unknown>) => Promise<Store>]> = [
  // The memory store is keyed as the items are (`local:…`); the browser's areas drop the prefix.
  ['memory', async (initial = {}) => memoryStore(Object.fromEntries(Object.entries(initial).map(([k, v]) => [`local:${k}`, v])))],
  [
    'browser',
    async (initial = {}) => {
      await browser.storage.local.set(initial);
      return browserStore();
    },
  ],
];

beforeEach(() => fakeBrowser.reset());

describe.each(stores)('%s store', (_name, make) => {
  it('reads nothing stored as the fallback, and a written value back', async () => {
    const store = await make();
    expect(await store.get(retryAfterItem)).toBe(0);
    await store.set(retryAfterItem, 1234);
    expect(await store.get(retryAfterItem)).toBe(1234);
    await store.remove(retryAfterItem);
    expect(await store.get(retryAfterItem)).toBe(0);
  });

  it('never trusts what is stored: a damaged value reads as the fallback', async () => {
    const store = await make({ 'rate-limit:until': 'soon', 'budget:state': { tokens: -5, at: 1 } });
    expect(await store.get(retryAfterItem)).toBe(0);
    expect(await store.get(budgetStateItem)).toBeNull();
    expect(await store.getRaw(retryAfterItem)).toBe('soon');
  });

  it('migrates settings an older release stored, once, before the first read', async () => {
    const store = await make({ settings: OLD_SETTINGS });
    const state = await store.get(settingsItem);
    expect(state.status).toBe('configured');
    if (state.status !== 'configured') return;
    expect(state.settings.requestBudget).toEqual({ capacity: 120, refillPerHour: 120 });
    expect(state.settings.apiKey).toBe('phx_old');
    expect(await store.getRaw(settingsItem)).toMatchObject({ requestBudget: { capacity: 120, refillPerHour: 120 } });
  });

  it('keeps one bad site from taking the others down', async () => {
    const store = await make({ sites: [{ origin: 'https://tools.example', marker: null, urlRules: [], autoMap: true }, { origin: 42 }] });
    expect((await store.get(sitesItem)).map((s) => s.origin)).toEqual(['https://tools.example']);
  });

  it('tells watchers of each change', async () => {
    const store = await make();
    const seen: unknown[] = [];
    const stop = store.watch(retryAfterItem, (value) => seen.push(value));
    await store.set(retryAfterItem, 5);
    await store.set(retryAfterItem, 6);
    await expect.poll(() => seen).toEqual([5, 6]);
    stop();
    await store.set(retryAfterItem, 7);
    await store.get(retryAfterItem);
    expect(seen).toEqual([5, 6]);
  });

  it('keeps a family of entries under one prefix: lists, reads, removes them', async () => {
    const store = await make();
    const figures = (at: number) => ({ at, response: { ok: false as const, error: { kind: 'network' as const, message: 'offline' } } });
    await store.setEntries(cachedFigures, { 'a:24h:x': figures(1), 'a:7d:x': figures(2) });
    await store.set(retryAfterItem, 9);
    expect((await store.entryIds(cachedFigures)).sort()).toEqual(['a:24h:x', 'a:7d:x']);
    expect(await store.getEntry(cachedFigures, 'a:7d:x')).toEqual(figures(2));
    expect(await store.getEntry(cachedFigures, 'missing')).toBeNull();
    await store.removeEntries(cachedFigures, ['a:24h:x']);
    expect(await store.entryIds(cachedFigures)).toEqual(['a:7d:x']);
    expect(await store.get(retryAfterItem)).toBe(9);
  });
});

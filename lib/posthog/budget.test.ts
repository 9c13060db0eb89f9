// @vitest-environment node
import { describe, expect, it } from 'vitest';
import { createRequestBudget } from './budget';
import { DEFAULT_BUDGET, type BudgetOptions } from '../model/limits';
import { budgetStateItem } from '../storage/items';
import { memoryStore, type Store } from '../storage/store';

const clock = () => {
  const c = { t: 1_000_000, now: () => c.t };
  return c;
};

describe('request budget', () => {
  it('defaults well below PostHog’s per-team query limits', () => {
    // 2,400/hour documented for the query endpoint, 120/hour for HogQL in PostHog's repository docs.
    expect(DEFAULT_BUDGET.refillPerHour).toBeLessThanOrEqual(60);
    expect(DEFAULT_BUDGET.capacity + DEFAULT_BUDGET.refillPerHour).toBeLessThanOrEqual(120);
  });

  it('spends one token per request, refuses when empty, and says when the next one comes', async () => {
    const c = clock();
    const budget = createRequestBudget({ now: c.now, options: { capacity: 3, refillPerHour: 60 } });
    for (let i = 0; i < 3; i++) expect(await budget.take()).toEqual({ ok: true });
    const spent = await budget.take();
    expect(spent).toMatchObject({ ok: false, retryInMs: 60_000, message: expect.stringMatching(/budget is spent.*next one is available in 60 s/) });
    c.t += 30_000;
    expect(await budget.take()).toMatchObject({ ok: false, retryInMs: 30_000 });
    c.t += 30_000;
    expect(await budget.take()).toEqual({ ok: true });
    expect(await budget.take()).toMatchObject({ ok: false });
  });

  it('refills up to its capacity and no further', async () => {
    const c = clock();
    const budget = createRequestBudget({ now: c.now, options: { capacity: 2, refillPerHour: 3600 } });
    await budget.take();
    await budget.take();
    c.t += 10 * 3_600_000;
    expect(await budget.status()).toMatchObject({ available: 2, capacity: 2, nextInMs: 0 });
  });

  it('persists its state, so a restarted worker does not start with a full bucket', async () => {
    const c = clock();
    const store = memoryStore();
    const first = createRequestBudget({ store, now: c.now, options: { capacity: 2, refillPerHour: 60 } });
    await first.take();
    await first.take();
    await new Promise((r) => setTimeout(r, 0));
    expect(await store.get(budgetStateItem)).toEqual({ tokens: 0, at: c.t });
    // A new worker, 30 s later: still spent.
    c.t += 30_000;
    const restarted = createRequestBudget({ store, now: c.now, options: { capacity: 2, refillPerHour: 60 } });
    expect(await restarted.take()).toMatchObject({ ok: false, retryInMs: 30_000 });
  });

  it('shares one bucket among concurrent callers', async () => {
    const c = clock();
    const budget = createRequestBudget({ now: c.now, options: { capacity: 5, refillPerHour: 1 } });
    const results = await Promise.all(Array.from({ length: 20 }, () => budget.take()));
    expect(results.filter((r) => r.ok)).toHaveLength(5);
  });

  it('ignores corrupted or future state and invalid options', async () => {
    const c = clock();
    for (const stored of ['full', { tokens: 'x', at: 1 }, { tokens: -5, at: c.t + 1e9 }, { tokens: 5, at: c.t + 1e9 }, null]) {
      const store = memoryStore({ [budgetStateItem.key]: stored });
      expect((await createRequestBudget({ store, now: c.now, options: { capacity: 4, refillPerHour: 60 } }).status()).available).toBe(4);
    }
    const failing = { ...memoryStore(), get: () => Promise.reject(new Error('quota')), set: () => Promise.reject(new Error('quota')) } as Store;
    const budget = createRequestBudget({ store: failing, now: c.now, options: { capacity: Number.NaN, refillPerHour: -1 } });
    expect(await budget.status()).toMatchObject({ capacity: DEFAULT_BUDGET.capacity, refillPerHour: DEFAULT_BUDGET.refillPerHour });
    expect(await budget.take()).toEqual({ ok: true });
  });

  it('reads its options at every take and status, so a change applies without a restart', async () => {
    const c = clock();
    let options: BudgetOptions = { capacity: 2, refillPerHour: 60 };
    const budget = createRequestBudget({ now: c.now, options: async () => options });
    expect(await budget.take()).toEqual({ ok: true });
    expect(await budget.take()).toEqual({ ok: true });
    expect(await budget.take()).toMatchObject({ ok: false, retryInMs: 60_000, message: expect.stringContaining('2 PostHog requests at once, 60 an hour') });
    // A faster refill: one request a second from now on.
    options = { capacity: 5, refillPerHour: 3600 };
    expect(await budget.take()).toMatchObject({ ok: false, retryInMs: 1000, message: expect.stringContaining('5 PostHog requests at once, 3600 an hour') });
    c.t += 3000;
    expect(await budget.status()).toEqual({ available: 3, capacity: 5, refillPerHour: 3600, nextInMs: 0 });
    // A raised capacity fills by refill, not at once.
    c.t += 10_000;
    expect((await budget.status()).available).toBe(5);
  });

  it('drops the tokens above a lowered capacity at once, and keeps them dropped across a restart', async () => {
    const c = clock();
    const store = memoryStore();
    let options: BudgetOptions = { capacity: 10, refillPerHour: 60 };
    const budget = createRequestBudget({ store, now: c.now, options: () => options });
    expect(await budget.take()).toEqual({ ok: true });
    expect((await budget.status()).available).toBe(9);
    options = { capacity: 3, refillPerHour: 60 };
    expect(await budget.status()).toMatchObject({ available: 3, capacity: 3 });
    for (let i = 0; i < 3; i++) expect(await budget.take()).toEqual({ ok: true });
    expect(await budget.take()).toMatchObject({ ok: false });
    // Raised again: what was dropped does not come back, in this worker or a restarted one.
    options = { capacity: 10, refillPerHour: 60 };
    expect((await budget.status()).available).toBe(0);
    await new Promise((r) => setTimeout(r, 0));
    expect((await createRequestBudget({ store, now: c.now, options }).status()).available).toBe(0);
  });

  it('caps state stored under a larger capacity, and stores it in the same format', async () => {
    const c = clock();
    const store = memoryStore();
    await store.set(budgetStateItem, { tokens: 50, at: c.t - 1000 });
    const budget = createRequestBudget({ store, now: c.now, options: () => ({ capacity: 20, refillPerHour: 60 }) });
    expect((await budget.status()).available).toBe(20);
    await new Promise((r) => setTimeout(r, 0));
    expect(await store.get(budgetStateItem)).toEqual({ tokens: 20, at: c.t });
    expect(await budget.take()).toEqual({ ok: true });
    await new Promise((r) => setTimeout(r, 0));
    expect(await store.get(budgetStateItem)).toEqual({ tokens: 19, at: c.t });
  });

  it('falls back to the defaults when the options cannot be read or are missing', async () => {
    const c = clock();
    const failing = createRequestBudget({ now: c.now, options: () => Promise.reject(new Error('storage gone')) });
    expect(await failing.status()).toMatchObject({
      available: DEFAULT_BUDGET.capacity,
      capacity: DEFAULT_BUDGET.capacity,
      refillPerHour: DEFAULT_BUDGET.refillPerHour,
    });
    const unconfigured = createRequestBudget({ now: c.now, options: async () => undefined });
    expect(await unconfigured.status()).toMatchObject({ capacity: DEFAULT_BUDGET.capacity, refillPerHour: DEFAULT_BUDGET.refillPerHour });
    expect(await unconfigured.take()).toEqual({ ok: true });
  });
});

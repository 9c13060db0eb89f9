import { describe, expect, it, vi } from 'vitest';
import type { Failure } from '../model/failure';
import { createAnswerCache, type AnswerCacheOptions } from './answerCache';

type A = { ok: true; value: number; stale?: Failure } | { ok: false; error: Failure };
const down: Failure = { kind: 'server', message: 'PostHog answered 502' };

function setup(overrides: Partial<AnswerCacheOptions<A>> = {}) {
  let t = 1_000_000;
  const clock = { now: () => t, advance: (ms: number) => (t += ms) };
  const cache = createAnswerCache<A>({
    now: clock.now,
    freshForMs: 60_000,
    maxEntries: 3,
    maxAgeMs: 3_600_000,
    retryDelayMs: (_failure, attempt) => 10_000 * 2 ** attempt,
    toFailure: (error) => ({ kind: 'network', message: String(error) }),
    ...overrides,
  });
  return { cache, clock };
}

/** A fetch the test settles by hand, counting how often it was started. */
function deferredFetch() {
  const calls: Array<{ resolve: (a: A) => void; reject: (e: unknown) => void; early: (a: A) => void }> = [];
  const fetch = vi.fn(
    (early: (a: A) => void) =>
      new Promise<A>((resolve, reject) => {
        calls.push({ resolve, reject, early });
      }),
  );
  return { fetch, calls };
}

describe('answer cache', () => {
  it('shares one request among callers asking at once, and serves the answer while fresh', async () => {
    const { cache, clock } = setup();
    const { fetch, calls } = deferredFetch();
    const asks = Array.from({ length: 20 }, () => cache.ask('k', fetch));
    expect(fetch).toHaveBeenCalledTimes(1);
    calls[0]!.resolve({ ok: true, value: 1 });
    expect(new Set(await Promise.all(asks))).toEqual(new Set([{ ok: true, value: 1 }]));
    clock.advance(59_000);
    await expect(cache.ask('k', fetch)).resolves.toEqual({ ok: true, value: 1 });
    expect(fetch).toHaveBeenCalledTimes(1);
    clock.advance(2_000);
    const again = cache.ask('k', fetch);
    expect(fetch).toHaveBeenCalledTimes(2);
    calls[1]!.resolve({ ok: true, value: 2 });
    await expect(again).resolves.toEqual({ ok: true, value: 2 });
  });

  it('asks again on refresh, but a refresh arriving while a request runs shares it', async () => {
    const { cache } = setup();
    const { fetch, calls } = deferredFetch();
    const first = cache.ask('k', fetch);
    const refreshWhileRunning = cache.ask('k', fetch, { refresh: true });
    expect(fetch).toHaveBeenCalledTimes(1);
    calls[0]!.resolve({ ok: true, value: 1 });
    await Promise.all([first, refreshWhileRunning]);
    const refreshed = cache.ask('k', fetch, { refresh: true });
    expect(fetch).toHaveBeenCalledTimes(2);
    calls[1]!.resolve({ ok: true, value: 2 });
    await expect(refreshed).resolves.toEqual({ ok: true, value: 2 });
  });

  it('answers a caller with a request that settled after it began, even a refresh', async () => {
    const { cache } = setup();
    const { fetch, calls } = deferredFetch();
    const ticket = cache.ticket(); // this caller begins, then awaits something else
    const other = cache.ask('k', fetch);
    calls[0]!.resolve({ ok: true, value: 1 });
    await other;
    await expect(cache.ask('k', fetch, { refresh: true, ticket })).resolves.toEqual({ ok: true, value: 1 });
    expect(fetch).toHaveBeenCalledTimes(1);
    // A refresh that began after it asks again.
    const later = cache.ask('k', fetch, { refresh: true });
    calls[1]!.resolve({ ok: true, value: 2 });
    await expect(later).resolves.toEqual({ ok: true, value: 2 });
  });

  it('holds nothing against the next caller for a request dropped because nobody waited, not even one that began before it', async () => {
    const { cache } = setup({ passing: (error) => error === 'nobody asked' });
    const { fetch, calls } = deferredFetch();
    const dropped = cache.ask('k', fetch);
    const ticket = cache.ticket(); // a card begins asking just as the request is dropped, then awaits something else
    calls[0]!.reject('nobody asked');
    await expect(dropped).resolves.toMatchObject({ ok: false, error: { kind: 'network' } });
    // It starts anew instead of being told that nobody asked; so does the next caller.
    const late = cache.ask('k', fetch, { ticket });
    expect(fetch).toHaveBeenCalledTimes(2);
    calls[1]!.resolve({ ok: true, value: 5 });
    await expect(late).resolves.toEqual({ ok: true, value: 5 });
  });

  it('holds a failure, backing off as failures repeat, and serves the last good answer meanwhile', async () => {
    const { cache, clock } = setup({ failed: (error, last) => (last?.ok ? { ...last, stale: error } : { ok: false, error }) });
    const { fetch, calls } = deferredFetch();
    const firstAsk = cache.ask('k', fetch);
    calls[0]!.resolve({ ok: true, value: 1 });
    await firstAsk;
    clock.advance(61_000);
    const failing = cache.ask('k', fetch);
    calls[1]!.resolve({ ok: false, error: down });
    await expect(failing).resolves.toEqual({ ok: true, value: 1, stale: { ...down, retryInMs: 10_000 } });
    // Held: every caller gets it without asking, told when asking again is due.
    clock.advance(4_000);
    await expect(cache.ask('k', fetch)).resolves.toEqual({ ok: true, value: 1, stale: { ...down, retryInMs: 6_000 } });
    expect(fetch).toHaveBeenCalledTimes(2);
    // Due: asked again; a second failure in a row is held twice as long; a thrown error is a failure too.
    clock.advance(6_000);
    const second = cache.ask('k', fetch);
    calls[2]!.reject(new Error('socket hang up'));
    await expect(second).resolves.toMatchObject({ ok: true, value: 1, stale: { kind: 'network', retryInMs: 20_000 } });
    // A good answer clears the failure.
    clock.advance(20_000);
    const recovered = cache.ask('k', fetch);
    calls[3]!.resolve({ ok: true, value: 3 });
    await expect(recovered).resolves.toEqual({ ok: true, value: 3 });
    await expect(cache.ask('k', fetch)).resolves.toEqual({ ok: true, value: 3 });
    expect(fetch).toHaveBeenCalledTimes(4);
  });

  it('answers early while the request runs on, and keeps only its final answer', async () => {
    const { cache } = setup();
    const { fetch, calls } = deferredFetch();
    const first = cache.ask('k', fetch);
    calls[0]!.early({ ok: false, error: { kind: 'computing', message: 'computing', retryInMs: 3000 } });
    await expect(first).resolves.toMatchObject({ ok: false, error: { kind: 'computing' } });
    // Still running: a later caller shares it (and gets the early answer), nothing new is asked.
    await expect(cache.ask('k', fetch)).resolves.toMatchObject({ error: { kind: 'computing' } });
    calls[0]!.resolve({ ok: true, value: 7 });
    await vi.waitFor(async () => expect(await cache.ask('k', fetch)).toEqual({ ok: true, value: 7 }));
    expect(fetch).toHaveBeenCalledTimes(1);
  });

  it('bounds entries by number and age, and forgets everything when told', async () => {
    const { cache, clock } = setup({ freshForMs: 10 * 3_600_000 });
    const answer = (value: number) => () => Promise.resolve<A>({ ok: true, value });
    for (const [i, key] of ['a', 'b', 'c', 'd'].entries()) await cache.ask(key, answer(i));
    // Four keys, three kept: the first written is gone.
    expect(cache.last('a')).toBeNull();
    expect(cache.last('d')?.answer).toEqual({ ok: true, value: 3 });
    clock.advance(3_600_001);
    expect(cache.last('d')).toBeNull();
    await cache.ask('e', answer(4));
    cache.forget();
    expect(cache.last('e')).toBeNull();
  });

  it('serves a known answer (from storage) while fresh, without asking', async () => {
    const { cache, clock } = setup();
    const fetch = vi.fn(() => Promise.resolve<A>({ ok: true, value: 2 }));
    await expect(cache.ask('k', fetch, { known: { at: clock.now() - 1_000, answer: { ok: true, value: 1 } } })).resolves.toEqual({ ok: true, value: 1 });
    expect(fetch).not.toHaveBeenCalled();
    await expect(cache.ask('k', fetch, { known: { at: clock.now() - 120_000, answer: { ok: true, value: 1 } } })).resolves.toEqual({ ok: true, value: 2 });
    expect(fetch).toHaveBeenCalledTimes(1);
  });
});

import { describe, expect, it } from 'vitest';
import { PostHogError } from './client';
import { createRetryAfter, NotSentError, retryInMsOf } from './retryAfter';
import { retryAfterItem } from '../storage/items';
import { memoryStore } from '../storage/store';

const memory = () => memoryStore();

describe("PostHog's Retry-After", () => {
  it('holds every caller back until it has passed, across a worker restart', async () => {
    const clock = { t: 1_000 };
    const store = memory();
    const first = createRetryAfter({ store, now: () => clock.t });
    expect(await first.blocked()).toBeNull();
    first.note(new PostHogError('rate_limited', 'throttled', 30));
    expect(await first.blocked()).toEqual({ retryInMs: 30_000, message: 'PostHog is rate limiting this key; retrying in 30 s' });
    expect((await first.blocked('signIn'))?.message).toBe('PostHog is rate limiting this sign-in; retrying in 30 s');
    await Promise.resolve();
    expect(await store.get(retryAfterItem)).toBe(31_000);
    clock.t += 10_000;
    expect((await createRetryAfter({ store, now: () => clock.t }).blocked())?.retryInMs).toBe(20_000);
    clock.t += 20_000;
    expect(await first.blocked()).toBeNull();
  });

  it('ignores errors without Retry-After, and its own refusals', async () => {
    const retryAfter = createRetryAfter({ store: memory() });
    retryAfter.note(new PostHogError('server', 'down'));
    retryAfter.note(new NotSentError('budget spent', 60_000));
    retryAfter.note(new Error('x'));
    expect(await retryAfter.blocked()).toBeNull();
  });

  it('is forgotten for another host, project or key, also in storage', async () => {
    const store = memory();
    const clock = { t: 0 };
    const retryAfter = createRetryAfter({ store, now: () => clock.t });
    retryAfter.note(new PostHogError('rate_limited', 'throttled', 600));
    retryAfter.forget();
    expect(await retryAfter.blocked()).toBeNull();
    await Promise.resolve();
    expect(await createRetryAfter({ store, now: () => clock.t }).blocked()).toBeNull();
  });

  it('says when asking again may help', () => {
    expect(retryInMsOf(new NotSentError('budget', 1234.4))).toBe(1234);
    expect(retryInMsOf(new PostHogError('rate_limited', 'x', 5))).toBe(5_000);
    expect(retryInMsOf(new PostHogError('server', 'x'))).toBeUndefined();
  });
});

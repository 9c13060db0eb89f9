import { describe, expect, it } from 'vitest';
import { autoRetryDelayMs } from './autoRetry';
import { FAILURE_QUIET_MS } from './cardService';

const fault = (kind: Parameters<typeof autoRetryDelayMs>[0]['kind'], retryInMs?: number) => ({
  kind,
  message: 'x',
  ...(retryInMs !== undefined ? { retryInMs } : {}),
});

describe('automatic retry after a failure', () => {
  it('backs off for faults that pass, from after the worker’s quiet window up to 5 minutes', () => {
    const delays = [0, 1, 2, 3, 4, 9].map((attempt) => autoRetryDelayMs(fault('server'), attempt, () => 0));
    expect(delays).toEqual([15_000, 30_000, 60_000, 120_000, 300_000, 300_000]);
    expect(delays[0]!).toBeGreaterThan(FAILURE_QUIET_MS);
  });

  it('asks rarely when a person usually has to act (key, scope, project, query)', () => {
    expect(autoRetryDelayMs(fault('unauthorized'), 0, () => 0)).toBe(60_000);
    expect(autoRetryDelayMs(fault('forbidden'), 5, () => 0)).toBe(900_000);
    expect(autoRetryDelayMs(fault('timeout'), 0, () => 0)).toBe(15_000);
  });

  it('does not ask every 15 s for a query PostHog stopped as too slow or too big (504, 512, 513)', () => {
    expect([0, 1, 2, 3].map((attempt) => autoRetryDelayMs(fault('too_slow'), attempt, () => 0))).toEqual([60_000, 300_000, 900_000, 900_000]);
  });

  it('never asks sooner than Retry-After or the budget allow', () => {
    expect(autoRetryDelayMs(fault('rate_limited', 120_000), 0, () => 0)).toBe(121_000);
    expect(autoRetryDelayMs(fault('rate_limited', 2_000), 0, () => 0)).toBe(15_000);
  });

  it('spreads tabs out by up to a fifth of the delay', () => {
    expect(autoRetryDelayMs(fault('network'), 0, () => 0.999)).toBe(Math.round(15_000 * (1 + 0.2 * 0.999)));
  });

  it('leaves a missing configuration to the user', () => {
    expect(autoRetryDelayMs(fault('not_configured'), 0)).toBeNull();
  });
});

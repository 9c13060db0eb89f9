/**
 * PostHog's staleness rule for a HogQL query's cached answer (caching/utils.py `is_stale` with the
 * base QueryRunner's "minute" interval: 5 minutes), and what goes into the cache key
 * (query_runner.py `get_cache_payload`).
 */
import { describe, expect, it } from 'vitest';
import { cacheKey, QueryCache, STALE_AFTER_MS } from './queryCache';
import { executionMode } from './queryApi';

describe('query cache', () => {
  it('serves an answer for 5 minutes, marked cached, then asks for a new one', () => {
    const clock = { t: 1_000_000 };
    const cache = new QueryCache(STALE_AFTER_MS, () => clock.t);
    cache.set('k', { results: [[1]], is_cached: false, last_refresh: 'then' });
    clock.t += STALE_AFTER_MS;
    expect(cache.fresh('k')).toEqual({ results: [[1]], is_cached: true, last_refresh: 'then' });
    clock.t += 1;
    expect(cache.fresh('k')).toBeNull();
    expect(STALE_AFTER_MS).toBe(5 * 60_000);
  });

  it('keys by the whole query but its tags, the team, its time zone and week start', () => {
    const base = { teamId: 1, timezone: 'UTC', weekStartDay: 1, query: { kind: 'HogQLQuery', query: 'SELECT 1', values: { a: 1 } } };
    expect(cacheKey({ ...base, query: { ...base.query, tags: { x: 1 } } })).toBe(cacheKey(base));
    for (const other of [{ teamId: 2 }, { timezone: 'Asia/Kolkata' }, { weekStartDay: 0 }, { query: { ...base.query, values: { a: 2 } } }]) {
      expect(cacheKey({ ...base, ...other })).not.toBe(cacheKey(base));
    }
  });

  it('reads refresh as /query does: absent, false, "blocking" and "force_cache" may use the cache; true and "force_blocking" run', () => {
    for (const r of [undefined, false, 'blocking', 'force_cache']) expect(executionMode(r)).toBe('blocking');
    for (const r of [true, 'force_blocking']) expect(executionMode(r)).toBe('force_blocking');
    for (const r of ['async', 'force_async', 'lazy_async', 'async_except_on_cache_miss']) expect(executionMode(r)).toBe(r);
    expect(() => executionMode('soon')).toThrow(/Input should be/);
  });
});

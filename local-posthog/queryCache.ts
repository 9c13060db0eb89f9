/**
 * PostHog's query cache, as /query uses it for a HogQL query (posthog/hogql_queries/query_runner.py@29ef629b,
 * hogql_query_runner.py@00f113df, caching/utils.py@4f155f7b):
 *  - no `refresh` (or false, "blocking", "force_cache"): a cached answer is served while it is at most
 *    5 minutes old (the "minute" staleness of a query without a date range), marked `is_cached: true`
 *    with its original `last_refresh`; otherwise the query runs.
 *  - `refresh: true` or "force_blocking": the query always runs (and the cache is written);
 *  - the async modes: queryApi.ts.
 * The key is the whole query (minus `tags`) with the team, its time zone and week start.
 */
import { createHash } from 'node:crypto';

export const STALE_AFTER_MS = 5 * 60_000;
/** Reported only, never enforced on /query (query_runner.py `_refresh_frequency`). */
export const REFRESH_FREQUENCY_MS = 60_000;
/** HogQL answers report the "day" target age (hogql_query_runner.py `cache_target_age`). */
export const CACHE_TARGET_AGE_MS = 6 * 3_600_000;

export function cacheKey(parts: { teamId: number; timezone: string; weekStartDay: number; query: Record<string, unknown> }): string {
  const { tags: _tags, ...query } = parts.query;
  const payload = JSON.stringify({
    query_runner: 'HogQLQueryRunner',
    query,
    team_id: parts.teamId,
    timezone: parts.timezone,
    week_start_day: parts.weekStartDay,
    version: 2,
  });
  return 'cache_' + createHash('sha256').update(payload).digest('hex').slice(0, 32);
}

export class QueryCache {
  private readonly entries = new Map<string, { at: number; response: Record<string, unknown> }>();

  constructor(
    private readonly staleAfterMs = STALE_AFTER_MS,
    private readonly now: () => number = Date.now,
    private readonly maxEntries = 500,
  ) {}

  /** A cached answer no older than the staleness window (or `staleAfterMs`), marked as cached. */
  fresh(key: string, staleAfterMs = this.staleAfterMs): Record<string, unknown> | null {
    const entry = this.entries.get(key);
    if (!entry || this.now() - entry.at > staleAfterMs) return null;
    return { ...entry.response, is_cached: true };
  }

  /** Whether any answer is kept for the key, however old. */
  has(key: string): boolean {
    return this.entries.has(key);
  }

  /** The kept answer however old (an async run serves it with its status), marked as cached. */
  any(key: string): Record<string, unknown> | null {
    const entry = this.entries.get(key);
    return entry ? { ...entry.response, is_cached: true } : null;
  }

  set(key: string, response: Record<string, unknown>): void {
    this.entries.delete(key);
    this.entries.set(key, { at: this.now(), response });
    if (this.entries.size > this.maxEntries) this.entries.delete(this.entries.keys().next().value as string);
  }

  clear(): void {
    this.entries.clear();
  }
}

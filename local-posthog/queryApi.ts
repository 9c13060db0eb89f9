/**
 * PostHog's query API on the local server: POST /api/projects/:id/query/ (blocking or asynchronous),
 * GET /api/projects/:id/query/:query_id/ (an async query's status) and DELETE (cancel), held to what
 * PostHog does with queries sent by a personal API key:
 *  - an API-only time ceiling, answered 504 "This query hit the N-second time limit for queries run
 *    through the API. Submit it as an async query …" (posthog/hogql_queries/hogql_query_runner.py
 *    `api_query_max_execution_time`, `api_timeout_detail`);
 *  - asynchronous execution (`refresh: 'async'` and friends): 202 with a `query_status`, polled and
 *    cancelled by id, kept 20 minutes, given HOGQL_INCREASED_MAX_EXECUTION_TIME (600 s) as async
 *    queries are (posthog/api/query.py, posthog/clickhouse/client/execute_async.py, posthog/hogql/query.py);
 *  - a per-team concurrency limit on running API queries, async ones included: over it a request waits
 *    up to 30 s, then 429 (posthog/clickhouse/client/limit.py `get_api_team_rate_limiter`).
 */
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { ApiError, ApiResponse } from './dashboards.js';
import { HogQLError, parseHogQLSelect, printHogQL, validateUserQuery } from './hogql/index.js';
import { atCapacity, clickHouseError, InternalClickHouseError, type Limits } from './limits.js';
import { CACHE_TARGET_AGE_MS, cacheKey, QueryCache, REFRESH_FREQUENCY_MS } from './queryCache.js';
import { renderValue } from './render.js';
import type { EventStore } from './store.js';

export interface QueryProject {
  id: number;
  timezone: string;
  weekStartDay: 0 | 1;
}

/**
 * How the query came: a personal API key is PostHog's "query service" (api/query.py: `is_query_service`
 * when the access_method tag is personal_api_key), which alone gets the API's time ceiling and the OFFSET
 * check (hogql_query_runner.py `_calculate`, `_execute`); a sign-in's token is tagged "oauth" (posthog/auth.py).
 */
export type QueryAccess = 'personal_api_key' | 'oauth';

/** posthog/hogql_queries/hogql_query_runner.py `api_timeout_detail`. */
export function apiTimeoutDetail(seconds: number): string {
  return (
    `This query hit the ${seconds}-second time limit for queries run through the API. ` +
    'Submit it as an async query to give it more time: https://posthog.com/docs/api/queries#asynchronous-queries. ' +
    'You can also narrow the date range or the filters so it scans less data: https://posthog.com/docs/api/queries#writing-performant-queries'
  );
}

/** posthog/exceptions.py ClickHouseQueryTimeOut.default_detail: what an async query that ran out of time says. */
export const TIMEOUT_DETAIL =
  'Query has hit the max execution time before completing. See our docs for how to improve your query performance. You may need to materialize.';

/** posthog/api/query.py CONCURRENCY_LIMIT_USER_MESSAGE: the newest text of the concurrency refusal (a DRF Throttled: 429, no Retry-After). */
export const CONCURRENCY_LIMIT_MESSAGE = 'Too many queries are running right now — please try again in a moment.';

/** execute_async.py STATUS_TTL_SECONDS: a status (and an async result) is kept 20 minutes after it was last stored. */
export const STATUS_TTL_MS = 20 * 60_000;

/** The refresh modes that answer with a query_status instead of waiting (query_runner.py ExecutionMode). */
const ASYNC_MODES = new Set(['async', 'lazy_async', 'force_async', 'async_except_on_cache_miss']);
const MODES = new Set(['blocking', 'force_blocking', 'force_cache', ...ASYNC_MODES]);
/** lazy_async serves a cached answer for longer (query_runner.py: the "lazy" staleness, a day here). */
const LAZY_STALE_AFTER_MS = 24 * 3_600_000;

/** posthog/schema.py ClickhouseQueryProgress. */
export interface QueryProgress {
  bytes_read: number;
  rows_read: number;
  estimated_rows_total: number;
  time_elapsed: number;
  active_cpu_time: number;
}

/** posthog/schema.py QueryStatus, every field PostHog's current API types list. */
export interface QueryStatus {
  id: string;
  team_id: number;
  query_async: true;
  complete: boolean;
  error: boolean;
  error_code: string | null;
  error_message: string | null;
  results: Record<string, unknown> | null;
  start_time: string | null;
  pickup_time: string | null;
  end_time: string | null;
  expiration_time: string | null;
  task_id: string | null;
  query_progress: QueryProgress | null;
  labels: string[] | null;
  insight_id: number | null;
  dashboard_id: number | null;
}

interface AsyncRun {
  status: QueryStatus;
  /** When the status was last stored: it expires STATUS_TTL_MS after. */
  storedAt: number;
  startedAt: number;
  estimatedRows: number;
  cancel: AbortController;
}

/** A slow query, for tests: ClickHouse takes this much longer on the next matching queries (faults). */
export interface QuerySlowdown {
  extraMs: number;
  /** Only queries whose HogQL contains this text (default: every query). */
  matching?: string;
  /** How many queries it applies to (default: until cleared). */
  times?: number;
}

const iso = (ms: number) => new Date(ms).toISOString();

/** uuid7 as hex (query.py `uuid7().hex`): 48 bits of milliseconds, then random bits. */
function uuid7Hex(now: number): string {
  const bytes = randomBytes(16);
  bytes.writeUIntBE(now, 0, 6);
  bytes[6] = (bytes[6]! & 0x0f) | 0x70;
  bytes[8] = (bytes[8]! & 0x3f) | 0x80;
  return bytes.toString('hex');
}

/**
 * limit.py's RateLimit for `api:query:per-team:<id>`: a running query holds a slot; a request over the
 * limit retries with ExponentialBackoff(0.134, max_delay=1.714, exp=1.5) for up to retry_timeout (30 s).
 */
class TeamConcurrency {
  private readonly running = new Map<number, number>();

  constructor(private readonly limits: () => Limits) {}

  async acquire(team: number, signal?: AbortSignal): Promise<() => void> {
    const deadline = Date.now() + this.limits().concurrencyWaitSeconds * 1000;
    let delay = 0.134;
    for (;;) {
      const max = this.limits().apiConcurrentQueries;
      const now = this.running.get(team) ?? 0;
      if (max === null || now < max) {
        this.running.set(team, now + 1);
        let released = false;
        return () => {
          if (released) return;
          released = true;
          this.running.set(team, (this.running.get(team) ?? 1) - 1);
        };
      }
      if (Date.now() + delay * 1000 > deadline) throw new ApiError(429, 'throttled_error', 'throttled', CONCURRENCY_LIMIT_MESSAGE);
      await sleep(delay * 1000, undefined, { signal });
      delay = Math.min(delay * 1.5, 1.714);
    }
  }

  clear(): void {
    this.running.clear();
  }
}

export interface QueryApiDeps {
  store: EventStore;
  cache: QueryCache;
  limits: () => Limits;
  now?: () => number;
}

export class QueryApi {
  private readonly runs = new Map<string, AsyncRun>();
  private readonly concurrency: TeamConcurrency;
  private slowdowns: Array<QuerySlowdown & { left: number }> = [];
  private runningOnClickHouse = 0;
  private readonly now: () => number;

  constructor(private readonly deps: QueryApiDeps) {
    this.concurrency = new TeamConcurrency(deps.limits);
    this.now = deps.now ?? Date.now;
  }

  /** Tests: make the next matching queries slower (as a slow ClickHouse would be), counted against every ceiling. */
  slowDown(slowdown: QuerySlowdown): void {
    this.slowdowns.unshift({ ...slowdown, left: slowdown.times ?? Number.POSITIVE_INFINITY });
  }

  /** Forgets slowdowns, async statuses and concurrency slots (between tests). */
  reset(): void {
    this.slowdowns = [];
    for (const run of this.runs.values()) run.cancel.abort();
    this.runs.clear();
    this.concurrency.clear();
  }

  /** POST /query/: a HogQLQuery, blocking or async as `refresh` says. */
  async post(project: QueryProject, body: Record<string, unknown> | null, access: QueryAccess = 'personal_api_key'): Promise<unknown> {
    const q = body?.query as Record<string, unknown> | undefined;
    if (!q || typeof q !== 'object') throw new ApiError(400, 'validation_error', 'required', 'This field is required.', 'query');
    if (q.kind !== 'HogQLQuery') {
      throw new ApiError(
        400,
        'validation_error',
        'invalid_input',
        `Query kind '${String(q.kind)}' is not supported by the local PostHog server (only HogQLQuery).`,
        'query',
      );
    }
    if (typeof q.query !== 'string' || !q.query.trim())
      throw new ApiError(400, 'validation_error', 'required', 'HogQLQuery.query must be a non-empty string.', 'query');
    // `async: true` is the legacy spelling of refresh 'async' (query.py).
    const refresh = body?.refresh ?? (body?.async === true ? 'async' : undefined);
    const mode = executionMode(refresh);
    const key = cacheKey({ teamId: project.id, timezone: project.timezone, weekStartDay: project.weekStartDay, query: q });

    if (!ASYNC_MODES.has(mode)) {
      if (mode !== 'force_blocking') {
        const cached = this.deps.cache.fresh(key);
        if (cached) return cached;
      }
      return this.runBlocking(project, q, key, access);
    }

    const clientId = typeof body?.client_query_id === 'string' && body.client_query_id ? body.client_query_id : null;
    if (mode !== 'force_async') {
      const fresh = this.deps.cache.fresh(key, mode === 'lazy_async' ? LAZY_STALE_AFTER_MS : undefined);
      if (fresh) return { ...fresh, query_status: null };
      if (mode === 'async_except_on_cache_miss' && !this.deps.cache.has(key)) return this.runBlocking(project, q, key, access);
    }
    // The same client_query_id again, with its results still kept: its status, not a new run (execute_async.py).
    const existing = clientId ? this.run(project.id, clientId) : null;
    const status = existing && existing.status.complete && !existing.status.error ? existing.status : this.startAsync(project, q, key, clientId, access).status;
    const stale = this.deps.cache.any(key);
    if (mode === 'force_async') return new ApiResponse(202, { query_status: status });
    // A stale answer comes back with the new run's status; a miss with the cache key only (CacheMissResponse).
    return new ApiResponse(status.complete ? 200 : 202, stale ? { ...stale, query_status: status } : { cache_key: key, query_status: status });
  }

  /** GET /query/:id/: the status; 202 while it runs, 200 done, 400 failed with a message, 500 without. */
  status(project: QueryProject, id: string, showProgress: boolean): ApiResponse {
    const run = this.run(project.id, id);
    if (!run) throw new ApiError(404, 'invalid_request', 'not_found', `Query ${id} not found for team ${project.id}`);
    const status = { ...run.status };
    if (showProgress && !status.complete) {
      status.query_progress = {
        bytes_read: 0,
        rows_read: 0,
        estimated_rows_total: run.estimatedRows,
        time_elapsed: Math.floor((this.now() - run.startedAt) / 1000),
        active_cpu_time: 0,
      };
    }
    const code = !status.complete ? 202 : !status.error ? 200 : status.error_message ? 400 : 500;
    return new ApiResponse(code, { query_status: status });
  }

  /** DELETE /query/:id/: 200 with a message, whatever the id (query.py `destroy`). */
  cancel(project: QueryProject, id: string): ApiResponse {
    const run = this.run(project.id, id);
    if (run?.status.complete) return new ApiResponse(200, { message: 'Query already complete' });
    if (run) {
      run.cancel.abort();
      this.runs.delete(`${project.id}:${id}`);
    }
    return new ApiResponse(200, { message: 'Cancelled query on clickhouse' });
  }

  private run(team: number, id: string): AsyncRun | null {
    const now = this.now();
    for (const [k, r] of this.runs) if (now - r.storedAt > STATUS_TTL_MS) this.runs.delete(k);
    return this.runs.get(`${team}:${id}`) ?? null;
  }

  private async runBlocking(project: QueryProject, q: Record<string, unknown>, key: string, access: QueryAccess): Promise<Record<string, unknown>> {
    const limits = this.deps.limits();
    // Queries sent with a personal API key get the API's own ceiling (hogql_query_runner.py `_calculate`).
    const apiCeiling = access === 'personal_api_key' ? limits.apiMaxExecutionSeconds : null;
    const ceiling = apiCeiling ?? limits.maxExecutionSeconds;
    const release = await this.concurrency.acquire(project.id);
    try {
      return await this.execute(project, q, key, ceiling, undefined, access);
    } catch (error) {
      if (apiCeiling !== null && error instanceof ApiError && error.status === 504)
        throw new ApiError(504, 'server_error', 'error', apiTimeoutDetail(apiCeiling));
      // Only /query itself turns a missing column into a 400 (api/query.py `handle_column_ch_error`).
      if (error instanceof InternalClickHouseError && error.missingColumn) {
        throw new ApiError(400, 'validation_error', 'invalid', `${error.missingColumn}. Note: While in beta, not all column types may be fully supported`);
      }
      throw error;
    } finally {
      release();
    }
  }

  private startAsync(project: QueryProject, q: Record<string, unknown>, key: string, clientId: string | null, access: QueryAccess): AsyncRun {
    const now = this.now();
    const id = clientId ?? uuid7Hex(now);
    const previous = this.runs.get(`${project.id}:${id}`);
    previous?.cancel.abort();
    const run: AsyncRun = {
      status: {
        id,
        team_id: project.id,
        query_async: true,
        complete: false,
        error: false,
        error_code: null,
        error_message: null,
        results: null,
        start_time: iso(now),
        pickup_time: null,
        end_time: null,
        expiration_time: null,
        task_id: null,
        query_progress: null,
        labels: null,
        insight_id: null,
        dashboard_id: null,
      },
      storedAt: now,
      startedAt: now,
      estimatedRows: 0,
      cancel: new AbortController(),
    };
    this.runs.set(`${project.id}:${id}`, run);
    // store_query_status renders the status, then sets expiration_time on it: what is stored shows the
    // previous store's expiration (none before the first).
    let nextExpiration: string | null = null;
    const store = (change: Partial<QueryStatus>) => {
      run.status = { ...run.status, ...change, expiration_time: nextExpiration };
      run.storedAt = this.now();
      nextExpiration = iso(run.storedAt + STATUS_TTL_MS);
    };
    void (async () => {
      const signal = run.cancel.signal;
      let release: (() => void) | null = null;
      try {
        store({
          pickup_time: iso(this.now()),
          task_id: randomBytes(16)
            .toString('hex')
            .replace(/^(.{8})(.{4})(.{4})(.{4})/, '$1-$2-$3-$4-'),
        });
        // The worker's query is an API query too: it waits for a slot like any other (limit.py).
        release = await this.concurrency.acquire(project.id, signal).catch((error: unknown) => {
          // ConcurrencyLimitExceeded inside the runner is caught as any exception: error, no message.
          if (error instanceof ApiError) throw new ApiError(500, 'server_error', 'error', '');
          throw error;
        });
        const limits = this.deps.limits();
        // Async queries run with HOGQL_INCREASED_MAX_EXECUTION_TIME (600 s) or the usual ceiling if larger.
        const ceiling = Math.max(limits.maxExecutionSeconds, limits.asyncMaxExecutionSeconds);
        const results = await this.execute(project, q, key, ceiling, signal, access, (rows) => {
          run.estimatedRows = rows;
        });
        if (signal.aborted) return;
        store({ complete: true, error: false, results, end_time: iso(this.now()) });
      } catch (error) {
        if (signal.aborted) return; // cancelled (DELETE, or the status expired)
        // error_message only for errors PostHog exposes (APIException, ExposedHogQLError, ExposedCHQueryError).
        const exposed =
          error instanceof InternalClickHouseError
            ? null
            : error instanceof ApiError
              ? error.message || null
              : error instanceof HogQLError
                ? error.message
                : null;
        const code = error instanceof ApiError ? error.code : error instanceof HogQLError ? error.code : null;
        if (!exposed && !(error instanceof ApiError)) console.error('[local-posthog] async query failed', error);
        store({ complete: true, error: true, error_code: exposed ? code : null, error_message: exposed, results: null, end_time: iso(this.now()) });
      } finally {
        release?.();
      }
    })();
    return run;
  }

  /** Parse, check, print and run on ClickHouse within `ceilingSeconds` (a slowdown counts against it). */
  private async execute(
    project: QueryProject,
    q: Record<string, unknown>,
    key: string,
    ceilingSeconds: number,
    signal: AbortSignal | undefined,
    access: QueryAccess,
    onEstimate?: (rows: number) => void,
  ): Promise<Record<string, unknown>> {
    const hogql = q.query as string;
    const values = q.values && typeof q.values === 'object' && !Array.isArray(q.values) ? (q.values as Record<string, unknown>) : {};
    const { store } = this.deps;
    const ast = await parseHogQLSelect(hogql);
    // OFFSET is refused from personal API keys only (user_query_validator.py, gated on is_query_service).
    if (access === 'personal_api_key') validateUserQuery(ast);
    const t = printHogQL(ast, hogql, values, {
      teamId: project.id,
      timezone: project.timezone,
      weekStartDay: project.weekStartDay,
      eventProperties: store.definitions.eventProperties(project.id),
      personProperties: store.definitions.personProperties(project.id),
      groupProperties: store.definitions.groupProperties(project.id),
      materialized: store.materializedColumns(),
    });
    const limits = this.deps.limits();
    if (limits.maxConcurrentQueries !== null && this.runningOnClickHouse >= limits.maxConcurrentQueries) throw atCapacity();
    if (onEstimate) onEstimate(await store.estimateRows(t.sql).catch(() => 0));
    let remaining = ceilingSeconds;
    const extraMs = this.takeSlowdown(hogql);
    if (extraMs > 0) {
      // ClickHouse's max_execution_time is wall time: a query slower than the ceiling stops at it.
      await sleep(Math.min(extraMs, ceilingSeconds * 1000), undefined, { signal });
      if (extraMs >= ceilingSeconds * 1000) throw clickHouseError('Timeout exceeded: elapsed (TIMEOUT_EXCEEDED)');
      remaining = ceilingSeconds - extraMs / 1000;
    }
    let result;
    this.runningOnClickHouse++;
    try {
      result = await store.runSelect(t.sql, { ...limits, maxExecutionSeconds: remaining });
    } catch (e) {
      throw clickHouseError(String((e as Error).message ?? e));
    } finally {
      this.runningOnClickHouse--;
    }
    const types = result.meta.map((m) => m.type);
    let rows = result.data.map((row) => row.map((v, i) => renderValue(v, types[i] ?? '')));
    let hasMore = false;
    if (t.fetchesExtraRow && t.limit !== null && rows.length > t.limit) {
      hasMore = true;
      rows = rows.slice(0, t.limit);
    }
    const columns = t.columns && t.columns.length === result.meta.length ? t.columns : result.meta.map((m) => m.name);
    const now = this.now();
    const response = {
      cache_key: key,
      cache_target_age: iso(now + CACHE_TARGET_AGE_MS),
      clickhouse: t.sql,
      columns,
      error: null,
      explain: null,
      hasMore,
      hogql,
      is_cached: false,
      last_refresh: iso(now),
      next_allowed_client_refresh: iso(now + REFRESH_FREQUENCY_MS),
      limit: t.limit,
      offset: t.offset ?? 0,
      metadata: null,
      modifiers: {},
      query: hogql,
      query_status: null,
      results: rows,
      timezone: project.timezone,
      timings: [],
      types: columns.map((c, i) => [c, types[i] ?? 'String']),
    };
    this.deps.cache.set(key, response);
    return response;
  }

  private takeSlowdown(hogql: string): number {
    const index = this.slowdowns.findIndex((s) => s.left > 0 && (!s.matching || hogql.includes(s.matching)));
    if (index < 0) return 0;
    const s = this.slowdowns[index]!;
    s.left -= 1;
    if (s.left <= 0) this.slowdowns.splice(index, 1);
    return s.extraMs;
  }
}

/** A /query body's `refresh` → PostHog's execution mode (query_runner.py `execution_mode_from_refresh`). */
export function executionMode(refresh: unknown): string {
  if (refresh === undefined || refresh === null || refresh === false) return 'blocking';
  if (refresh === true) return 'force_blocking';
  if (typeof refresh !== 'string' || !MODES.has(refresh)) {
    throw new ApiError(400, 'validation_error', 'invalid_input', `Input should be ${[...MODES].map((m) => `'${m}'`).join(', ')} or a boolean.`, 'refresh');
  }
  // force_cache never calculates, and /query turns it into blocking (query.py).
  return refresh === 'force_cache' ? 'blocking' : refresh;
}

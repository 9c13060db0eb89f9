/**
 * The local server held to PostHog: each test pins one behaviour to PostHog's and names the PostHog
 * file it mirrors (PostHog/posthog unless said otherwise). Where PostHog refuses, so does the local
 * server, with PostHog's status and body; where it answers, it answers in PostHog's form.
 */
import { existsSync, readFileSync } from 'node:fs';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { functionTable, projectFunctionTable } from './hogql/functions';
import { OFFSET_NOT_ALLOWED_MESSAGE } from './hogql/index';
import { clickHouseError, POSTHOG_LIMITS } from './limits';
import { startLocalPostHog, type LocalPostHog } from './server';
import { captureBatch } from './test-helpers';

const KOLKATA = 2;
const LOS_ANGELES = 3;
const QUERY_ONLY_KEY = 'phx_query_only';
const PROJECT_2_KEY = 'phx_project_2_only';
/** A sign-in's access token (OAuth, `pha_`): oauth.test.ts gets one through the consent screen; here it is given. */
const SIGN_IN_TOKEN = 'pha_conformance_sign_in';
const OTHER_ORG = '01900000-0000-0000-0000-0000000000b2';
let ph: LocalPostHog;

type Answer = { status: number; body: Record<string, unknown>; headers: Headers };
async function query(hogql: string, opts: { values?: Record<string, unknown>; refresh?: unknown; project?: number; key?: string } = {}): Promise<Answer> {
  const res = await fetch(`${ph.url}/api/projects/${opts.project ?? 1}/query/`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${opts.key ?? ph.apiKey}` },
    body: JSON.stringify({
      query: { kind: 'HogQLQuery', query: hogql, values: opts.values ?? {} },
      ...(opts.refresh === undefined ? {} : { refresh: opts.refresh }),
    }),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown>, headers: res.headers };
}
const results = async (hogql: string, opts: Parameters<typeof query>[1] = {}) => {
  const r = await query(hogql, { refresh: 'force_blocking', ...opts });
  if (r.status !== 200) throw new Error(`${r.status} ${JSON.stringify(r.body)}`);
  return r.body.results as unknown[][];
};
const refusal = async (hogql: string, opts: Parameters<typeof query>[1] = {}) => {
  const r = await query(hogql, { refresh: 'force_blocking', ...opts });
  return { status: r.status, ...(r.body as { type: string; code: string; detail: string }) };
};

async function capture(token: string, batch: unknown[]) {
  const res = await fetch(`${ph.url}/batch/`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ api_key: token, batch }),
  });
  expect(res.status).toBe(200);
}

beforeAll(async () => {
  ph = await startLocalPostHog({
    projects: [
      { id: KOLKATA, name: 'Kolkata', timezone: 'Asia/Kolkata' },
      { id: LOS_ANGELES, name: 'Los Angeles', timezone: 'America/Los_Angeles', organizationId: OTHER_ORG },
    ],
    organizations: [{ id: OTHER_ORG, name: 'Other org' }],
    apiKeys: [
      { key: QUERY_ONLY_KEY, scopes: ['query:read'] },
      { key: PROJECT_2_KEY, scopes: ['*'], scopedTeams: [KOLKATA] },
      { key: SIGN_IN_TOKEN, oauth: true, scopes: ['query:read'] },
    ],
  });
  const e = (event: string, timestamp: string, properties: Record<string, unknown>, distinct_id = 'c1') => ({ event, distinct_id, timestamp, properties });
  await captureBatch(ph, [
    e('typed', '2026-01-01T20:00:00.000Z', {
      n: 5,
      flag: true,
      text_flag: 'true',
      cap_flag: 'True',
      first_text: 'abc',
      quote: 'a"b',
      $set: { plan: 'pro', seats: 3 },
    }),
    e('typed', '2026-01-01T20:00:01.000Z', { n: 7, flag: false, first_text: 5, first_null: null }),
    e('typed', '2026-01-01T20:00:02.000Z', { first_null: 9 }),
  ]);
  for (const project of ph.projects.filter((p) => p.id !== 1)) {
    await capture(project.apiToken, [e('zoned', '2026-01-01T20:00:00.000Z', {}), e('zoned', '2026-07-01T20:00:00.123Z', {})]);
  }
});
afterAll(async () => {
  await ph?.close();
});
afterEach(() => {
  ph.setLimits(POSTHOG_LIMITS);
  ph.resetQueryState();
});

describe('function surface (posthog/hogql/functions/mapping.py, core.py; printer/base.py visit_call)', () => {
  it("copies PostHog's function table (../shared/reference/hogql-functions.json, read from PostHog's source)", () => {
    const table = functionTable();
    expect(table.functions).toHaveLength(1184);
    expect(table.source.repo).toBe('PostHog/posthog');
    const reference = new URL('../../shared/reference/hogql-functions.json', import.meta.url);
    // Beside the project in CI: the copy must be exactly what scripts/sync-hogql-functions.ts makes of it.
    if (existsSync(reference)) expect(table).toEqual(projectFunctionTable(JSON.parse(readFileSync(reference, 'utf8'))));
  });

  it("refuses a name HogQL does not have with PostHog's 400 and its suggestion", async () => {
    expect(await refusal('SELECT toFloat64(1)')).toEqual({
      status: 400,
      type: 'validation_error',
      code: 'hogql_query_error',
      detail: "Unsupported function call 'toFloat64(...)'. Perhaps you meant 'toFloat(...)'?",
      attr: null,
    });
    expect((await refusal('SELECT toUInt64(1)')).detail).toBe("Unsupported function call 'toUInt64(...)'. Perhaps you meant 'toInt(...)'?");
    expect((await refusal('SELECT quantileExactIf(0.5)(1, 1)')).detail).toBe(
      "Unsupported function call 'quantileExactIf(...)'. Perhaps you meant 'quantileExact(...)'?",
    );
  });

  it('takes a name in another case only where PostHog marks the entry case-insensitive', async () => {
    expect(await results('SELECT COUNT(), Sum(1), IfNull(NULL, 2)')).toEqual([[1, 1, 2]]);
    expect((await refusal('SELECT TOFLOAT(1)')).detail).toBe("Unsupported function call 'TOFLOAT(...)'");
  });

  it("checks arities with PostHog's words: functions, aggregations, comparisons", async () => {
    expect((await refusal('SELECT if(1, 2)')).detail).toBe("Function 'if' expects 3 arguments, found 2");
    expect((await refusal('SELECT toString()')).detail).toBe("Function 'toString' expects at least 1 argument, found 0");
    expect((await refusal('SELECT countIf(1, 2, 3) FROM events')).detail).toBe("Aggregation 'countIf' expects at most 2 arguments, found 3");
    expect((await refusal('SELECT equals(1)')).detail).toBe("Comparison 'equals' requires exactly two arguments");
  });

  it('checks parameters only where the function declares min_params; never nests aggregations', async () => {
    expect((await refusal('SELECT quantile(1) FROM events')).detail).toBe("Aggregation 'quantile' requires parameters in addition to arguments");
    expect((await refusal('SELECT quantile(0.5, 0.9)(1) FROM events')).detail).toBe("Aggregation 'quantile' expects 1 parameter, found 2");
    // windowFunnel declares none: HogQL passes its parameter through and ClickHouse needs it.
    expect(await results("SELECT windowFunnel(60)(toUnixTimestamp(timestamp), event = 'typed') FROM events")).toEqual([[1]]);
    expect((await refusal('SELECT sum(count()) FROM events')).detail).toBe("Aggregation 'count' cannot be nested inside another aggregation 'sum'.");
  });

  it('prints booleans as 1 and 0, as the ClickHouse printer does', async () => {
    expect(await results('SELECT true, false')).toEqual([[1, 0]]);
  });

  it('refuses OFFSET from a personal API key, at any depth (posthog/hogql/user_query_validator.py)', async () => {
    for (const q of ['SELECT 1 LIMIT 1 OFFSET 1', 'SELECT x FROM (SELECT 1 AS x LIMIT 1 OFFSET 1)', 'SELECT event FROM events LIMIT 1 OFFSET 1 BY event']) {
      expect(await refusal(q)).toMatchObject({ status: 400, detail: OFFSET_NOT_ALLOWED_MESSAGE });
    }
  });
});

describe('property types (posthog/hogql/transforms/property_types.py; rust/property-defs-rs/src/types.rs)', () => {
  it('reads each property with the type its first typed value gave it', async () => {
    const [row] = await results(
      `SELECT toTypeName(properties.n), toTypeName(properties.flag), toTypeName(properties.text_flag), toTypeName(properties.cap_flag), toTypeName(properties.first_text), toTypeName(properties.first_null)
       FROM events WHERE event = 'typed' LIMIT 1`,
    );
    // JSON numbers → Numeric; JSON booleans and "true"/"false" → Boolean; "True" → String; a string
    // then a number → String (the type is set only while it is NULL); null first, then 9 → Numeric.
    expect(row).toEqual(['Nullable(Float64)', 'Nullable(Bool)', 'Nullable(Bool)', 'Nullable(String)', 'Nullable(String)', 'Nullable(Float64)']);
    expect(await results(`SELECT properties.n, properties.flag, properties.first_text FROM events WHERE event = 'typed' ORDER BY timestamp LIMIT 2`)).toEqual([
      [5, true, 'abc'],
      [7, false, '5'],
    ]);
  });

  it('types person properties from $set, and brackets and placeholders as dot access', async () => {
    expect(
      await results(`SELECT toTypeName(person.properties.seats), person.properties.plan FROM events WHERE event = 'typed' ORDER BY timestamp LIMIT 1`),
    ).toEqual([['Nullable(Float64)', 'pro']]);
    expect(await results(`SELECT toTypeName(properties['n']), toTypeName(properties[{p}]) FROM events LIMIT 1`, { values: { p: 'n' } })).toEqual([
      ['Nullable(Float64)', 'Nullable(Float64)'],
    ]);
  });

  it('reads the direct argument of toFloatOrZero raw, without the cast', async () => {
    expect(await results(`SELECT toFloatOrZero(properties.first_text) FROM events WHERE event = 'typed' ORDER BY timestamp LIMIT 2`)).toEqual([[0], [5]]);
  });

  it('has no common type for a Numeric and a String spelling, nor for Bool and String in UNION ALL (use_variant_as_common_type off)', async () => {
    expect(await refusal(`SELECT coalesce(properties.n, properties.first_text) FROM events`)).toMatchObject({ status: 400, code: 'no_common_type' });
    expect(await refusal(`SELECT properties.flag FROM events UNION ALL SELECT properties.first_text FROM events`)).toMatchObject({ status: 400 });
    expect(
      await results(`SELECT coalesce(toString(properties.n), toString(properties.first_text)) FROM events WHERE event = 'typed' ORDER BY timestamp LIMIT 1`),
    ).toEqual([['5']]);
  });

  it('types group properties by their group type\'s definitions, from $groupidentify\'s $group_set alone (types.rs@003fd01f into_updates_inner; property_types.py "group")', async () => {
    const identify = (key: string, set: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({
      event: '$groupidentify',
      distinct_id: 'g',
      timestamp: '2026-01-01T20:00:00.000Z',
      properties: { $group_type: 'org', $group_key: key, $group_set: set, ...extra },
    });
    await captureBatch(ph, [
      identify('o1', { seats: 12, renewed_at: '2026-01-01T10:00:00Z', trial: true, tier: 'gold' }, { only_on_identify: 7 }),
      identify('o2', { seats: 'many', renewed_at: 'soon' }),
      { event: 'in_org', distinct_id: 'g', timestamp: '2026-01-01T20:00:05.000Z', properties: { $groups: { org: 'o1' } } },
    ]);
    const [types] = await results(
      `SELECT toTypeName(group_0.properties.seats), toTypeName(group_0.properties.renewed_at), toTypeName(group_0.properties.trial), toTypeName(group_0.properties.tier), toTypeName(properties.only_on_identify)
       FROM events WHERE event = 'in_org'`,
    );
    // Numeric → toFloat, DateTime → toDateTime in the project's zone, Boolean → toBool; the identify's own properties define nothing.
    expect(types).toEqual(['Nullable(Float64)', "Nullable(DateTime64(6, 'UTC'))", 'Nullable(Bool)', 'Nullable(String)', 'Nullable(String)']);
    expect(await results(`SELECT group_0.properties.seats, toString(group_0.properties.renewed_at) FROM events WHERE event = 'in_org'`)).toEqual([
      [12, '2026-01-01 10:00:00.000000'],
    ]);
  });

  it('returns string properties as their raw JSON text: escapes stay (printer/base.py _unsafe_json_extract_trim_quotes)', async () => {
    expect(await results(`SELECT properties.quote FROM events WHERE properties.quote IS NOT NULL`)).toEqual([['a\\"b']]);
  });
});

describe("the project's time zone (printer/base.py, transforms/property_types.py, renderers.py)", () => {
  it("reads timestamp in the project's zone and renders it with that offset; toString gives the wall time", async () => {
    const q = `SELECT timestamp, toString(timestamp), toStartOfDay(timestamp), toHour(timestamp) FROM events WHERE event = 'zoned' ORDER BY timestamp`;
    expect(await results(q, { project: KOLKATA })).toEqual([
      ['2026-01-02T01:30:00+05:30', '2026-01-02 01:30:00.000000', '2026-01-02T00:00:00+05:30', 1],
      ['2026-07-02T01:30:00.123000+05:30', '2026-07-02 01:30:00.123000', '2026-07-02T00:00:00+05:30', 1],
    ]);
    expect(await results(q, { project: LOS_ANGELES })).toEqual([
      ['2026-01-01T12:00:00-08:00', '2026-01-01 12:00:00.000000', '2026-01-01T00:00:00-08:00', 12],
      ['2026-07-01T13:00:00.123000-07:00', '2026-07-01 13:00:00.123000', '2026-07-01T00:00:00-07:00', 13],
    ]);
    expect(await results(`SELECT timestamp FROM events WHERE event = 'typed' ORDER BY timestamp LIMIT 1`)).toEqual([['2026-01-01T20:00:00Z']]);
  });

  it("compares instants whatever the zone, and reads a date string in the project's zone", async () => {
    expect(await results(`SELECT count() FROM events WHERE event = 'zoned' AND toUnixTimestamp(timestamp) = 1767297600`, { project: KOLKATA })).toEqual([[1]]);
    // 2026-01-02 00:00 in Kolkata is 18:30 UTC on the 1st: the 20:00 UTC event is after it.
    expect(
      await results(`SELECT count() FROM events WHERE event = 'zoned' AND timestamp >= '2026-01-02 00:00:00' AND timestamp < '2026-01-03'`, {
        project: KOLKATA,
      }),
    ).toEqual([[1]]);
    expect(
      await results(`SELECT count() FROM events WHERE event = 'zoned' AND timestamp >= '2026-01-02 00:00:00' AND timestamp < '2026-01-03'`, {
        project: LOS_ANGELES,
      }),
    ).toEqual([[0]]);
  });

  it("answers with the project's zone and sees only the project's events (the team guard)", async () => {
    const r = await query(`SELECT count() FROM events`, { project: KOLKATA, refresh: true });
    expect(r.body).toMatchObject({ timezone: 'Asia/Kolkata', results: [[2]] });
  });
});

describe('the query cache and refresh (posthog/hogql_queries/query_runner.py, hogql_query_runner.py)', () => {
  it('answers a repeated query from the cache with its first last_refresh; force_blocking runs it again', async () => {
    const q = `SELECT count() FROM events WHERE event = 'cached'`;
    const first = await query(q);
    expect(first.body).toMatchObject({ is_cached: false, results: [[0]] });
    const lastRefresh = Date.parse(first.body.last_refresh as string);
    expect(Date.parse(first.body.next_allowed_client_refresh as string) - lastRefresh).toBe(60_000);
    expect(Date.parse(first.body.cache_target_age as string) - lastRefresh).toBe(6 * 3_600_000);
    await captureBatch(ph, [{ event: 'cached', distinct_id: 'c', timestamp: new Date().toISOString(), properties: {} }]);
    const again = await query(q);
    expect(again.body).toMatchObject({ is_cached: true, last_refresh: first.body.last_refresh, results: [[0]] });
    expect((await query(q, { refresh: 'blocking' })).body).toMatchObject({ is_cached: true });
    const fresh = await query(q, { refresh: 'force_blocking' });
    expect(fresh.body).toMatchObject({ is_cached: false, results: [[1]] });
    expect((await query(q, { refresh: true })).body).toMatchObject({ is_cached: false });
    // Other values are another query.
    expect((await query(`SELECT count() FROM events WHERE event = {e}`, { values: { e: 'cached' } })).body).toMatchObject({ is_cached: false, results: [[1]] });
  });

  it('refuses a refresh mode PostHog does not know', async () => {
    expect((await query('SELECT 1', { refresh: 'sometimes' })).body).toMatchObject({ attr: 'refresh', detail: expect.stringContaining('Input should be') });
  });
});

describe('the API time ceiling, async queries, concurrency (hogql_query_runner.py; api/query.py; clickhouse/client/execute_async.py, limit.py)', () => {
  const status = async (id: string, opts: { method?: string; progress?: boolean; project?: number } = {}) => {
    const res = await fetch(`${ph.url}/api/projects/${opts.project ?? 1}/query/${id}/${opts.progress ? '?show_progress=true' : ''}`, {
      method: opts.method ?? 'GET',
      headers: { authorization: `Bearer ${ph.apiKey}` },
    });
    return { status: res.status, body: (await res.json()) as Record<string, any> };
  };
  /** Polls an async query until it is complete (each poll is a real request). */
  const settle = async (id: string) => {
    for (;;) {
      const r = await status(id);
      if (r.status !== 202) return r;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  };

  it("stops a query sent with a personal API key at the API's ceiling: 504 telling to submit it async (api_timeout_detail)", async () => {
    ph.setLimits({ apiMaxExecutionSeconds: 1 });
    ph.slowDownQueries({ extraMs: 1500, times: 1 });
    expect(await refusal('SELECT 1')).toEqual({
      status: 504,
      type: 'server_error',
      code: 'error',
      detail:
        'This query hit the 1-second time limit for queries run through the API. Submit it as an async query to give it more time: https://posthog.com/docs/api/queries#asynchronous-queries. You can also narrow the date range or the filters so it scans less data: https://posthog.com/docs/api/queries#writing-performant-queries',
      attr: null,
    });
    // The default is PostHog's 10 s (hogql_query_runner.py@00f113df); a legacy team has none, and ClickHouse's 60 s applies.
    expect(POSTHOG_LIMITS.apiMaxExecutionSeconds).toBe(10);
  });

  it('runs a query async: 202 with a query_status at once, polled by id until complete with the whole answer, then cached', async () => {
    ph.slowDownQueries({ extraMs: 1500, times: 1 });
    ph.setLimits({ apiMaxExecutionSeconds: 1 });
    const started = await query('SELECT count() FROM events WHERE event = {e}', { values: { e: 'typed' }, refresh: 'async' });
    expect(started.status).toBe(202);
    // A cache miss answers CacheMissResponse: the cache key and the status (query.py handle_cache_and_async_logic).
    expect(Object.keys(started.body).sort()).toEqual(['cache_key', 'query_status']);
    const queued = started.body.query_status as Record<string, unknown>;
    expect(queued).toMatchObject({ team_id: 1, query_async: true, complete: false, error: false, error_message: null, results: null, end_time: null });
    expect(queued.id).toMatch(/^[0-9a-f]{32}$/); // uuid7().hex
    expect(Object.keys(queued).sort()).toEqual(
      [
        'complete',
        'dashboard_id',
        'end_time',
        'error',
        'error_code',
        'error_message',
        'expiration_time',
        'id',
        'insight_id',
        'labels',
        'pickup_time',
        'query_async',
        'query_progress',
        'results',
        'start_time',
        'task_id',
        'team_id',
      ].sort(),
    );
    const id = queued.id as string;
    // While it runs: 202, with progress when asked for (the time so far and ClickHouse's estimate of the rows).
    const running = await status(id, { progress: true });
    expect(running.status).toBe(202);
    expect(running.body.query_status.query_progress).toMatchObject({ time_elapsed: expect.any(Number), estimated_rows_total: expect.any(Number) });
    // Slower than the API's ceiling, but async queries get HOGQL_INCREASED_MAX_EXECUTION_TIME.
    const done = await settle(id);
    expect(done.status).toBe(200);
    expect(done.body.query_status).toMatchObject({
      id,
      complete: true,
      error: false,
      query_progress: null,
      results: { results: [[3]], columns: ['count()'], is_cached: false },
    });
    expect(Date.parse(done.body.query_status.end_time)).toBeGreaterThanOrEqual(Date.parse(done.body.query_status.start_time));
    // The result is in the cache now: the same query answers at once.
    expect((await query('SELECT count() FROM events WHERE event = {e}', { values: { e: 'typed' } })).body).toMatchObject({ is_cached: true, results: [[3]] });
    // Another project's id space: 404 (the status key names the team).
    expect(await status(id, { project: KOLKATA })).toEqual({
      status: 404,
      body: { type: 'invalid_request', code: 'not_found', detail: `Query ${id} not found for team ${KOLKATA}`, attr: null },
    });
  });

  it('answers a failed async query 400 with its message; force_async always runs and answers the status alone', async () => {
    const started = await query('SELECT nosuchfunction(1)', { refresh: 'force_async' });
    expect(started.status).toBe(202);
    expect(Object.keys(started.body)).toEqual(['query_status']);
    const failed = await settle((started.body.query_status as { id: string }).id);
    expect(failed.status).toBe(400);
    expect(failed.body.query_status).toMatchObject({
      complete: true,
      error: true,
      results: null,
      error_message: expect.stringContaining("Unsupported function call 'nosuchfunction(...)'"),
    });
  });

  it('serves a fresh cached answer to refresh "async" at once (200), and a client_query_id names the query', async () => {
    await results('SELECT 42');
    expect(await query('SELECT 42', { refresh: 'async' })).toMatchObject({ status: 200, body: { is_cached: true, results: [[42]], query_status: null } });
    const res = await fetch(`${ph.url}/api/projects/1/query/`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${ph.apiKey}` },
      body: JSON.stringify({ query: { kind: 'HogQLQuery', query: 'SELECT 43' }, refresh: 'force_async', client_query_id: 'my-card-1' }),
    });
    expect(((await res.json()) as { query_status: { id: string } }).query_status.id).toBe('my-card-1');
    expect((await settle('my-card-1')).body.query_status.results.results).toEqual([[43]]);
  });

  it('cancels an async query: DELETE answers 200 with a message, and the status is gone', async () => {
    ph.slowDownQueries({ extraMs: 60_000, times: 1 });
    const started = await query('SELECT 7', { refresh: 'force_async' });
    const id = (started.body.query_status as { id: string }).id;
    expect((await status(id)).status).toBe(202);
    expect(await status(id, { method: 'DELETE' })).toEqual({ status: 200, body: { message: 'Cancelled query on clickhouse' } });
    expect((await status(id)).status).toBe(404);
    // A complete one stays: "Query already complete".
    const quick = await query('SELECT 8', { refresh: 'force_async' });
    const quickId = (quick.body.query_status as { id: string }).id;
    await settle(quickId);
    expect(await status(quickId, { method: 'DELETE' })).toEqual({ status: 200, body: { message: 'Query already complete' } });
    expect((await status(quickId)).status).toBe(200);
  });

  it('holds a project to 3 running API queries, async ones included: the next waits for a slot, then 429 with no Retry-After', async () => {
    ph.setLimits({ concurrencyWaitSeconds: 0.5 });
    ph.slowDownQueries({ extraMs: 60_000, times: 3 });
    const slow = await Promise.all([0, 1, 2].map((i) => query(`SELECT ${i}`, { refresh: 'force_async' })));
    const ids = slow.map((r) => (r.body.query_status as { id: string }).id);
    const refused = await query('SELECT 3', { refresh: 'force_blocking' });
    expect(refused.status).toBe(429);
    expect(refused.headers.get('retry-after')).toBeNull();
    expect(refused.body).toEqual({
      type: 'throttled_error',
      code: 'throttled',
      detail: 'Too many queries are running right now — please try again in a moment.',
      attr: null,
    });
    // Another project has its own slots.
    expect((await query('SELECT 4', { project: KOLKATA, refresh: 'force_blocking' })).status).toBe(200);
    // A slot freed while a query waits lets it run.
    const waiting = query('SELECT 5', { refresh: 'force_blocking' });
    ph.setLimits({ concurrencyWaitSeconds: 30 });
    await status(ids[0]!, { method: 'DELETE' });
    expect((await waiting).status).toBe(200);
    for (const id of ids.slice(1)) await status(id, { method: 'DELETE' });
  });

  it('throttles polls as ClickHouse requests (240 a minute), not as HogQL queries (query.py get_throttles)', async () => {
    ph.setLimits({ queriesPerHour: 1, pollsPerMinute: 2 });
    const started = await query('SELECT 9', { refresh: 'force_async' });
    const id = (started.body.query_status as { id: string }).id;
    expect((await status(id)).status).not.toBe(429);
    expect((await status(id)).status).not.toBe(429);
    expect((await status(id)).status).toBe(429);
  });
});

describe('materialized properties and SAMPLE (ee/clickhouse/materialized_columns/columns.py; hogql printer; posthog/models/event/sql.py)', () => {
  it('reads a materialized property from its mat_ column, named as PostHog names it, with the same answers and types', async () => {
    const q = 'SELECT properties.first_text, properties.n, properties.quote FROM events WHERE event = {e} ORDER BY timestamp';
    const before = await query(q, { values: { e: 'typed' }, refresh: 'force_blocking' });
    await ph.materialize(['first_text', 'n', 'quote']);
    try {
      const after = await query(q, { values: { e: 'typed' }, refresh: 'force_blocking' });
      expect(after.body.results).toEqual(before.body.results);
      // test_printer.py: properties['withoutdollar'] → nullIf(nullIf(events.mat_withoutdollar, ''), 'null'); Numeric still cast.
      expect(after.body.clickhouse).toContain("nullIf(nullIf(`events`.`mat_first_text`, ''), 'null')");
      expect(after.body.clickhouse).toContain("accurateCastOrNull(nullIf(nullIf(`events`.`mat_n`, ''), 'null'), 'Float64')");
      expect(after.body.clickhouse).not.toContain('JSONExtractRaw(`events`.properties');
    } finally {
      await ph.dematerialize(['first_text', 'n', 'quote']);
    }
    const { materializedColumnName } = await import('./store');
    // `$` kept, anything else but letters and digits made `_` (test_printer.py: `mat_$browser_and_string`).
    expect(['withoutdollar', '$browser', '$browser and string', '$browser%%%#@!@'].map(materializedColumnName)).toEqual([
      'mat_withoutdollar',
      'mat_$browser',
      'mat_$browser_and_string',
      'mat_$browser_______',
    ]);
  });

  it("samples by person: SAMPLE 1/2 keeps each person's events together (SAMPLE BY cityHash64(distinct_id))", async () => {
    await captureBatch(
      ph,
      Array.from({ length: 400 }, (_, i) => ({ event: 'sampled', distinct_id: `s${i % 100}`, timestamp: new Date().toISOString(), properties: {} })),
    );
    const all = await results("SELECT count(), count(DISTINCT distinct_id) FROM events WHERE event = 'sampled'");
    expect(all).toEqual([[400, 100]]);
    const half = await results("SELECT count(), count(DISTINCT distinct_id) FROM events SAMPLE 1/2 WHERE event = 'sampled'");
    const [events, people] = half[0] as [number, number];
    expect(events).toBe(people * 4); // every sampled person with all 4 of their events
    expect(people).toBeGreaterThan(25);
    expect(people).toBeLessThan(75);
    // The two halves are the whole.
    const other = await results("SELECT count() FROM events SAMPLE 1/2 OFFSET 1/2 WHERE event = 'sampled'");
    expect(events + (other[0]![0] as number)).toBe(400);
    expect((await query('SELECT 1 FROM events SAMPLE 1/10', { refresh: 'force_blocking' })).body.clickhouse).toContain('FROM events SAMPLE 1/10 WHERE');
  });
});

describe('limits (posthog/rate_limit.py; posthog/errors.py, posthog/exceptions.py)', () => {
  it('allows a key so many HogQL queries an hour, cache hits included; then 429 with the wait in the text and no Retry-After', async () => {
    ph.setLimits({ queriesPerHour: 3 });
    for (let i = 0; i < 3; i++) expect((await query('SELECT 1')).status).toBe(200);
    const throttled = await query('SELECT 1');
    expect(throttled.status).toBe(429);
    expect(throttled.headers.get('retry-after')).toBeNull();
    expect(throttled.body).toEqual({
      type: 'throttled_error',
      code: 'throttled',
      detail: expect.stringMatching(/^Request was throttled\. Expected available in (3[5-6]\d\d|3600) seconds\.$/),
      attr: null,
    });
    // Per key: another key has its own allowance.
    expect((await query('SELECT 1', { key: QUERY_ONLY_KEY })).status).toBe(200);
  });

  it("answers a timeout 504, an estimate too slow 512, out of memory 513 and a full cluster 503, with PostHog's bodies", async () => {
    await captureBatch(
      ph,
      Array.from({ length: 400 }, (_, i) => ({
        event: 'heavy',
        distinct_id: `h${i}`,
        timestamp: new Date().toISOString(),
        properties: { pad: 'abc'.repeat(200) },
      })),
    );
    const heavy = `SELECT count() FROM events ARRAY JOIN range(2000) AS x WHERE event = 'heavy' AND match(concat(toString(x), properties.pad), 'a.*b.*c.*z')`;
    // A legacy team (no API ceiling): ClickHouse's own limit, and PostHog's default text.
    ph.setLimits({ maxExecutionSeconds: 0.01, apiMaxExecutionSeconds: null });
    expect(await refusal(heavy)).toEqual({
      status: 504,
      type: 'server_error',
      code: 'error',
      detail: 'Query has hit the max execution time before completing. See our docs for how to improve your query performance. You may need to materialize.',
      attr: null,
    });
    // ClickHouse's own estimate is what PostHog answers 512 for: a billion rows cannot be read in 50 ms.
    const tooSlow = await ph
      .query(
        'SELECT count() FROM numbers(1000000000) WHERE sipHash64(number) % 7 = 3 SETTINGS max_estimated_execution_time = 1, timeout_before_checking_execution_speed = 0.05',
      )
      .then(
        () => null,
        (e: Error) => clickHouseError(e.message),
      );
    expect(tooSlow).toMatchObject({
      status: 512,
      type: 'server_error',
      code: 'error',
      message: expect.stringMatching(/^Estimated query execution time \(.* seconds\) is too long\. Try reducing its scope by changing the time range\.$/),
    });
    ph.setLimits({ maxExecutionSeconds: 60, maxMemoryBytes: 1_000_000 });
    expect(await refusal(`SELECT x, uuid, count() FROM events ARRAY JOIN range(3000) AS x GROUP BY x, uuid`)).toMatchObject({
      status: 513,
      type: 'server_error',
      code: 'clickhouse_memory_limit_exceeded',
    });
    ph.setLimits({ maxMemoryBytes: 0, maxConcurrentQueries: 0 });
    expect(await refusal('SELECT 1')).toEqual({
      status: 503,
      type: 'server_error',
      code: 'error',
      detail: "Queries are a little too busy right now. We're working to free up resources. Please try again later.",
      attr: null,
    });
  });
});

describe('ClickHouse errors: user-safe 400, internal 500 (posthog/errors.py@00cc6947 wrap_clickhouse_query_error; posthog/api/query.py@001cc8ab create)', () => {
  it("answers a user-safe error 400 with its code name and ClickHouse's text, or the fixed text PostHog puts in its place", async () => {
    // ExposedCHQueryError: ValidationError(str(e), code_name); str(e) is the text after "DB::Exception:".
    expect(await refusal('SELECT intDiv(1, 0)')).toMatchObject({
      status: 400,
      type: 'validation_error',
      code: 'illegal_division',
      detail: expect.stringMatching(/^Division by zero: In scope SELECT .*\(ILLEGAL_DIVISION\)$/),
      attr: null,
    });
    // ErrorCodeMeta("ARGUMENT_OUT_OF_BOUND", user_safe="An argument is out of bounds."): ClickHouse's text could hold a stored value.
    expect(await refusal('SELECT toDecimal(1, 100)')).toEqual({
      status: 400,
      type: 'validation_error',
      code: 'argument_out_of_bound',
      detail: 'An argument is out of bounds.',
      attr: null,
    });
    expect(
      clickHouseError("Code: 6. DB::Exception: Cannot parse string 'secret' as Int32: In scope SELECT 1. (CANNOT_PARSE_TEXT) (version 25.8.1)"),
    ).toMatchObject({
      status: 400,
      code: 'cannot_parse_text',
      message: 'Cannot parse a value as the requested type. Check your input formats and type conversions.',
    });
  });

  it('answers any other ClickHouse error 500 "ClickHouse error while executing query.", its text kept from the user', async () => {
    const internal = { status: 500, type: 'server_error', code: 'error', detail: 'ClickHouse error while executing query.', attr: null };
    // PARAMETER_OUT_OF_BOUND and TOO_LARGE_STRING_SIZE have no user_safe: InternalCHQueryError → APIException.
    expect(await refusal('SELECT quantile(2)(1)')).toEqual(internal);
    expect(await refusal("SELECT repeat('a', 10000000000)")).toEqual(internal);
    // UNKNOWN_IDENTIFIER is flagged user_safe, yet errors.py wraps it in an internal class.
    expect(clickHouseError('Code: 47. DB::Exception: Unknown expression identifier `x` in scope SELECT x. (UNKNOWN_IDENTIFIER)')).toMatchObject({
      status: 500,
      message: 'ClickHouse error while executing query.',
    });
  });

  it('fails an async query with an internal error with no message (GET 500), a user-safe one with its text (execute_async.py)', async () => {
    const settle = async (started: Answer) => {
      const id = (started.body.query_status as { id: string }).id;
      for (;;) {
        const res = await fetch(`${ph.url}/api/projects/1/query/${id}/`, { headers: { authorization: `Bearer ${ph.apiKey}` } });
        if (res.status !== 202) return { status: res.status, status_: ((await res.json()) as { query_status: Record<string, unknown> }).query_status };
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    };
    expect(await settle(await query('SELECT quantile(2)(1)', { refresh: 'force_async' }))).toMatchObject({
      status: 500,
      status_: { complete: true, error: true, error_message: null },
    });
    expect(await settle(await query('SELECT intDiv(1, 0)', { refresh: 'force_async' }))).toMatchObject({
      status: 400,
      status_: { error: true, error_message: expect.stringContaining('Division by zero') },
    });
  });
});

describe("a sign-in's token (posthog/auth.py OAuthAccessTokenAuthentication; posthog/rate_limit.py; api/query.py is_query_service)", () => {
  it('is throttled by none of the per-key limits: find_key_with_source skips pha_, so PersonalApiKeyRateThrottle lets it pass', async () => {
    ph.setLimits({ queriesPerHour: 1, requestsPerMinute: 1 });
    for (let i = 0; i < 3; i++) expect((await query('SELECT 1', { key: SIGN_IN_TOKEN })).status).toBe(200);
    // The same limits still hold a personal API key.
    expect((await query('SELECT 1')).status).toBe(200);
    expect((await query('SELECT 1')).status).toBe(429);
  });

  it('may use OFFSET and has no API time ceiling: both are for personal API keys only (user_query_validator.py, hogql_query_runner.py _calculate)', async () => {
    expect(
      await results('SELECT number FROM (SELECT 1 AS number UNION ALL SELECT 2 AS number) ORDER BY number LIMIT 1 OFFSET 1', { key: SIGN_IN_TOKEN }),
    ).toEqual([[2]]);
    expect((await refusal('SELECT 1 LIMIT 1 OFFSET 1')).detail).toBe(OFFSET_NOT_ALLOWED_MESSAGE);
    ph.setLimits({ apiMaxExecutionSeconds: 1 });
    ph.slowDownQueries({ extraMs: 1500, matching: 'SELECT 77' });
    expect((await query('SELECT 77', { key: SIGN_IN_TOKEN, refresh: 'force_blocking' })).status).toBe(200);
    expect((await refusal('SELECT 77')).status).toBe(504);
  });
});

describe('keys and scopes (posthog/permissions.py APIScopePermission; posthog/auth.py)', () => {
  const get = async (path: string, key: string) => {
    const res = await fetch(`${ph.url}${path}`, { headers: { authorization: `Bearer ${key}` } });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };

  it('refuses what a key has no scope for, naming the scope; :write grants :read', async () => {
    expect((await query('SELECT 1', { key: QUERY_ONLY_KEY })).status).toBe(200);
    expect(await get('/api/projects/1/', QUERY_ONLY_KEY)).toEqual({
      status: 403,
      body: { type: 'authentication_error', code: 'permission_denied', detail: "API key missing required scope 'project:read'", attr: null },
    });
    expect((await get('/api/projects/1/dashboards/', QUERY_ONLY_KEY)).body.detail).toBe("API key missing required scope 'dashboard:read'");
    expect((await get('/api/users/@me/', QUERY_ONLY_KEY)).body.detail).toBe("API key missing required scope 'user:read'");
    // A key may always read itself (posthog/api/personal_api_key.py).
    expect(await get('/api/personal_api_keys/@current/', QUERY_ONLY_KEY)).toMatchObject({ status: 200, body: { scopes: ['query:read'] } });
  });

  it('keeps a key scoped to projects out of the others, even with every scope', async () => {
    expect((await query('SELECT 1', { key: PROJECT_2_KEY, project: KOLKATA })).status).toBe(200);
    expect(await refusal('SELECT 1', { key: PROJECT_2_KEY, project: 1 })).toEqual({
      status: 403,
      type: 'authentication_error',
      code: 'permission_denied',
      detail: 'API key does not have access to the requested project: ID 1.',
      attr: null,
    });
  });

  it('answers a bad key 401', async () => {
    expect(await refusal('SELECT 1', { key: 'phx_nope' })).toEqual({
      status: 401,
      type: 'authentication_error',
      code: 'authentication_failed',
      detail: 'Personal API key found in request Authorization header is invalid.',
      attr: null,
    });
  });

  it('lists the projects a key may see, in all its organisations, with their time zones (posthog/api/project.py)', async () => {
    const all = await get('/api/projects/', ph.apiKey);
    expect(all.body).toMatchObject({ count: 3, next: null, previous: null });
    expect((all.body.results as Array<{ id: number; project_id: number; timezone: string }>).map((p) => [p.id, p.project_id, p.timezone])).toEqual([
      [1, 1, 'UTC'],
      [KOLKATA, KOLKATA, 'Asia/Kolkata'],
      [LOS_ANGELES, LOS_ANGELES, 'America/Los_Angeles'],
    ]);
    const other = await get(`/api/organizations/${OTHER_ORG}/projects/`, ph.apiKey);
    expect((other.body.results as Array<{ id: number; organization: string }>).map((p) => [p.id, p.organization])).toEqual([[LOS_ANGELES, OTHER_ORG]]);
    expect((await get('/api/organizations/@current/projects/', ph.apiKey)).body.count).toBe(2);
    expect((await get('/api/organizations/nope/projects/', ph.apiKey)).status).toBe(404);
    expect((await get(`/api/organizations/${OTHER_ORG}/projects/`, QUERY_ONLY_KEY)).body.detail).toBe("API key missing required scope 'project:read'");
  });

  it('refuses a key scoped to projects any list of projects (posthog/permissions.py, scoped_teams on a list)', async () => {
    const refused = {
      status: 403,
      body: {
        type: 'authentication_error',
        code: 'permission_denied',
        detail: 'API keys with scoped projects are only supported on project-based endpoints.',
        attr: null,
      },
    };
    expect(await get('/api/projects/', PROJECT_2_KEY)).toEqual(refused);
    expect(await get(`/api/organizations/${OTHER_ORG}/projects/`, PROJECT_2_KEY)).toEqual(refused);
    expect((await get(`/api/projects/${KOLKATA}/`, PROJECT_2_KEY)).status).toBe(200);
  });

  it("names the user's current organisation with its projects, and only the names of the others (posthog/api/user.py, api/shared.py)", async () => {
    const me = (await get('/api/users/@me/', ph.apiKey)).body as {
      team: Record<string, unknown>;
      organization: {
        id: string;
        teams: Array<{ id: number; project_id: number; api_token: string }>;
        projects: Array<{ id: number; organization_id: string; name: string }>;
      };
      organizations: Array<Record<string, unknown>>;
    };
    expect(Object.keys(me.team).sort()).toEqual([
      'access_control',
      'api_token',
      'completed_snippet_onboarding',
      'has_completed_onboarding_for',
      'id',
      'ingested_event',
      'is_demo',
      'name',
      'organization',
      'project_id',
      'timezone',
      'uuid',
    ]);
    expect(me.organization.teams.map((t) => t.id)).toEqual([1, KOLKATA]);
    expect(me.organization.projects).toEqual([
      { id: 1, organization_id: me.organization.id, name: 'Tool Lens (local)' },
      { id: KOLKATA, organization_id: me.organization.id, name: 'Kolkata' },
    ]);
    expect(me.organizations.map((o) => o.name)).toEqual(['Tool Lens (local)', 'Other org']);
    expect(me.organizations.every((o) => !('teams' in o) && !('projects' in o))).toBe(true);
  });
});

describe('pages of lists (posthog/settings/web.py REST_FRAMEWORK: LimitOffsetPagination, PAGE_SIZE 100; rest_framework/pagination.py; posthog/api/annotation.py)', () => {
  const get = async (path: string) =>
    (await (await fetch(`${ph.url}${path}`, { headers: { authorization: `Bearer ${ph.apiKey}` } })).json()) as {
      count: number;
      next: string | null;
      previous: string | null;
      results: Array<{ id: number | string; content?: string }>;
    };

  it("pages the projects and organisations lists by limit and offset, linking on with the request's own URL", async () => {
    const second = await get('/api/projects/?limit=1&offset=1');
    expect(second).toMatchObject({ count: 3, next: `${ph.url}/api/projects/?limit=1&offset=2`, previous: `${ph.url}/api/projects/?limit=1` });
    expect(second.results.map((p) => p.id)).toEqual([KOLKATA]);
    expect((await get('/api/organizations/@current/projects/?limit=1')).next).toBe(`${ph.url}/api/organizations/@current/projects/?limit=1&offset=1`);
    const orgs = await get('/api/organizations/?limit=1');
    expect(orgs).toMatchObject({ count: 2, next: `${ph.url}/api/organizations/?limit=1&offset=1`, previous: null });
    // A bad limit is the default page (DRF _positive_int).
    expect((await get('/api/projects/?limit=nope')).results).toHaveLength(3);
  });

  it("keeps every filter in an annotations page's next (replace_query_param: the query re-encoded, sorted by name)", async () => {
    const from = new Date(Date.now() - 30 * 86_400_000).toISOString();
    const to = new Date().toISOString();
    const first = await get(`/api/projects/1/annotations/?limit=1&date_to=${encodeURIComponent(to)}&date_from=${encodeURIComponent(from)}`);
    expect(first.count).toBe(2);
    const expected = new URL(`${ph.url}/api/projects/1/annotations/`);
    expected.search = new URLSearchParams({ date_from: from, date_to: to, limit: '1', offset: '1' }).toString();
    expect(first.next).toBe(expected.toString());
    const second = await get(new URL(first.next!).pathname + new URL(first.next!).search);
    expect(second).toMatchObject({ count: 2, next: null });
    expect(second.results.map((a) => a.content)).not.toEqual(first.results.map((a) => a.content));
    // Without a limit, AnnotationsLimitOffsetPagination's 1000.
    expect((await get('/api/projects/1/annotations/')).next).toBeNull();
  });
});

describe('dashboards (posthog/api/dashboards/dashboard.py@4f7b4308)', () => {
  it('ignores ?search= on the dashboards list: only ?tags= filters', async () => {
    const list = async (q: string) =>
      (
        (await (await fetch(`${ph.url}/api/projects/1/dashboards/${q}`, { headers: { authorization: `Bearer ${ph.apiKey}` } })).json()) as {
          results: unknown[];
        }
      ).results;
    expect(await list('?search=no-such-dashboard')).toEqual(await list(''));
  });
});

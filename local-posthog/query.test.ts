import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalPostHog, type LocalPostHog } from './server.js';
import { captureBatch, hogql, postQuery } from './test-helpers.js';

let ph: LocalPostHog;
const NOW = Date.now();
const HOUR = 3_600_000;
const NASTY = `it's a "test" \\ back\\slash {tool} '; DROP TABLE events; -- SELECT * FROM file('/etc/passwd') \n new line`;

type Ev = { event: string; distinct_id: string; timestamp: string; properties: Record<string, unknown> };
const events: Ev[] = [];
function ev(event: string, session: string, atMs: number, props: Record<string, unknown> = {}, tool = 'pdf-to-text', dollar = false) {
  events.push({
    event,
    distinct_id: `user-${session}`,
    timestamp: new Date(atMs).toISOString(),
    properties: dollar ? { $tool_name: tool, $session_id: session, ...props } : { tool_name: tool, session_id: session, ...props },
  });
}

// Hand-built sessions for tool pdf-to-text (funnel levels in comments)
const t0 = NOW - 5 * HOUR;
ev('tool_viewed', 's1', t0); // level 5
ev('tool_upload_started', 's1', t0 + 5_000);
ev('tool_processing_started', 's1', t0 + 6_000);
ev('tool_processing_completed', 's1', t0 + 7_000, { processing_duration_ms: 1000 });
ev('tool_result_downloaded', 's1', t0 + 9_000);
ev('tool_viewed', 's2', t0 + HOUR); // level 3
ev('tool_upload_started', 's2', t0 + HOUR + 1_000);
ev('tool_processing_started', 's2', t0 + HOUR + 2_000);
ev('tool_processing_failed', 's2', t0 + HOUR + 60_000, { error_type: 'timeout', processing_duration_ms: 58000 });
ev('tool_viewed', 's3', t0 + 2 * HOUR); // level 1
ev('tool_upload_started', 's4', t0 + 3 * HOUR); // out of order: upload before view → level 1
ev('tool_viewed', 's4', t0 + 3 * HOUR + 10_000);
ev('tool_processing_started', 's4', t0 + 3 * HOUR + 20_000);
ev('tool_upload_started', 's5', t0 + 4 * HOUR); // orphan, no view → level 0
ev('tool_processing_started', 's5', t0 + 4 * HOUR + 1_000);
ev('tool_viewed', 's6', t0 + 10_000, {}, 'pdf-to-text', true); // $-spelled, level 4
ev('tool_upload_started', 's6', t0 + 11_000, {}, 'pdf-to-text', true);
ev('tool_processing_started', 's6', t0 + 12_000, {}, 'pdf-to-text', true);
ev('tool_processing_completed', 's6', t0 + 15_000, { $processing_duration_ms: 3000 }, 'pdf-to-text', true);
ev('tool_viewed', 's7', t0 + 20_000); // level 5
ev('tool_upload_started', 's7', t0 + 21_000);
ev('tool_processing_started', 's7', t0 + 22_000);
ev('tool_processing_completed', 's7', t0 + 24_000, { processing_duration_ms: 2000 });
ev('tool_result_downloaded', 's7', t0 + 30_000);
ev('tool_viewed', 's8', t0 + 40_000); // level 3
ev('tool_upload_started', 's8', t0 + 41_000);
ev('tool_processing_started', 's8', t0 + 42_000);
ev('tool_processing_failed', 's8', t0 + 43_000, { error_type: 'ocr_failed' });
ev('tool_viewed', 's9', t0 + 50_000); // level 1, failure without error_type → 'unknown'
ev('tool_processing_failed', 's9', t0 + 51_000);
// noise: other tool, and too old
ev('tool_viewed', 's10', t0, {}, 'image-compressor');
ev('tool_upload_started', 's10', t0 + 1_000, {}, 'image-compressor');
ev('tool_processing_completed', 's10', t0 + 2_000, { processing_duration_ms: 99 }, 'image-compressor');
ev('tool_viewed', 's11', NOW - 10 * 24 * HOUR);
ev('tool_processing_completed', 's11', NOW - 10 * 24 * HOUR + 1_000, { processing_duration_ms: 50 });

const CARD_QUERY = `SELECT 'funnel' AS section, toString(step) AS label, count() AS n, 0.0 AS p50, 0.0 AS p95, 0.0 AS p99
FROM (
  SELECT coalesce(properties.session_id, properties.$session_id) AS session,
         windowFunnel({window_ms})(reinterpretAsUInt64(toUnixTimestamp64Milli(timestamp)), event = {ev_viewed}, event = {ev_upload}, event = {ev_started}, event = {ev_completed}, event = {ev_downloaded}) AS level
  FROM events
  WHERE event IN ({ev_viewed}, {ev_upload}, {ev_started}, {ev_completed}, {ev_downloaded})
    AND coalesce(properties.tool_name, properties.$tool_name) = {tool}
    AND timestamp >= now() - toIntervalSecond({range_seconds})
  GROUP BY session
  HAVING session IS NOT NULL
)
ARRAY JOIN range(1, level + 1) AS step
GROUP BY step
UNION ALL
SELECT 'latency', '', count(), quantileExact(0.5)(d), quantileExact(0.95)(d), quantileExact(0.99)(d)
FROM (
  SELECT toFloat(coalesce(properties.processing_duration_ms, properties.$processing_duration_ms)) AS d
  FROM events
  WHERE event = {ev_completed} AND coalesce(properties.tool_name, properties.$tool_name) = {tool}
    AND timestamp >= now() - toIntervalSecond({range_seconds})
)
WHERE d IS NOT NULL
UNION ALL
SELECT 'error', label, n, 0.0, 0.0, 0.0
FROM (
  SELECT coalesce(properties.error_type, properties.$error_type, 'unknown') AS label, count() AS n
  FROM events
  WHERE event = {ev_failed} AND coalesce(properties.tool_name, properties.$tool_name) = {tool}
    AND timestamp >= now() - toIntervalSecond({range_seconds})
  GROUP BY label ORDER BY n DESC LIMIT 8
)`;

const CARD_VALUES = {
  window_ms: 86_400_000,
  range_seconds: 604_800,
  tool: 'pdf-to-text',
  ev_viewed: 'tool_viewed',
  ev_upload: 'tool_upload_started',
  ev_started: 'tool_processing_started',
  ev_completed: 'tool_processing_completed',
  ev_downloaded: 'tool_result_downloaded',
  ev_failed: 'tool_processing_failed',
};

beforeAll(async () => {
  ph = await startLocalPostHog();
  const bulk: Ev[] = Array.from({ length: 150 }, (_, i) => ({
    event: 'bulk_event',
    distinct_id: `bulk-${i}`,
    timestamp: new Date(NOW - i * 1000).toISOString(),
    properties: { i },
  }));
  await captureBatch(ph, [...events, ...bulk, { event: NASTY, distinct_id: 'nasty', timestamp: new Date(NOW).toISOString(), properties: {} }]);
});
afterAll(async () => {
  await ph?.close();
});

const sortRows = (rows: unknown[][]) => [...rows].sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));

describe('HogQL query API', () => {
  it('runs the Tool Lens card query with hand-computed results', async () => {
    const r = await hogql(ph, CARD_QUERY, CARD_VALUES);
    expect(r.columns).toEqual(['section', 'label', 'n', 'p50', 'p95', 'p99']);
    expect(r.types.map((t) => t[0])).toEqual(r.columns);
    expect(sortRows(r.results)).toEqual(
      sortRows([
        ['funnel', '1', 8, 0, 0, 0],
        ['funnel', '2', 5, 0, 0, 0],
        ['funnel', '3', 5, 0, 0, 0],
        ['funnel', '4', 3, 0, 0, 0],
        ['funnel', '5', 2, 0, 0, 0],
        ['latency', '', 3, 2000, 3000, 3000],
        ['error', 'timeout', 1, 0, 0, 0],
        ['error', 'ocr_failed', 1, 0, 0, 0],
        ['error', 'unknown', 1, 0, 0, 0],
      ]),
    );
    expect(r.is_cached).toBe(false);
    expect(r.error).toBeNull();
    expect(r.clickhouse).toContain('windowFunnel(86400000)');
    // same answer through /api/environments/
    const env = await postQuery(
      ph,
      { query: { kind: 'HogQLQuery', query: CARD_QUERY, values: { ...CARD_VALUES, tool: 'image-compressor' } } },
      undefined,
      '/api/environments/1/query/',
    );
    expect(env.status).toBe(200);
    expect(sortRows(env.body.results as unknown[][])).toEqual(
      sortRows([
        ['funnel', '1', 1, 0, 0, 0],
        ['funnel', '2', 1, 0, 0, 0],
        ['latency', '', 1, 99, 99, 99],
      ]),
    );
  });

  it('counts, countIf, quantiles and both property spellings', async () => {
    const r = await hogql(
      ph,
      `SELECT event, count() AS c, countIf(properties.tool_name = 'pdf-to-text') AS plain, countIf(properties.$tool_name = 'pdf-to-text') AS dollar
       FROM events WHERE timestamp > now() - INTERVAL 1 DAY AND event LIKE 'tool_%' GROUP BY event ORDER BY event`,
    );
    const recent = events.filter((e) => Date.parse(e.timestamp) > NOW - 24 * HOUR);
    const expected = [...new Set(recent.map((e) => e.event))].sort().map((name) => {
      const of = recent.filter((e) => e.event === name);
      return [
        name,
        of.length,
        of.filter((e) => e.properties.tool_name === 'pdf-to-text').length,
        of.filter((e) => e.properties.$tool_name === 'pdf-to-text').length,
      ];
    });
    expect(r.results).toEqual(expected);
    expect(r.types).toEqual([
      ['event', 'String'],
      ['c', 'UInt64'],
      ['plain', 'UInt64'],
      ['dollar', 'UInt64'],
    ]);

    const q = await hogql(
      ph,
      `SELECT quantile(0.5)(toFloat(properties.processing_duration_ms)), median(toFloat(properties.processing_duration_ms)), count() FROM events WHERE event = 'tool_processing_completed' AND properties.tool_name = 'pdf-to-text'`,
    );
    expect(q.columns).toEqual(['quantile(0.5)(toFloat(properties.processing_duration_ms))', 'median(toFloat(properties.processing_duration_ms))', 'count()']);
    expect(q.results[0]![2]).toBe(3); // 1000, 2000, 50 (old)
    expect(q.results[0]![0]).toBeCloseTo(1000, 5);
  });

  it('applies the default LIMIT 100 and reports hasMore', async () => {
    let r = await hogql(ph, `SELECT distinct_id FROM events WHERE event = 'bulk_event'`);
    expect(r.results).toHaveLength(100);
    expect(r.hasMore).toBe(true);
    expect(r.limit).toBe(100);
    r = await hogql(ph, `SELECT distinct_id FROM events WHERE event = 'bulk_event' ORDER BY distinct_id LIMIT 200`);
    expect(r.results).toHaveLength(150);
    expect(r.hasMore).toBe(false);
    r = await hogql(ph, `SELECT count() FROM events WHERE event = 'bulk_event'`);
    expect(r.results).toEqual([[150]]);
  });

  it('placeholders are data, never SQL', async () => {
    const r = await hogql(ph, `SELECT {s} AS v, {n} AS n, {b} AS b, {z} AS z, {arr} AS arr`, { s: NASTY, n: 1.5, b: true, z: null, arr: ['a', "b'c"] });
    // PostHog's ClickHouse printer writes booleans as 1 and 0 (posthog/hogql/printer/clickhouse.py, PR #23455).
    expect(r.results).toEqual([[NASTY, 1.5, 1, null, ['a', "b'c"]]]);
    const c = await hogql(ph, `SELECT count() FROM events WHERE event = {s}`, { s: NASTY });
    expect(c.results).toEqual([[1]]);
    const all = await ph.query('SELECT count() AS n FROM events');
    expect((all[0] as { n: number }).n).toBe(events.length + 151);
  });

  it('UNION ALL, ARRAY JOIN, subqueries, IN subquery, CTE, aliases across clauses', async () => {
    let r = await hogql(ph, `SELECT 'a' AS k, 1 AS v UNION ALL SELECT 'b', 2`);
    expect(sortRows(r.results)).toEqual([
      ['a', 1],
      ['b', 2],
    ]);
    r = await hogql(ph, `SELECT x, count() FROM events ARRAY JOIN [1, 2, 3] AS x WHERE event = 'tool_result_downloaded' GROUP BY x ORDER BY x`);
    expect(r.results).toEqual([
      [1, 2],
      [2, 2],
      [3, 2],
    ]);
    r = await hogql(
      ph,
      `SELECT s, max(c) FROM (SELECT properties.session_id AS s, count() AS c FROM events WHERE s IN (SELECT properties.session_id FROM events WHERE event = 'tool_result_downloaded') GROUP BY s) GROUP BY s ORDER BY s`,
    );
    expect(r.results).toEqual([
      ['s1', 5],
      ['s7', 5],
    ]);
    r = await hogql(ph, `WITH d AS (SELECT distinct_id, event FROM events WHERE event = 'tool_result_downloaded') SELECT count() FROM d`);
    expect(r.results).toEqual([[2]]);
    r = await hogql(
      ph,
      `SELECT e.event AS ev, count() AS c FROM events AS e WHERE ev = 'tool_viewed' AND e.properties.tool_name = 'image-compressor' GROUP BY ev HAVING c > 0 ORDER BY c DESC`,
    );
    expect(r.results).toEqual([['tool_viewed', 1]]);
    r = await hogql(
      ph,
      `SELECT properties.$session_id, timestamp FROM events WHERE event = 'tool_processing_completed' AND properties.$tool_name = 'pdf-to-text'`,
    );
    expect(r.columns).toEqual(['$session_id', 'timestamp']);
    expect(r.results[0]![0]).toBe('s6');
    expect(r.results[0]![1]).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/);
    // NULL-safe comparisons as in PostHog: != matches rows where the property is missing
    r = await hogql(ph, `SELECT count() FROM events WHERE event = 'tool_processing_failed' AND properties.error_type != 'timeout'`);
    expect(r.results).toEqual([[2]]);
  });
});

describe('errors', () => {
  const q = (query: string, values: Record<string, unknown> = {}) => postQuery(ph, { query: { kind: 'HogQLQuery', query, values } });

  it('401 for missing and wrong keys, 404 for unknown project/route', async () => {
    let r = await postQuery(ph, { query: { kind: 'HogQLQuery', query: 'SELECT 1' } }, {});
    expect(r.status).toBe(401);
    expect(r.body).toEqual({ type: 'authentication_error', code: 'not_authenticated', detail: 'Authentication credentials were not provided.', attr: null });
    r = await postQuery(ph, { query: { kind: 'HogQLQuery', query: 'SELECT 1' } }, { authorization: 'Bearer phx_nope' });
    expect(r.status).toBe(401);
    expect(r.body).toEqual({
      type: 'authentication_error',
      code: 'authentication_failed',
      detail: 'Personal API key found in request Authorization header is invalid.',
      attr: null,
    });
    r = await postQuery(ph, { personal_api_key: ph.apiKey, query: { kind: 'HogQLQuery', query: 'SELECT 1' } }, {});
    expect(r.status).toBe(200);
    r = await postQuery(ph, { query: { kind: 'HogQLQuery', query: 'SELECT 1' } }, undefined, '/api/projects/999/query/');
    expect(r.status).toBe(404);
    expect(r.body).toEqual({ type: 'invalid_request', code: 'not_found', detail: 'Not found.', attr: null });
    const me = await fetch(`${ph.url}/api/users/@me/?personal_api_key=${ph.apiKey}`);
    expect(((await me.json()) as { team: { id: number } }).team.id).toBe(1);
    const projects = await fetch(`${ph.url}/api/projects/`, { headers: { authorization: `Bearer ${ph.apiKey}` } });
    const list = (await projects.json()) as { count: number; results: { id: number; api_token: string; timezone: string }[] };
    expect(list.count).toBe(1);
    expect(list.results[0]).toMatchObject({ id: 1, api_token: ph.projectApiKey, timezone: 'UTC' });
    expect((await fetch(`${ph.url}/api/projects/2/`, { headers: { authorization: `Bearer ${ph.apiKey}` } })).status).toBe(404);
    expect((await fetch(`${ph.url}/nope`)).status).toBe(404);
  });

  it('400 naming unsupported tables, table functions, functions, kinds and missing placeholders', async () => {
    const cases: [string, RegExp][] = [
      [`SELECT * FROM file('/etc/passwd')`, /file/],
      [`SELECT url('http://x')`, /url/],
      [`SELECT count() FROM persons`, /persons/],
      [`SELECT count() FROM events JOIN events AS b ON 1`, /JOIN/],
      [`SELECT count() OVER () FROM events`, /Window/],
      [`SELECT nosuchfn(event) FROM events`, /nosuchfn/],
      [`SELECT person.created_at FROM events`, /person\.created_at/],
    ];
    for (const [query, re] of cases) {
      const r = await q(query);
      expect(r.status, query).toBe(400);
      expect(r.body.type).toBe('validation_error');
      expect(r.body.detail as string, query).toMatch(re);
      expect(r.body.attr).toBeNull();
    }
    let r = await q(`SELECT FROM WHERE`);
    expect(r.status).toBe(400);
    expect(r.body.code).toBe('hogql_syntax_error');
    r = await q(`SELECT {missing}`, { other: 1 });
    expect(r.status).toBe(400);
    expect(r.body.detail).toMatch(/\{missing\}/);
    r = await postQuery(ph, { query: { kind: 'TrendsQuery', series: [] } });
    expect(r.status).toBe(400);
    expect(r.body.detail).toMatch(/TrendsQuery/);
  });
});

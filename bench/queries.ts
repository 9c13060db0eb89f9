/**
 * Query-side benchmark, in its own process (chdb: one server per process):
 * seeding N events, the card query's latency over HTTP, rows read vs the tool's events, seed 000's
 * 12 insights restricted to one tool, and the card query on an alternative table layout.
 *
 *   npx tsx bench/queries.ts <out.json> [--events 10000000]
 */
import { writeFileSync } from 'node:fs';
import { translateHogQL } from '../local-posthog/hogql/index';
import { startLocalPostHog } from '../local-posthog/server';
import { RANGES, type RangeKey } from '../lib/model/ranges';
import { cardQueryFor, median, p95, QUERY_SETTINGS, readStats, type ReadStats } from './common';

const out = process.argv[2];
if (!out) throw new Error('usage: tsx bench/queries.ts <out.json> [--events N]');
const eventsArg = process.argv.indexOf('--events');
const EVENTS = eventsArg > 0 ? Number(process.argv[eventsArg + 1]) : 10_000_000;
/** `--scale`: seeding, card latency and the card's rows read only (the 10 M run); otherwise everything. */
const SCALE_ONLY = process.argv.includes('--scale');
const budgetArg = process.argv.indexOf('--latency-budget-ms');
const DAYS = 30;
const RANGE: RangeKey = '7d'; // the card's default range
const RATIO_TOOLS = SCALE_ONLY ? ['news-analyzer'] : ['news-analyzer', 'csv-cleaner']; // the largest tool, and the one spelled `$tool_name`
const INSIGHT_TOOL = 'news-analyzer';
const LATENCY_RUNS = 9; // card query over HTTP, after one warm-up
const LATENCY_BUDGET_MS = budgetArg > 0 ? Number(process.argv[budgetArg + 1]) : 120_000; // …or fewer runs if they take longer than this (at least 3)
const INSIGHT_RUNS = 3;

// Each spelling read as text or as a number, as the card reads it: PostHog types the two spellings apart.
const T = 'coalesce(toString(properties.tool_name), toString(properties.$tool_name))';
const P = (p: string) => `coalesce(toString(properties.${p}), toString(properties.$${p}))`;
const N = (p: string) => `coalesce(toFloat(properties.${p}), toFloat(properties.$${p}))`;
const LAST_30D = 'timestamp >= now() - INTERVAL 30 DAY';
const ONE_TOOL = `${T} = {tool}`;

/** Seed 000's 12 insights, each restricted to one tool; both property spellings read, as the card does. */
const INSIGHTS: Array<{ n: number; name: string; hogql: string }> = [
  {
    n: 1,
    name: 'Tool usage by tool',
    hogql: `SELECT ${T} AS tool_name, count() AS usage_count FROM events WHERE event = 'tool_processing_completed' AND ${LAST_30D} AND ${ONE_TOOL} GROUP BY tool_name ORDER BY usage_count DESC`,
  },
  {
    n: 2,
    name: 'Daily usage trend',
    hogql: `SELECT toStartOfDay(timestamp) AS day, count() AS usage_count FROM events WHERE event = 'tool_processing_completed' AND ${LAST_30D} AND ${ONE_TOOL} GROUP BY day ORDER BY day`,
  },
  {
    n: 3,
    name: 'Unique sessions',
    hogql: `SELECT ${T} AS tool_name, countDistinct(${P('session_id')}) AS unique_sessions, count() AS total_uses, round(count() / countDistinct(${P('session_id')}), 2) AS uses_per_session FROM events WHERE event = 'tool_processing_completed' AND ${LAST_30D} AND ${ONE_TOOL} GROUP BY tool_name ORDER BY unique_sessions DESC`,
  },
  {
    n: 4,
    name: 'Success funnel (3 steps)',
    hogql: `SELECT level, count() AS sessions FROM (SELECT ${P('session_id')} AS session, windowFunnel(86400000)(reinterpretAsUInt64(toUnixTimestamp64Milli(timestamp)), event = 'tool_viewed', event = 'tool_processing_started', event = 'tool_processing_completed') AS level FROM events WHERE event IN ('tool_viewed', 'tool_processing_started', 'tool_processing_completed') AND ${LAST_30D} AND ${ONE_TOOL} GROUP BY session) GROUP BY level ORDER BY level`,
  },
  {
    n: 5,
    name: 'Processing time',
    hogql: `SELECT ${T} AS tool_name, round(avg(${N('processing_duration_ms')}) / 1000, 2) AS avg_seconds, round(median(${N('processing_duration_ms')}) / 1000, 2) AS median_seconds, round(quantile(0.95)(${N('processing_duration_ms')}) / 1000, 2) AS p95_seconds, count() AS total_jobs FROM events WHERE event = 'tool_processing_completed' AND ${LAST_30D} AND ${P('processing_duration_ms')} IS NOT NULL AND ${ONE_TOOL} GROUP BY tool_name ORDER BY avg_seconds DESC`,
  },
  {
    n: 6,
    name: 'Error rate',
    hogql: `SELECT ${T} AS tool_name, countIf(event = 'tool_processing_failed') AS failures, countIf(event = 'tool_processing_completed') AS successes, countIf(event = 'tool_processing_started') AS started, round(countIf(event = 'tool_processing_failed') * 100.0 / countIf(event = 'tool_processing_started'), 2) AS failure_rate_pct FROM events WHERE event IN ('tool_processing_started', 'tool_processing_completed', 'tool_processing_failed') AND ${LAST_30D} AND ${ONE_TOOL} GROUP BY tool_name ORDER BY failure_rate_pct DESC`,
  },
  {
    n: 7,
    name: 'Error types',
    hogql: `SELECT ${T} AS tool_name, ${P('error_type')} AS error_type, count() AS error_count FROM events WHERE event = 'tool_processing_failed' AND ${LAST_30D} AND ${ONE_TOOL} GROUP BY tool_name, error_type ORDER BY error_count DESC LIMIT 20`,
  },
  {
    n: 8,
    name: 'Download rate',
    hogql: `SELECT ${T} AS tool_name, countIf(event = 'tool_result_downloaded') AS downloads, countIf(event = 'tool_processing_completed') AS completions, round(countIf(event = 'tool_result_downloaded') * 100.0 / countIf(event = 'tool_processing_completed'), 2) AS download_rate_pct FROM events WHERE event IN ('tool_processing_completed', 'tool_result_downloaded') AND ${LAST_30D} AND ${ONE_TOOL} GROUP BY tool_name ORDER BY download_rate_pct DESC`,
  },
  {
    n: 9,
    name: 'Authenticated vs anonymous',
    hogql: `SELECT ${T} AS tool_name, CASE WHEN ${P('is_authenticated')} = 'true' THEN 'Authenticated' ELSE 'Anonymous' END AS user_type, count() AS usage_count FROM events WHERE event = 'tool_processing_completed' AND ${LAST_30D} AND ${ONE_TOOL} GROUP BY tool_name, user_type ORDER BY tool_name, user_type`,
  },
  {
    n: 10,
    name: 'File types',
    hogql: `SELECT ${T} AS tool_name, ${P('file_type')} AS file_type, count() AS upload_count, round(avg(${N('file_size')}) / 1024, 2) AS avg_size_kb FROM events WHERE event = 'tool_upload_started' AND ${LAST_30D} AND ${P('file_type')} IS NOT NULL AND ${ONE_TOOL} GROUP BY tool_name, file_type ORDER BY upload_count DESC LIMIT 20`,
  },
  {
    n: 11,
    name: 'Cache hit rate',
    hogql: `SELECT ${T} AS tool_name, countIf(${P('from_cache')} = 'true') AS cache_hits, countIf(${P('from_cache')} != 'true' OR ${P('from_cache')} IS NULL) AS cache_misses, round(countIf(${P('from_cache')} = 'true') * 100.0 / count(), 2) AS cache_hit_rate_pct FROM events WHERE event = 'tool_processing_completed' AND ${LAST_30D} AND ${ONE_TOOL} GROUP BY tool_name ORDER BY cache_hit_rate_pct DESC`,
  },
  {
    n: 12,
    name: 'Weekly heatmap',
    hogql: `SELECT toDayOfWeek(timestamp) AS dow, toHour(timestamp) AS hour, count() AS usage_count FROM events WHERE event = 'tool_processing_completed' AND ${LAST_30D} AND ${ONE_TOOL} GROUP BY dow, hour ORDER BY dow, hour`,
  },
];

const ALL_TOOL_EVENTS =
  "('tool_viewed', 'tool_upload_started', 'tool_processing_started', 'tool_processing_completed', 'tool_processing_failed', 'tool_result_downloaded')";

const save = (r: unknown) => writeFileSync(out!, JSON.stringify(r, null, 2));

/** The tool-name expression as the translator prints it in `equals(<expr>, '<tool>')`, found by balancing parentheses. */
function toolExpression(clickhouse: string, tool: string): string {
  const end = clickhouse.indexOf(`, '${tool}')`);
  if (end < 0) return '';
  let depth = 0;
  for (let i = end - 1; i >= 0; i--) {
    const c = clickhouse[i];
    if (c === ')') depth++;
    else if (c === '(') {
      if (depth === 0) return clickhouse.slice(i + 1, end).replaceAll('`events`.', '');
      depth--;
    }
  }
  return '';
}

async function main() {
  const t0 = performance.now();
  const ph = await startLocalPostHog({ seed: { seed: 42, days: DAYS, events: EVENTS } });
  const seedMs = performance.now() - t0;
  const result: Record<string, unknown> = { events: EVENTS, days: DAYS, seedMs };
  try {
    const sql = async (hogql: string, values: Record<string, unknown> = {}) => (await translateHogQL(hogql, values)).sql;
    const count = async (hogql: string, values: Record<string, unknown>) =>
      Number(((await ph.query(await sql(hogql, values))) as Array<Record<string, unknown>>)[0]?.['c'] ?? NaN);
    const stats = async (clickhouse: string): Promise<ReadStats> => readStats(ph.query, `${clickhouse} SETTINGS ${QUERY_SETTINGS}`);
    result.totalRows = await count('SELECT count() AS c FROM events', {});

    const post = async (query: { query: string; values: Record<string, unknown> }) => {
      const started = performance.now();
      const res = await fetch(`${ph.url}/api/projects/${ph.projectId}/query/`, {
        method: 'POST',
        headers: { authorization: `Bearer ${ph.apiKey}`, 'content-type': 'application/json' },
        body: JSON.stringify({ query: { kind: 'HogQLQuery', ...query } }),
        signal: AbortSignal.timeout(90_000),
      });
      const body = (await res.json()) as { results?: unknown[]; detail?: string };
      if (!res.ok) throw new Error(`HTTP ${res.status}: ${body.detail ?? ''}`);
      return { ms: performance.now() - started, rows: body.results?.length ?? 0 };
    };

    // Card query latency over HTTP (what the background worker waits for), tools in turn.
    const card = (tool: string) => cardQueryFor(tool, RANGE);
    await post(card('news-analyzer')); // warm-up
    const latencies: number[] = [];
    const tools = ['news-analyzer', 'pdf-to-text', 'image-compressor', 'audio-transcriber', 'csv-cleaner', 'video-summarizer'];
    const started = performance.now();
    for (let i = 0; i < LATENCY_RUNS; i++) {
      if (i >= 3 && performance.now() - started > LATENCY_BUDGET_MS) break; // bounded: at most LATENCY_RUNS
      latencies.push((await post(card(tools[i % tools.length]!))).ms);
    }
    result.cardLatency = { runs: latencies.length, p50: median(latencies), p95: p95(latencies), all: latencies };
    console.error(`[queries] card p50 ${median(latencies).toFixed(0)} ms over ${latencies.length} runs`);

    // Rows read by the card query vs the tool's events (range, and the 2×range look-back the card scans).
    const rangeS = RANGES[RANGE].seconds;
    const ratios = [];
    let toolExpr = '';
    for (const tool of RATIO_TOOLS) {
      const q = card(tool);
      const clickhouse = await sql(q.query, q.values);
      // The tool filter as the translator prints it, from the filter alone (the card's query names it by an alias).
      if (!toolExpr) toolExpr = toolExpression(await sql(`SELECT count() AS c FROM events WHERE ${ONE_TOOL}`, { tool }), tool);
      const s = await stats(clickhouse);
      const inRange = await count(`SELECT count() AS c FROM events WHERE ${ONE_TOOL} AND timestamp >= now() - toIntervalSecond({s})`, { tool, s: rangeS });
      const inLookback = await count(`SELECT count() AS c FROM events WHERE ${ONE_TOOL} AND timestamp >= now() - toIntervalSecond({s})`, {
        tool,
        s: rangeS * 2,
      });
      const singleScan = await stats(
        await sql(`SELECT count() FROM events WHERE event IN ${ALL_TOOL_EVENTS} AND ${ONE_TOOL} AND timestamp >= now() - toIntervalSecond({s})`, {
          tool,
          s: rangeS * 2,
        }),
      );
      const unionParts = (q.query.match(/\bUNION ALL\b/g) ?? []).length + 1;
      ratios.push({ tool, ...s, inRange, inLookback, unionParts, singleScanRowsRead: singleScan.rowsRead });
      console.error(`[queries] ${tool}: rows read ${s.rowsRead} vs ${inRange} events in range`);
    }
    result.ratios = ratios;
    save(result);
    if (SCALE_ONLY) return;

    // Seed 000's insights restricted to one tool.
    const insightRows = [];
    const in30 = await count(`SELECT count() AS c FROM events WHERE ${ONE_TOOL} AND ${LAST_30D}`, { tool: INSIGHT_TOOL });
    for (const insight of INSIGHTS) {
      const values = { tool: INSIGHT_TOOL };
      try {
        const s = await stats(await sql(insight.hogql, values));
        const ms: number[] = [];
        let rows = 0;
        for (let i = 0; i < INSIGHT_RUNS; i++) {
          const r = await post({ query: insight.hogql, values });
          ms.push(r.ms);
          rows = r.rows;
        }
        insightRows.push({ ...insight, ...s, toolEvents: in30, p50: median(ms), p95: p95(ms), resultRows: rows });
      } catch (e) {
        insightRows.push({ ...insight, error: String((e as Error).message ?? e).slice(0, 200), toolEvents: in30 });
      }
    }
    result.insights = insightRows;
    result.insightTool = INSIGHT_TOOL;
    save(result);
    console.error('[queries] insights done');

    // The same card query on a copy of the table whose sorting key includes the tool name.
    if (toolExpr) {
      const orderBy = `(team_id, toDate(timestamp), event, ${toolExpr}, cityHash64(distinct_id), cityHash64(uuid))`;
      const ddl = `CREATE TABLE events_by_tool AS events ENGINE = MergeTree ORDER BY ${orderBy} SETTINGS allow_nullable_key = 1`;
      const c0 = performance.now();
      await ph.query(ddl);
      await ph.query('INSERT INTO events_by_tool SELECT * FROM events');
      const copyMs = performance.now() - c0;
      const onAlt = (s: string) => s.replace(/\bFROM events\b/g, 'FROM events_by_tool').replaceAll('`events`.', '`events_by_tool`.');
      const alt = [];
      for (const tool of RATIO_TOOLS) {
        const q = card(tool);
        const clickhouse = onAlt(await sql(q.query, q.values));
        const runs: ReadStats[] = [];
        for (let i = 0; i < 3; i++) runs.push(await stats(clickhouse));
        const singleScan = await stats(
          onAlt(
            await sql(`SELECT count() FROM events WHERE event IN ${ALL_TOOL_EVENTS} AND ${ONE_TOOL} AND timestamp >= now() - toIntervalSecond({s})`, {
              tool,
              s: rangeS * 2,
            }),
          ),
        );
        alt.push({
          tool,
          rowsRead: runs[0]!.rowsRead,
          bytesRead: runs[0]!.bytesRead,
          elapsedP50: median(runs.map((r) => r.elapsedMs)),
          singleScanRowsRead: singleScan.rowsRead,
        });
      }
      // Same for the current table, engine time only (no HTTP), for a like-for-like comparison.
      const base = [];
      for (const tool of RATIO_TOOLS) {
        const q = card(tool);
        const clickhouse = await sql(q.query, q.values);
        const runs: ReadStats[] = [];
        for (let i = 0; i < 3; i++) runs.push(await stats(clickhouse));
        base.push({ tool, elapsedP50: median(runs.map((r) => r.elapsedMs)) });
      }
      result.alternative = {
        orderBy: `(team_id, toDate(timestamp), event, <tool_name expression as the card query prints it>, cityHash64(distinct_id), cityHash64(uuid)) SETTINGS allow_nullable_key = 1`,
        copyMs,
        alt,
        base,
      };
      console.error('[queries] alternative layout done');
    }
  } finally {
    save(result);
    await ph.close();
  }
  save(result);
}

main().then(
  () => process.exit(0),
  (e) => {
    console.error(e);
    process.exit(1);
  },
);

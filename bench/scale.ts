/**
 * Scale benchmark, in its own process (chdb: one server per process): a project of N events seeded
 * inside ClickHouse (local-posthog/bulkSeed.ts), then the card query as a big project meets it —
 * against the local server held to PostHog's API rules (10 s ceiling, 3 queries at once):
 *  - exact: ClickHouse's read statistics, and blocking requests over HTTP (200, or PostHog's 504);
 *  - the card as the extension sends it: sampled when the tool's events pass the threshold
 *    (lib/card/sampling.ts), else exact; its latency over HTTP, within the ceiling or not; and what
 *    ClickHouse reads at the round factors either side of the one sent (how far more sampling helps);
 *  - if exact needs more than the ceiling: the same query as an async query, start to answer;
 *  - with `--materialized`: bytes read with `tool_name` materialized and without, same data, and how
 *    many of the granules the card reads hold none of the tool's events (all a filter on a
 *    materialized `tool_name` could skip: ClickHouse reads a column by whole granules).
 *
 *   npx tsx bench/scale.ts <out.json> --events 10000000 [--materialized]
 */
import { writeFileSync } from 'node:fs';
import { translateHogQL } from '../local-posthog/hogql/index';
import { startLocalPostHog } from '../local-posthog/server';
import { materializedColumnName } from '../local-posthog/store';
import { buildCardQuery } from '../lib/card/query';
import { RANGES, type RangeKey } from '../lib/model/ranges';
import { SAMPLE_FACTORS, sampleFactorFor, SAMPLING } from '../lib/card/sampling';
import { DEFAULT_METRICS_OPTIONS } from '../lib/settings/settings';
import { TOOL_EVENTS, TOOL_PROPERTIES } from '../lib/model/events';
import { createPostHogClient } from '../lib/posthog/client';
import { runHogQL } from '../lib/posthog/asyncQuery';
import { median, QUERY_SETTINGS, readStats, type ReadStats } from './common';

const out = process.argv[2];
if (!out) throw new Error('usage: tsx bench/scale.ts <out.json> --events N [--materialized]');
const arg = (name: string) => (process.argv.indexOf(name) > 0 ? process.argv[process.argv.indexOf(name) + 1] : undefined);
const EVENTS = Number(arg('--events') ?? 10_000_000);
const MATERIALIZED = process.argv.includes('--materialized');
const TOOL = 'news-analyzer';
const RANGE: RangeKey = '7d';
const HTTP_RUNS = 3;
const SAMPLED_RUNS = 5;

const result: Record<string, unknown> = { events: EVENTS, tool: TOOL, range: RANGE };
const save = () => writeFileSync(out!, JSON.stringify(result, null, 2));
const log = (s: string) => console.error(`[scale ${EVENTS}] ${s}`);

async function main() {
  const t0 = performance.now();
  const ph = await startLocalPostHog({ seed: { seed: 42, days: 30, events: EVENTS, inClickHouse: true }, limits: { queriesPerHour: null } });
  result.seedMs = performance.now() - t0;
  log(`seeded in ${((result.seedMs as number) / 1000).toFixed(1)} s`);
  try {
    const count = async (sql: string) => Number(((await ph.query(sql)) as Array<{ c: number | string }>)[0]?.c ?? NaN);
    result.totalRows = await count('SELECT count() AS c FROM events');
    const lookbackS = 2 * RANGES[RANGE].seconds;
    const toolFilter = `if(JSONHas(properties, 'tool_name'), JSONExtractString(properties, 'tool_name'), JSONExtractString(properties, '$tool_name')) = '${TOOL}'`;
    result.toolEventsInRange = await count(
      `SELECT count() AS c FROM events WHERE ${toolFilter} AND timestamp >= now() - INTERVAL ${RANGES[RANGE].seconds} SECOND`,
    );
    result.toolEventsInLookback = await count(`SELECT count() AS c FROM events WHERE ${toolFilter} AND timestamp >= now() - INTERVAL ${lookbackS} SECOND`);
    result.eventsInLookback = await count(`SELECT count() AS c FROM events WHERE timestamp >= now() - INTERVAL ${lookbackS} SECOND`);
    save();

    const translated = async (factor: number) => {
      const q = buildCardQuery({ tool: TOOL, range: RANGE, options: DEFAULT_METRICS_OPTIONS, sampleFactor: factor });
      return { request: q, sql: (await translateHogQL(q.query, q.values)).sql };
    };
    // PostHog's settings, with an async query's 600 s (the exact card on 100 M events runs past 60 s here).
    const engine = async (sql: string): Promise<ReadStats> =>
      readStats(ph.query, `${sql} SETTINGS ${QUERY_SETTINGS.replace('max_execution_time=60', 'max_execution_time=600')}`);
    const post = async (request: { query: string; values: Record<string, unknown> }) => {
      const started = performance.now();
      const res = await fetch(`${ph.url}/api/projects/1/query/`, {
        method: 'POST',
        headers: { authorization: `Bearer ${ph.apiKey}`, 'content-type': 'application/json' },
        body: JSON.stringify({ query: { kind: 'HogQLQuery', ...request }, refresh: 'force_blocking' }),
        signal: AbortSignal.timeout(120_000),
      });
      await res.text();
      return { ms: performance.now() - started, status: res.status };
    };

    // Exact: what ClickHouse reads, and what a blocking API request gets.
    const exact = await translated(1);
    result.exactEngine = await engine(exact.sql);
    log(`exact card: ${(result.exactEngine as ReadStats).elapsedMs.toFixed(0)} ms in ClickHouse`);
    const exactHttp = [];
    for (let i = 0; i < HTTP_RUNS; i++) exactHttp.push(await post(exact.request));
    result.exactHttp = exactHttp;
    save();

    // The card as the extension sends it: the sample factor its rule gives this tool's look-back.
    const factor = sampleFactorFor(result.toolEventsInLookback as number);
    result.sampling = { factor, aboveEvents: SAMPLING.aboveEvents, targetEvents: SAMPLING.targetEvents };
    if (factor > 1) {
      const sampled = await translated(factor);
      result.sampledEngine = await engine(sampled.sql);
      const runs = [];
      for (let i = 0; i < SAMPLED_RUNS; i++) runs.push(await post(sampled.request));
      result.sampledHttp = runs;
      log(`sampled 1/${factor}: p50 ${median(runs.map((r) => r.ms)).toFixed(0)} ms, statuses ${runs.map((r) => r.status).join(',')}`);
      // The factors either side of the one sent, in ClickHouse, on the parts as merged by now: a sample
      // reads whole granules, one at each edge of every (day, event) range of every part, so past some
      // factor more sampling saves little.
      const at = SAMPLE_FACTORS.indexOf(factor as (typeof SAMPLE_FACTORS)[number]);
      const factors = [SAMPLE_FACTORS[at - 1], factor, SAMPLE_FACTORS[at + 1]].filter((n): n is number => n !== undefined);
      const sweep: Array<{ factor: number } & ReadStats> = [];
      for (const n of factors) sweep.push({ factor: n, ...(await engine((await translated(n)).sql)) });
      result.sampledSweep = sweep;
      log(`factors: ${sweep.map((s) => `1/${s.factor} ${s.rowsRead} rows ${s.elapsedMs.toFixed(0)} ms`).join('; ')}`);
    }
    save();

    // Past the ceiling: the same exact query as an async query, as the extension runs it.
    if (exactHttp.some((r) => r.status === 504)) {
      const client = createPostHogClient({ baseUrl: ph.url, projectId: '1', apiKey: ph.apiKey });
      const started = performance.now();
      const run = await runHogQL(client, exact.request, { refresh: true }).catch((e: Error) => e);
      result.exactAsync =
        run instanceof Error ? { error: run.message } : { ms: performance.now() - started, async: run.async, rows: run.response.results.length };
      log(`exact card async: ${JSON.stringify(result.exactAsync)}`);
      save();
    }

    // The same data with tool_name materialized (as PostHog materializes hot properties), and with
    // every property the card reads materialized.
    if (MATERIALIZED) {
      const spellings = (ps: readonly string[]) => ps.flatMap((p) => [p, `$${p}`]);
      const measure = async (materialized: string[]) => {
        const t = await translateHogQL(exact.request.query, exact.request.values, {
          materialized: new Map(materialized.map((p) => [p, materializedColumnName(p)])),
        });
        const runs: ReadStats[] = [];
        for (let i = 0; i < 3; i++) runs.push(await engine(t.sql));
        return { bytesRead: runs[0]!.bytesRead, rowsRead: runs[0]!.rowsRead, elapsedMs: median(runs.map((r) => r.elapsedMs)) };
      };
      const without = await measure([]);
      const m0 = performance.now();
      await ph.materialize(spellings(['tool_name']));
      const toolNameMs = performance.now() - m0;
      const toolName = await measure(spellings(['tool_name']));
      // The granules of the card's look-back (its events: the primary key's day and event ranges),
      // and how many hold none of the tool's events: a filter on tool_name can save reading the other
      // columns in those granules only (ClickHouse's _part_granule_offset: the exact granule of a row).
      const column = (p: string) => `\`${materializedColumnName(p)}\``;
      const events = Object.values(TOOL_EVENTS)
        .map((e) => `'${e}'`)
        .join(', ');
      const [granules] = (await ph.query(
        `SELECT count() AS granules, countIf(tool_rows = 0) AS withoutTool, sum(all_rows) AS rows FROM (
           SELECT _part, _part_granule_offset, count() AS all_rows, countIf(${column('tool_name')} = '${TOOL}' OR ${column('$tool_name')} = '${TOOL}') AS tool_rows
           FROM events WHERE event IN (${events}) AND timestamp >= now() - INTERVAL ${lookbackS} SECOND
           GROUP BY _part, _part_granule_offset)`,
      )) as Array<{ granules: number | string; withoutTool: number | string; rows: number | string }>;
      const granuleCounts = { granules: Number(granules?.granules), withoutTool: Number(granules?.withoutTool), rows: Number(granules?.rows) };
      log(`granules of the look-back: ${granuleCounts.granules}, without the tool's events: ${granuleCounts.withoutTool}`);
      const allProps = [...spellings(TOOL_PROPERTIES), '$ai_latency', '$ai_total_cost_usd', '$ai_is_error', '$ai_input_tokens', '$ai_output_tokens'];
      await ph.materialize(allProps);
      const every = await measure(allProps);
      await ph.dematerialize(allProps);
      result.materialized = { without, toolName, every, granules: granuleCounts, toolNameMaterializeMs: toolNameMs, everyProperties: allProps.length };
      log(`materialized: bytes ${without.bytesRead} → tool_name ${toolName.bytesRead} → every ${every.bytesRead}`);
      save();
    }
  } finally {
    save();
    await ph.close();
  }
}

main().then(
  () => process.exit(0),
  (e) => {
    console.error(e);
    process.exit(1);
  },
);

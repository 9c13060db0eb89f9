#!/usr/bin/env -S npx tsx
/**
 * Tool Lens from the command line, against PostHog Cloud, a self-hosted PostHog or the local server.
 *
 *   POSTHOG_PERSONAL_API_KEY=phx_… npx tsx cli/tool-lens.ts check     --host us|eu|URL --project ID
 *   POSTHOG_PERSONAL_API_KEY=phx_… npx tsx cli/tool-lens.ts dashboard --host us|eu|URL --project ID
 *   POSTHOG_PERSONAL_API_KEY=phx_… npx tsx cli/tool-lens.ts card      --host us|eu|URL --project ID --tool NAME --range 7d [--json]
 *                                  npx tsx cli/tool-lens.ts queries   [--json]
 *
 * Exit codes: 0 success, 1 PostHog refused or failed (or an insight could not be saved), 2 usage error.
 */
import { buildRankingQuery, rankingRowsSchema, rankTools, toToolFigures } from '../lib/project/ranking';
import { compareCounts, compareQuantileIntervals, compareRates } from '../lib/stats/intervals';
import { realpathSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { fetch as undiciFetch } from 'undici';
import { createPostHogClient, PostHogError, type PostHogClient } from '../lib/posthog/client';
import { checkCustomHost, HOSTS, DEFAULT_METRICS_OPTIONS } from '../lib/settings/settings';
import { TOOL_PROPERTIES, FUNNEL_STEPS } from '../lib/model/events';
import { detectSchema, SchemaDetectError, TOOL_EVENT_NAMES, type SchemaDetection } from '../lib/instrumentation/detect';
import { ensureToolUsageDashboard, type EnsureProgress } from '../lib/project/dashboards';
import { buildCardQuery } from '../lib/card/query';
import { runHogQL } from '../lib/posthog/asyncQuery';
import { toToolMetrics } from '../lib/card/metrics';
import { queryCatalog } from './queryCatalog';
import { RANGE_KEYS, RANGES, type RangeKey } from '../lib/model/ranges';
import type { ToolMetrics } from '../lib/model/figures';
import '../lib/model/zodMessages';

export const USAGE = `Usage: tool-lens <command> [options]

Commands:
  check       Check the connection (key, project, query API), which tool events the project
              sends and how it spells their properties (x or $x).
  dashboard   Create the "Tool Usage Analytics" dashboard, or update the one Tool Lens created.
  card        One tool's figures exactly as the card computes them (same query, same mapping).
  queries     Every HogQL query Tool Lens can send, in each form its options give it (no key needed).

Options:
  --host <us|eu|URL>   PostHog US Cloud, EU Cloud, or your instance's URL (default: us)
  --project <id>       Project id (a number, in your PostHog URL: /project/<id>)
  --days <n>           Days of events to inspect for spelling detection (default: 30)
  --tool <name>        card: the tool, as its events name it (tool_name)
  --range <r>          card: 1h, 24h, 7d or 30d (default: 7d)
  --json               card, queries: JSON (queries: one object a line: {"name", "query", "values"})
  -h, --help           Show this help

The personal API key is read from the environment variable POSTHOG_PERSONAL_API_KEY
(scopes: user:read, project:read, query:read; dashboard:write and insight:write for "dashboard";
query:read alone for "card").`;

class UsageError extends Error {}

export function resolveHost(host: string): string {
  if (host === 'us' || host === 'eu') return HOSTS[host].url;
  const problem = checkCustomHost(host);
  if (problem) throw new UsageError(`--host: ${problem} (or use "us" / "eu")`);
  return host.replace(/\/+$/, '');
}

const fmt = (n: number) => n.toLocaleString('en-US');

function printDetection(d: SchemaDetection, log: (s: string) => void): void {
  log(`Tool events (last ${d.days} days, ${fmt(d.totalEvents)} in all):`);
  const w = Math.max(...TOOL_EVENT_NAMES.map((e) => e.length));
  for (const e of TOOL_EVENT_NAMES) log(`  ${e.padEnd(w)}  ${d.events[e] > 0 ? fmt(d.events[e]) : 'missing'}`);
  log('Property spelling (events carrying x / $x → spelling used):');
  const pw = Math.max(...TOOL_PROPERTIES.map((p) => p.length));
  for (const p of TOOL_PROPERTIES) {
    const r = d.properties[p];
    const used = r.usage === 'none' ? 'not found' : r.spelling === 'both' ? `both: coalesce(${p}, $${p})` : r.spelling;
    log(`  ${p.padEnd(pw)}  ${fmt(r.plain).padStart(9)} / ${fmt(r.dollar).padStart(9)}  → ${used}`);
  }
}

async function check(client: PostHogClient, days: number, log: (s: string) => void): Promise<number> {
  const me = await client.me();
  log(`Key: OK (user ${me.email})`);
  const project = await client.project();
  log(`Project: OK (${project.id} "${project.name}")`);
  const t0 = Date.now();
  const detection = await detectSchema(client, days);
  log(`Query API: OK (${Date.now() - t0} ms)`);
  printDetection(detection, log);
  if (detection.missingEvents.length === TOOL_EVENT_NAMES.length) log('Warning: none of the tool events were found in this project.');
  return 0;
}

function progressLine(p: EnsureProgress): string {
  switch (p.type) {
    case 'dashboard':
      return p.action === 'created'
        ? `Created dashboard "${p.name}" (id ${p.id}): ${p.url}`
        : `Found dashboard "${p.name}" (id ${p.id}), updating it: ${p.url}`;
    case 'insight':
      return `  [${String(p.index).padStart(2)}/${p.total}] ${p.name}: ${p.action === 'failed' ? `FAILED — ${p.error}` : `${p.action} (insight ${p.id})`}`;
    case 'layout':
      return p.action === 'updated' ? `Layout: ${p.tiles} tiles placed in 4 rows` : `Layout: FAILED — ${p.error}`;
  }
}

async function dashboard(client: PostHogClient, days: number, log: (s: string) => void): Promise<number> {
  const detection = await detectSchema(client, days);
  const spelled = TOOL_PROPERTIES.filter((p) => detection.properties[p].spelling !== p).map((p) => `${p} → ${detection.spelling[p]}`);
  log(`Property spelling: ${spelled.length ? spelled.join(', ') : 'all without $'}`);
  const result = await ensureToolUsageDashboard(client, detection.spelling, (p) => log(progressLine(p)));
  const ok = result.insights.length - result.failed;
  log(
    `Dashboard ${result.dashboardId} ${result.created ? 'created' : 'updated'}: ${ok} of ${result.insights.length} insights saved${result.failed ? `, ${result.failed} failed` : ''}${result.layoutError ? ', layout failed' : ''}. ${result.url}`,
  );
  return result.failed || result.layoutError ? 1 : 0;
}

/** The card's figures, as `card --json` prints them. */
export function cardJson(m: ToolMetrics) {
  const events = DEFAULT_METRICS_OPTIONS.schema.events;
  const q = m.latency.current;
  return {
    tool: m.tool,
    range: m.range,
    asOf: m.asOf,
    funnel: FUNNEL_STEPS.map((step, i) => ({ step: events[step.key], sessions: m.funnel.steps[i]?.current ?? 0, previous: m.funnel.steps[i]?.previous ?? 0 })),
    funnelUnit: m.funnel.unit,
    jobs: {
      started: m.jobs.current.started,
      completed: m.jobs.current.completed,
      failed: m.jobs.current.failed,
      cacheHits: m.jobs.current.cacheHits,
      downloads: m.jobs.current.downloads,
      views: m.jobs.current.views,
    },
    latency: { n: q.n, p50: q.p50Ms, p95: q.p95Ms, p99: q.p99Ms, mean: q.meanMs },
    failedLatency: {
      n: m.latency.failed.n,
      p50: m.latency.failed.p50Ms,
      p95: m.latency.failed.p95Ms,
      p99: m.latency.failed.p99Ms,
      mean: m.latency.failed.meanMs,
    },
    errors: m.errors.map((e) => ({
      type: e.type,
      count: e.current,
      previous: e.previous,
      compare: countCompare(e.current, e.previous, m.sample?.factor ?? 1),
    })),
    health: m.health,
    compare: compareJson(m),
    // A 1-in-N sample of users: counts above are estimates (×N); the tests ran on the sample's own counts.
    sample: m.sample ?? null,
  };
}

/** Each change the card shows, with its test (lib/stats/intervals.ts): the card's arrow is `significant`. */
function compareJson(m: ToolMetrics) {
  const steps = m.funnel.steps;
  const [views, downloads] = [steps[0], steps.at(-1)];
  const factor = m.sample?.factor ?? 1;
  const rateOf = (x1: number, n1: number, x2: number, n2: number) => {
    const test = compareRates(...([x1, n1, x2, n2].map((c) => Math.round(c / factor)) as [number, number, number, number]));
    return { current: n1 > 0 ? x1 / n1 : null, previous: n2 > 0 ? x2 / n2 : null, significant: test?.significant ?? false, interval: test?.interval ?? null };
  };
  const [now, before] = [m.latency.current, m.latency.previous];
  const p95 = compareQuantileIntervals(now.p95IntervalMs ?? [null, null], before.p95IntervalMs ?? [null, null]);
  return {
    viewToDownload: rateOf(downloads?.current ?? 0, views?.current ?? 0, downloads?.previous ?? 0, views?.previous ?? 0),
    failureRate: rateOf(m.jobs.current.failed, m.jobs.current.started, m.jobs.previous.failed, m.jobs.previous.started),
    p95: {
      current: now.p95Ms,
      previous: before.p95Ms,
      significant: p95.significant,
      interval: { current: now.p95IntervalMs ?? [null, null], previous: before.p95IntervalMs ?? [null, null] },
    },
  };
}

function countCompare(current: number, previous: number, factor: number) {
  const test = compareCounts(Math.round(current / factor), Math.round(previous / factor));
  // JSON has no Infinity: an unbounded side is null.
  const finite = (x: number) => (Number.isFinite(x) ? x : null);
  return { current, previous, significant: test.significant, pValue: test.pValue, interval: test.interval ? test.interval.map(finite) : null };
}

function printCard(m: ToolMetrics, log: (s: string) => void): void {
  const j = cardJson(m);
  const ms = (v: number | null) => (v === null ? '—' : `${fmt(Math.round(v))} ms`);
  log(`${j.tool} — ${RANGES[j.range as RangeKey].label.toLowerCase()}, as of ${j.asOf}`);
  log(`Funnel (${j.funnelUnit}):`);
  const w = Math.max(...j.funnel.map((s) => s.step.length));
  for (const s of j.funnel) log(`  ${s.step.padEnd(w)}  ${fmt(s.sessions).padStart(9)}`);
  log(`Jobs: ${fmt(j.jobs.started)} started, ${fmt(j.jobs.completed)} completed, ${fmt(j.jobs.failed)} failed`);
  log(`Processing time (n = ${fmt(j.latency.n)}): p50 ${ms(j.latency.p50)}, p95 ${ms(j.latency.p95)}, p99 ${ms(j.latency.p99)}, mean ${ms(j.latency.mean)}`);
  log(j.errors.length ? 'Errors:' : 'Errors: none');
  for (const e of j.errors) log(`  ${fmt(e.count).padStart(7)}  ${e.type}`);
}

export async function main(argv: string[], env: NodeJS.ProcessEnv, log = console.log, error = console.error): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        host: { type: 'string', default: 'us' },
        project: { type: 'string' },
        days: { type: 'string', default: '30' },
        tool: { type: 'string' },
        range: { type: 'string', default: '7d' },
        json: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (e) {
    error(`${(e as Error).message}\n\n${USAGE}`);
    return 2;
  }
  const { values, positionals } = parsed;
  if (values.help) {
    log(USAGE);
    return 0;
  }
  try {
    const command = positionals[0];
    if (positionals.length !== 1 || !['check', 'dashboard', 'card', 'queries'].includes(command ?? '')) {
      throw new UsageError(positionals.length ? `Unknown command: ${positionals.join(' ')}` : 'Missing command');
    }
    if (command === 'queries') {
      for (const q of queryCatalog()) log(values.json ? JSON.stringify(q) : `-- ${q.name}  values: ${JSON.stringify(q.values)}\n${q.query}\n`);
      return 0;
    }
    const range = values.range as RangeKey;
    if (command === 'card') {
      if (!values.tool?.trim()) throw new UsageError('--tool: name the tool, e.g. --tool pdf-to-text');
      if (!RANGE_KEYS.includes(range)) throw new UsageError(`--range: one of ${RANGE_KEYS.join(', ')}`);
    }
    const baseUrl = resolveHost(values.host);
    const projectId = values.project?.trim() ?? '';
    if (!/^\d{1,12}$/.test(projectId)) throw new UsageError('--project: the project id is a number, e.g. --project 12345');
    const days = Number(values.days);
    if (!Number.isInteger(days) || days < 1 || days > 365) throw new UsageError('--days: a whole number of days from 1 to 365');
    const apiKey = env.POSTHOG_PERSONAL_API_KEY?.trim();
    if (!apiKey) throw new UsageError('Set the personal API key in the environment variable POSTHOG_PERSONAL_API_KEY');

    const client = createPostHogClient({
      baseUrl,
      projectId,
      apiKey,
      fetch: undiciFetch as unknown as typeof fetch,
      timeoutMs: 60_000,
    });
    if (command === 'card') {
      const input = { tool: values.tool!.trim(), range, options: DEFAULT_METRICS_OPTIONS };
      // However long it takes: past PostHog's API ceiling the card query runs as an async query.
      const metrics = toToolMetrics((await runHogQL(client, buildCardQuery(input))).response, input, new Date());
      if (values.json) {
        // Where the tool stands among the project's tools: the query every card and the popup share.
        const tools = toToolFigures(rankingRowsSchema.parse((await client.hogql(buildRankingQuery(range, DEFAULT_METRICS_OPTIONS))).results));
        const standing = rankTools(tools).find((t) => t.tool === input.tool) ?? null;
        log(
          JSON.stringify(
            {
              ...cardJson(metrics),
              rank: { p95: standing?.p95 ?? null, failureRate: standing?.failureRate ?? null, viewToDownload: standing?.viewToDownload ?? null },
            },
            null,
            2,
          ),
        );
      } else printCard(metrics, log);
      return 0;
    }
    log(`PostHog: ${baseUrl}, project ${projectId}`);
    return command === 'check' ? await check(client, days, log) : await dashboard(client, days, log);
  } catch (e) {
    if (e instanceof UsageError) {
      error(`Error: ${e.message}\n\n${USAGE}`);
      return 2;
    }
    if (e instanceof PostHogError || e instanceof SchemaDetectError) {
      error(`Error: ${e.message}`);
      return 1;
    }
    error(`Error: ${(e as Error)?.message ?? String(e)}`);
    return 1;
  }
}

function isEntryPoint(): boolean {
  const script = process.argv[1];
  if (!script) return false;
  try {
    return import.meta.url === pathToFileURL(realpathSync(script)).href;
  } catch {
    return false;
  }
}
const invokedDirectly = isEntryPoint();
if (invokedDirectly) {
  main(process.argv.slice(2), process.env).then(
    (code) => {
      process.exitCode = code;
    },
    (e: unknown) => {
      console.error(e);
      process.exitCode = 1;
    },
  );
}

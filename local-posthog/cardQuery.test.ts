/**
 * The card's query (lib/card/query.ts) run on the local server against events written for this
 * test, where every answer is known by construction: out-of-order and orphan events, a tool with
 * no events, a tool with only failures, `$`-spelled properties, a person-property segment, LLM events.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildCardQuery, buildLatencyQuery, buildToolsSeenQuery, buildTriageQuery, periodForSplit } from '../lib/card/query';
import { toToolMetrics, toToolsSeen } from '../lib/card/metrics';
import { createPostHogClient, type PostHogClient } from '../lib/posthog/client';
import type { RangeKey } from '../lib/model/ranges';
import { DEFAULT_METRICS_OPTIONS, type MetricsOptions } from '../lib/settings/settings';
import { startLocalPostHog, type LocalPostHog } from './server';
import { buildRankingQuery, rankingRowsSchema, rankTools, toToolFigures } from '../lib/project/ranking';
import { captureBatch } from './test-helpers';

let ph: LocalPostHog;
let client: PostHogClient;
const now = Date.now();
const MIN = 60_000;
const at = (msAgo: number) => new Date(now - msAgo).toISOString();

type Ev = [event: string, distinctId: string, msAgo: number, properties: Record<string, unknown>];
const events: Ev[] = [];
function session(tool: string, id: string, distinctId: string, startAgo: number, steps: Array<[string, Record<string, unknown>?]>, spelling: '' | '$' = '') {
  steps.forEach(([event, props = {}], i) => {
    events.push([event, distinctId, startAgo - i * 1000, { [`${spelling}tool_name`]: tool, session_id: id, ...props }]);
  });
}

const VIEW = 'tool_viewed';
const UP = 'tool_upload_started';
const START = 'tool_processing_started';
const DONE = 'tool_processing_completed';
const FAIL = 'tool_processing_failed';
const DL = 'tool_result_downloaded';

// alpha, current period (last 30 minutes)
session('alpha', 's1', 'u1', 30 * MIN, [
  [VIEW, { $set: { platform: 'web', email: 'ada@example.com' }, is_authenticated: true }],
  [UP, { file_type: 'pdf', file_size: 1000 }],
  [START, { job_id: 'j1' }],
  [DONE, { job_id: 'j1', processing_duration_ms: 1000 }],
  [DL, { job_id: 'j1', download_format: 'txt' }],
]);
session('alpha', 's2', 'u2', 25 * MIN, [
  [VIEW, { $set: { platform: 'mobile' }, is_authenticated: false }],
  [UP, { file_type: 'pdf', file_size: 3000 }],
  [START, { job_id: 'j2' }],
  [FAIL, { job_id: 'j2', error_type: 'timeout', processing_duration_ms: 30_000 }],
]);
// out of order: the upload came before the view, so this session reaches only the first step
session('alpha', 's3', 'u3', 20 * MIN, [
  [UP, { file_type: 'png', file_size: 500 }],
  [VIEW],
  [START, { job_id: 'j3', from_cache: true }],
  [DONE, { job_id: 'j3', processing_duration_ms: 2000, from_cache: true }],
]);
// orphan: a completed job without any view is not in the funnel (its duration still counts)
session('alpha', 's4', 'u4', 15 * MIN, [[DONE, { job_id: 'j4', processing_duration_ms: 3000 }]]);
session('alpha', 's5', 'u5', 10 * MIN, [[VIEW]]);
events.push([
  '$ai_generation',
  'u1',
  29 * MIN,
  { tool_name: 'alpha', $ai_latency: 1.5, $ai_total_cost_usd: 0.01, $ai_input_tokens: 100, $ai_output_tokens: 10, $ai_is_error: false },
]);
events.push([
  '$ai_generation',
  'u2',
  24 * MIN,
  { tool_name: 'alpha', $ai_latency: 2.5, $ai_total_cost_usd: 0.02, $ai_input_tokens: 200, $ai_output_tokens: 20, $ai_is_error: true },
]);
// alpha, previous period (7d range: 7 days + 1 hour ago)
session('alpha', 's7', 'u7', 7 * 24 * 60 * MIN + 60 * MIN, [
  [VIEW],
  [UP],
  [START, { job_id: 'j7' }],
  [FAIL, { job_id: 'j7', error_type: 'ocr_failed', processing_duration_ms: 500 }],
]);
// beta: only failures
session('beta', 'b1', 'v1', 12 * MIN, [
  [VIEW],
  [UP],
  [START, { job_id: 'k1' }],
  [FAIL, { job_id: 'k1', error_type: 'internal_error', processing_duration_ms: 100 }],
]);
session('beta', 'b2', 'v2', 11 * MIN, [
  [VIEW],
  [UP],
  [START, { job_id: 'k2' }],
  [FAIL, { job_id: 'k2', error_type: 'internal_error', processing_duration_ms: 300 }],
]);
// gamma: `$`-spelled custom properties
session('gamma', 'g1', 'w1', 9 * MIN, [[VIEW], [UP], [START, { job_id: 'm1' }], [DONE, { job_id: 'm1', $processing_duration_ms: 4000 }], [DL]], '$');

// delta: 200 completed jobs of 1…200 ms now, 200 of 1001…1200 ms a week before: p95's interval is known by rank.
const JOB_GAP = 30_000;
for (let i = 1; i <= 200; i++) {
  events.push([DONE, `d${i}`, 20 * MIN + i * JOB_GAP, { tool_name: 'delta', job_id: `dn${i}`, processing_duration_ms: i }]);
  events.push([DONE, `d${i}`, 7 * 24 * 60 * MIN + 60 * MIN + i * 1000, { tool_name: 'delta', job_id: `dp${i}`, processing_duration_ms: 1000 + i }]);
}

const options = (extra: Partial<MetricsOptions> = {}): MetricsOptions => ({ ...DEFAULT_METRICS_OPTIONS, ...extra });

async function card(tool: string, range: RangeKey = '7d', opts = options()) {
  const input = { tool, range, options: opts };
  return toToolMetrics(await client.hogql(buildCardQuery(input)), input, new Date());
}

beforeAll(async () => {
  ph = await startLocalPostHog();
  client = createPostHogClient({ baseUrl: ph.url, projectId: String(ph.projectId), apiKey: ph.apiKey });
  await captureBatch(
    ph,
    events.map(([event, distinct_id, msAgo, properties]) => ({ event, distinct_id, timestamp: at(msAgo), properties })),
  );
});
afterAll(() => ph?.close());

describe('card query on known data', () => {
  it('counts funnel steps per session, in order: out-of-order and orphan events do not inflate later steps', async () => {
    const m = await card('alpha');
    expect(m.funnel.steps.map((s) => s.current)).toEqual([4, 2, 2, 1, 1]);
    expect(m.funnel.steps.map((s) => s.previous)).toEqual([1, 1, 1, 0, 0]);
  });

  it('computes exact p50/p95/p99/mean of completed jobs, failed jobs apart', async () => {
    const m = await card('alpha');
    // p95's interval: rank ⌊3·0.95 − 1.96·√(3·0.0475)⌋ = 2 below; above, 3 values cannot bound it.
    expect(m.latency.current).toEqual({ n: 3, p50Ms: 2000, p95Ms: 3000, p99Ms: 3000, meanMs: 2000, p95IntervalMs: [2000, null] });
    expect(m.latency.failed).toMatchObject({ n: 1, p50Ms: 30_000 });
    expect(m.latency.previous.n).toBe(0);
    expect(m.latency.spark.reduce((sum, s) => sum + s.n, 0)).toBe(3);
  });

  it("bounds p95 by order statistics: 200 values 1…200 ms give ranks 183 and 198 (Conover's large-sample rule)", async () => {
    const m = await card('delta');
    // 200·0.95 = 190 ∓ 1.96·√(200·0.95·0.05) = 6.04 → ranks ⌊183.96⌋ = 183 and ⌈196.04⌉ + 1 = 198; value = rank here.
    expect(m.latency.current).toMatchObject({ n: 200, p95Ms: 191, p95IntervalMs: [183, 198] });
    expect(m.latency.previous).toMatchObject({ n: 200, p95Ms: 1191, p95IntervalMs: [1183, 1198] });
  });

  it("compares after a moment (an annotation) with as long before it: delta's jobs of 1…200 ms split at 80¼ min ago", async () => {
    // Job i (value i ms) is 20 min + 30·i s old: after the split are i = 1…120, before it (as long again)
    // i = 121…200. The split is half a gap from either job, and the period runs to the server's now(),
    // which is later than this test's: a machine that takes up to 15 s to get there keeps the same jobs.
    const splitAt = now - (20 * MIN + 120 * JOB_GAP + JOB_GAP / 2);
    const periodSeconds = periodForSplit(splitAt, Date.now())!;
    const input = { tool: 'delta', range: '7d' as const, options: options(), periodSeconds, splitAt };
    const m = toToolMetrics(await client.hogql(buildCardQuery(input)), input, new Date());
    expect(m.jobs.current.completed).toBe(120);
    expect(m.jobs.previous.completed).toBe(80);
    expect(m.latency.current).toMatchObject({ n: 120, p50Ms: 61, p95Ms: 115 });
    expect(m.latency.previous).toMatchObject({ n: 80, p50Ms: 161 });
    expect(m.split).toEqual({ at: splitAt, seconds: periodSeconds });
    // Buckets are a twelfth of the period since the split.
    expect(m.latency.spark.reduce((n, b) => n + b.n, 0)).toBe(120);
  });

  it('counts jobs for the failure rate, cache hits and downloads, and errors vs the previous period', async () => {
    const m = await card('alpha');
    expect(m.jobs.current).toEqual({ views: 4, started: 3, completed: 3, failed: 1, cacheHits: 1, downloads: 1 });
    expect(m.jobs.previous).toMatchObject({ views: 1, started: 1, failed: 1, completed: 0 });
    expect(m.errors).toEqual([{ type: 'timeout', current: 1, previous: 0 }]);
  });

  it('breaks down sign-in, file types with mean size and download formats', async () => {
    const m = await card('alpha');
    expect(m.more.auth).toEqual([
      { label: 'anonymous', count: 3 },
      { label: 'authenticated', count: 1 },
    ]);
    expect(m.more.fileTypes).toEqual([
      { type: 'pdf', count: 2, meanBytes: 2000 },
      { type: 'png', count: 1, meanBytes: 500 },
    ]);
    expect(m.more.formats).toEqual([{ format: 'txt', count: 1 }]);
  });

  it('sums LLM generations of the tool', async () => {
    const m = await card('alpha');
    expect(m.llm).toMatchObject({ generations: 2, p95LatencyS: 2.5, errors: 1, inputTokens: 300, outputTokens: 30 });
    expect(m.llm?.costUsd).toBeCloseTo(0.03, 10);
    expect((await card('beta')).llm).toBeNull();
  });

  it('handles a tool with only failures, and raises health over the thresholds', async () => {
    const m = await card('beta', '1h', options({ thresholds: { failuresPerHour: 1, meanDurationSeconds: 60 } }));
    expect(m.funnel.steps.map((s) => s.current)).toEqual([2, 2, 2, 0, 0]);
    expect(m.latency.current.n).toBe(0);
    expect(m.latency.failed).toMatchObject({ n: 2, meanMs: 200 });
    expect(m.errors).toEqual([{ type: 'internal_error', current: 2, previous: 0 }]);
    expect(m.health).toMatchObject({ status: 'alert', failuresLastHour: 2 });
    expect((await card('alpha', '1h', options({ thresholds: { failuresPerHour: 1, meanDurationSeconds: 60 } }))).health.status).toBe('ok');
  });

  it('answers zeros for a tool with no events, and names the tools that have views', async () => {
    const m = await card('ghost');
    expect(m.funnel.steps.every((s) => s.current === 0 && s.previous === 0)).toBe(true);
    expect(m.latency.current.n).toBe(0);
    const seen = toToolsSeen(await client.hogql(buildToolsSeenQuery('7d', DEFAULT_METRICS_OPTIONS.schema)));
    expect(seen).toEqual([
      { tool: 'alpha', views: 4 },
      { tool: 'beta', views: 2 },
      { tool: 'gamma', views: 1 },
    ]);
  });

  it('reads `$`-spelled properties, and only that spelling when the schema says so', async () => {
    const m = await card('gamma');
    expect(m.funnel.steps.map((s) => s.current)).toEqual([1, 1, 1, 1, 1]);
    expect(m.latency.current).toMatchObject({ n: 1, p50Ms: 4000 });
    const plainOnly = { ...DEFAULT_METRICS_OPTIONS.schema, properties: { ...DEFAULT_METRICS_OPTIONS.schema.properties, tool_name: ['tool_name'] } };
    expect((await card('gamma', '7d', options({ schema: plainOnly }))).funnel.steps[0]!.current).toBe(0);
  });

  it('ranks the tools as worked out by hand from the events above', async () => {
    const response = await client.hogql(buildRankingQuery('7d', options()));
    // Only what the ranking shows comes back: no durations (a busy project's would be megabytes).
    expect(response.columns).toEqual(['tool', 'started', 'failed', 'viewers', 'downloaders', 'n', 'p95']);
    expect(response.results.flat().some((cell) => Array.isArray(cell))).toBe(false);
    const figures = toToolFigures(rankingRowsSchema.parse(response.results));
    const by = new Map(figures.map((f) => [f.tool, f]));
    // Each tool's figures are the card's own.
    expect(by.get('alpha')).toEqual({ tool: 'alpha', started: 3, failed: 1, viewers: 4, downloaders: 1, n: 3, p95Ms: 3000 });
    expect(by.get('beta')).toEqual({ tool: 'beta', started: 2, failed: 2, viewers: 2, downloaders: 0, n: 0, p95Ms: null });
    expect(by.get('gamma')).toEqual({ tool: 'gamma', started: 1, failed: 0, viewers: 1, downloaders: 1, n: 1, p95Ms: 4000 });
    expect(by.get('delta')).toMatchObject({ started: 0, viewers: 0, n: 200, p95Ms: 191 });
    const standing = new Map(rankTools(figures).map((s) => [s.tool, s]));
    // p95, slowest first: gamma 4 s, alpha 3 s, delta 191 ms (beta has no completed job).
    expect(['gamma', 'alpha', 'delta', 'beta'].map((t) => standing.get(t)!.p95)).toEqual([
      { position: 1, of: 3 },
      { position: 2, of: 3 },
      { position: 3, of: 3 },
      null,
    ]);
    // Failure rate, highest first: beta 2/2, alpha 1/3, gamma 0/1; the median is alpha's 1/3.
    expect(standing.get('beta')!.failureRate).toEqual({ position: 1, of: 3, timesMedian: 3 });
    expect(standing.get('alpha')!.failureRate).toEqual({ position: 2, of: 3, timesMedian: 1 });
    expect(standing.get('gamma')!.failureRate).toEqual({ position: 3, of: 3, timesMedian: 0 });
    expect(standing.get('delta')!.failureRate).toBeNull();
    // View → download, best first: gamma 1/1, alpha 1/4, beta 0/2.
    expect(['gamma', 'alpha', 'beta'].map((t) => standing.get(t)!.viewToDownload)).toEqual([
      { position: 1, of: 3 },
      { position: 2, of: 3 },
      { position: 3, of: 3 },
    ]);
  });

  it('applies a person-property segment to every figure', async () => {
    const m = await card('alpha', '7d', options({ segment: { kind: 'person', property: 'platform', value: 'web' } }));
    expect(m.funnel.steps.map((s) => s.current)).toEqual([1, 1, 1, 1, 1]);
    expect(m.latency.current).toMatchObject({ n: 1, p50Ms: 1000 });
    expect(m.jobs.current.failed).toBe(0);
    const mobile = await card('alpha', '7d', options({ segment: { kind: 'person', property: 'platform', value: 'mobile' } }));
    expect(mobile.errors).toEqual([{ type: 'timeout', current: 1, previous: 0 }]);
  });

  it('applies an event-property segment', async () => {
    const m = await card('alpha', '7d', options({ segment: { kind: 'event', property: 'file_type', value: 'pdf' } }));
    expect(m.jobs.current.views).toBe(0);
    expect(m.more.fileTypes).toEqual([{ type: 'pdf', count: 2, meanBytes: 2000 }]);
  });

  it('counts persons instead of sessions when asked', async () => {
    const m = await card('alpha', '7d', options({ funnelUnit: 'persons' }));
    expect(m.funnel.steps.map((s) => s.current)).toEqual([4, 2, 2, 1, 1]);
  });

  it('lists the slowest jobs and the latest failures for triage, and the latency link query runs', async () => {
    const input = { tool: 'alpha', range: '7d' as const, options: options() };
    const triage = await client.hogql(buildTriageQuery(input));
    const slow = triage.results.filter((r) => r[0] === 'slow').map((r) => [r[3], r[4]]);
    expect(slow).toEqual([
      ['j4', 3000],
      ['j3', 2000],
      ['j1', 1000],
    ]);
    expect(triage.results.filter((r) => r[0] === 'failure').map((r) => [r[3], r[7]])).toEqual([['j2', 'timeout']]);
    const latency = await client.hogql(buildLatencyQuery(input));
    expect(latency.results.reduce((sum, r) => sum + Number(r[1]), 0)).toBe(3);
  });
});

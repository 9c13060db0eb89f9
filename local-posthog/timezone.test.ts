/**
 * Projects in Asia/Kolkata (UTC+5:30) and America/Los_Angeles (UTC−8/−7): PostHog reads `timestamp`
 * in the project's time zone (posthog/hogql/transforms/property_types.py) and `toString(timestamp)`
 * gives the local wall time without an offset. Tool Lens must never read such a time as UTC: the
 * triage times, their "… ago", the sparkline's buckets and the last hour's health are checked here
 * against the instants the events were sent at.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatAgo } from '../lib/helpers/format';
import { servicesFor } from '../lib/testing/services';
import { memoryStore } from '../lib/storage/store';
import { DEFAULT_METRICS_OPTIONS, type SettingsState } from '../lib/settings/settings';
import { startLocalPostHog, type LocalPostHog } from './server';

let ph: LocalPostHog;
const now = Date.now();
const MIN = 60_000;
const TOOL = 'zoned-tool';
// minutes ago → what happened
const COMPLETED = [[10, 4_000], [130, 9_000], [300, 1_000]] as const;
const FAILED = [5, 70] as const;

beforeAll(async () => {
  ph = await startLocalPostHog({ timezone: 'Asia/Kolkata', projects: [{ id: 2, name: 'Los Angeles', timezone: 'America/Los_Angeles' }] });
  const events = [
    ...COMPLETED.map(([ago, ms], i) => ({ event: 'tool_processing_completed', distinct_id: `z${i}`, timestamp: new Date(now - ago * MIN).toISOString(), properties: { tool_name: TOOL, job_id: `done-${ago}`, processing_duration_ms: ms } })),
    ...FAILED.map((ago, i) => ({ event: 'tool_processing_failed', distinct_id: `f${i}`, timestamp: new Date(now - ago * MIN).toISOString(), properties: { tool_name: TOOL, job_id: `fail-${ago}`, error_type: 'timeout' } })),
  ];
  for (const project of ph.projects) {
    const res = await fetch(`${ph.url}/batch/`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ api_key: project.apiToken, batch: events }) });
    expect(res.status).toBe(200);
  }
});
afterAll(async () => {
  await ph?.close();
});

const service = (projectId: string) => {
  const state: SettingsState = { status: 'configured', settings: { host: 'custom', customHost: ph.url, projectId, apiKey: ph.apiKey, ...DEFAULT_METRICS_OPTIONS } };
  return servicesFor({ loadSettings: async () => state, store: memoryStore(), budget: { capacity: 100, refillPerHour: 100 } }).card;
};

describe.each([
  ['1', 'Asia/Kolkata'],
  ['2', 'America/Los_Angeles'],
])('a project in %s (%s)', (projectId) => {
  it('shows triage rows at the instants the events happened, and "… ago" from them', async () => {
    const answer = await service(projectId).getTriage(TOOL, '24h');
    expect(answer.ok).toBe(true);
    if (!answer.ok) return;
    expect(answer.triage.slowest.map((r) => [r.jobId, r.at])).toEqual(
      [...COMPLETED].sort((a, b) => b[1] - a[1]).map(([ago]) => [`done-${ago}`, new Date(now - ago * MIN).toISOString()]),
    );
    expect(answer.triage.failures.map((r) => r.at)).toEqual(FAILED.map((ago) => new Date(now - ago * MIN).toISOString()));
    expect(formatAgo(answer.triage.failures[0]!.at, now)).toBe('5 min ago');
    // The event link carries the event's instant, not a local wall time.
    expect(answer.triage.failures[0]!.eventUrl).toContain(encodeURIComponent(new Date(now - 5 * MIN).toISOString()));
  });

  it("puts each job in the sparkline bucket of its instant, and counts the last hour's failures", async () => {
    const answer = await service(projectId).getToolMetrics(TOOL, '24h');
    expect(answer.ok).toBe(true);
    if (!answer.ok) return;
    const bucket = (ago: number) => Math.floor((now - ago * MIN) / 1000 / 7200) * 7200;
    const expected = new Map<number, number>();
    for (const [ago] of COMPLETED) expected.set(bucket(ago), (expected.get(bucket(ago)) ?? 0) + 1);
    expect(new Map(answer.metrics.latency.spark.map((s) => [s.at, s.n]))).toEqual(expected);
    expect(answer.metrics.health).toMatchObject({ failuresLastHour: 1, completedLastHour: 1, meanDurationMsLastHour: 4_000 });
  });
});

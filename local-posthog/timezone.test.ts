/**
 * Projects in Asia/Kolkata (UTC+5:30) and America/Los_Angeles (UTC−8/−7): PostHog reads `timestamp`
 * in the project's time zone (posthog/hogql/transforms/property_types.py) and `toString(timestamp)`
 * gives the local wall time without an offset. Tool Lens must never read such a time as UTC: the
 * triage times, their "… ago", the sparkline's buckets and the last hour's health are checked here
 * against the instants the events were sent at. The daily p95 line counts the project's days, as
 * PostHog's `toStartOfDay(timestamp)` does, not UTC's.
 */
import { PostHog } from 'posthog-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildLatencyQuery } from '../lib/card/query';
import { createPostHogClient } from '../lib/posthog/client';
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
const COMPLETED = [
  [10, 4_000],
  [130, 9_000],
  [300, 1_000],
] as const;
const FAILED = [5, 70] as const;

beforeAll(async () => {
  ph = await startLocalPostHog({ timezone: 'Asia/Kolkata', projects: [{ id: 2, name: 'Los Angeles', timezone: 'America/Los_Angeles' }] });
  const events = [
    ...COMPLETED.map(([ago, ms], i) => ({
      event: 'tool_processing_completed',
      distinct_id: `z${i}`,
      timestamp: new Date(now - ago * MIN).toISOString(),
      properties: { tool_name: TOOL, job_id: `done-${ago}`, processing_duration_ms: ms },
    })),
    ...FAILED.map((ago, i) => ({
      event: 'tool_processing_failed',
      distinct_id: `f${i}`,
      timestamp: new Date(now - ago * MIN).toISOString(),
      properties: { tool_name: TOOL, job_id: `fail-${ago}`, error_type: 'timeout' },
    })),
  ];
  for (const project of ph.projects) {
    const res = await fetch(`${ph.url}/batch/`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ api_key: project.apiToken, batch: events }),
    });
    expect(res.status).toBe(200);
  }
});
afterAll(async () => {
  await ph?.close();
});

const service = (projectId: string) => {
  const state: SettingsState = {
    status: 'configured',
    settings: { host: 'custom', customHost: ph.url, projectId, apiKey: ph.apiKey, ...DEFAULT_METRICS_OPTIONS },
  };
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

/** The instant a day of `timeZone` starts, for the day `ms` falls in (Intl's reading of the zone, not ClickHouse's). */
function localMidnight(ms: number, timeZone: string): number {
  const parts = (at: number): [number, number, number, number, number, number] => {
    const p = Object.fromEntries(
      new Intl.DateTimeFormat('en-US', {
        timeZone,
        hourCycle: 'h23',
        year: 'numeric',
        month: '2-digit',
        day: '2-digit',
        hour: '2-digit',
        minute: '2-digit',
        second: '2-digit',
      })
        .formatToParts(at)
        .map((x) => [x.type, Number(x.value)]),
    );
    return [p.year!, p.month! - 1, p.day!, p.hour!, p.minute!, p.second!];
  };
  const offset = (at: number) => Date.UTC(...parts(at)) - Math.floor(at / 1000) * 1000;
  const [year, month, day] = parts(ms);
  let guess = Date.UTC(year, month, day);
  for (let i = 0; i < 2; i++) guess = Date.UTC(year, month, day) - offset(guess);
  return guess;
}

describe("the daily p95 line: the project's days, as PostHog's toStartOfDay(timestamp) counts them", () => {
  const DAILY = 'daily-tool';
  const UTC_DAY = 86_400_000;
  const today = Math.floor(now / UTC_DAY) * UTC_DAY;
  // Jobs at 02:00, 10:00 and 20:00 UTC on three recent days: in Kolkata 20:00 UTC is 01:30 the next day,
  // in Los Angeles 02:00 UTC is the evening before. Each duration says when its job ran.
  const jobs = [2, 3, 4].flatMap((daysAgo) =>
    [2, 10, 20].flatMap((hour) => [0, 1, 2].map((k) => ({ at: today - daysAgo * UTC_DAY + hour * 3_600_000 + k * MIN, ms: 1000 * daysAgo + 100 * hour + k }))),
  );

  beforeAll(async () => {
    for (const project of ph.projects) {
      const node = new PostHog(project.apiToken, { host: ph.url, flushAt: 100, flushInterval: 0 });
      jobs.forEach((job, i) =>
        node.capture({
          distinctId: `d${i}`,
          event: 'tool_processing_completed',
          timestamp: new Date(job.at),
          properties: { tool_name: DAILY, processing_duration_ms: job.ms },
        }),
      );
      await node.shutdown();
    }
  });

  describe.each([
    ['1', 'Asia/Kolkata'],
    ['2', 'America/Los_Angeles'],
  ])('a project in %s (%s)', (projectId, timeZone) => {
    it("draws one point a local day, with that day's exact p95, on the days PostHog's latency query counts", async () => {
      const answer = await service(projectId).getToolMetrics(DAILY, '7d');
      expect(answer.ok).toBe(true);
      if (!answer.ok) return;
      const byDay = new Map<number, number[]>();
      for (const job of jobs) byDay.set(localMidnight(job.at, timeZone), [...(byDay.get(localMidnight(job.at, timeZone)) ?? []), job.ms]);
      // quantileExact's rule: the value at ⌊0.95 n⌋ of the sorted durations.
      const expected = [...byDay.entries()]
        .sort(([a], [b]) => a - b)
        .map(([day, ms]) => ({ at: day / 1000, n: ms.length, p95Ms: [...ms].sort((a, b) => a - b)[Math.floor(0.95 * ms.length)] }));
      expect(answer.metrics.latency.spark).toEqual(expected);
      // Not UTC's days: a UTC day's three slots are split across two local days here.
      expect(expected.map((p) => p.n)).not.toEqual([9, 9, 9]);
      // The same days as the card's latency link, which PostHog groups by toStartOfDay(timestamp).
      const client = createPostHogClient({ baseUrl: ph.url, projectId, apiKey: ph.apiKey });
      const latency = await client.hogql(buildLatencyQuery({ tool: DAILY, range: '7d', options: DEFAULT_METRICS_OPTIONS }), { refresh: true });
      expect(latency.results.map(([day, count]) => [Date.parse(String(day)) / 1000, count])).toEqual(expected.map((p) => [p.at, p.n]));
    });
  });
});

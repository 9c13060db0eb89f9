import { describe, expect, it } from 'vitest';
import { evaluateHealth, toToolMetrics, toToolsSeen } from './cardMetrics';
import { PostHogError } from './posthogClient';
import { DEFAULT_METRICS_OPTIONS } from './settings';

const asOf = new Date('2026-11-25T10:00:00Z');
const input = { tool: 'pdf-to-text', range: '7d' as const, options: DEFAULT_METRICS_OPTIONS };
const row = (section: string, period: string, label: string, n: number, ...rest: Array<number | null>) => [section, period, label, n, ...[...rest, 0, 0, 0, 0, 0].slice(0, 5)];

describe('toToolMetrics', () => {
  it('maps every section, in any row order, filling steps nobody reached with 0', () => {
    const m = toToolMetrics(
      {
        results: [
          row('error', 'current', 'timeout', 3),
          row('funnel', 'current', '2', 60),
          row('funnel', 'current', '1', 100),
          row('funnel', 'previous', '1', 80),
          row('latency', 'current', '', 42, 1200, 5300.5, 9100, 2000),
          row('latency', 'previous', '', 10, 1000, 4000, 8000, 1500),
          row('failed_latency', 'current', '', 5, 300, 900, 950, 400),
          row('jobs', 'current', '', 50, 42, 5, 10, 20, 100),
          row('error', 'current', 'ocr_failed', 7),
          row('error', 'previous', 'ocr_failed', 2),
          row('error', 'previous', 'gone', 4),
          row('spark', 'current', '1764028800', 20, 5000),
          row('spark', 'current', '1763942400', 22, 5600),
          row('auth', 'current', 'anonymous', 70),
          row('auth', 'current', 'authenticated', 30),
          row('file_type', 'current', 'pdf', 60, 900_000),
          row('format', 'current', 'txt', 15),
          row('llm', 'current', '', 0, null, null, 0, null, null),
          row('health', 'current', '', 12, 2000, 9),
        ],
        last_refresh: '2026-11-25T09:59:00Z',
      },
      input,
      asOf,
    );
    expect(m.funnel.steps.map((s) => [s.current, s.previous])).toEqual([[100, 80], [60, 0], [0, 0], [0, 0], [0, 0]]);
    expect(m.funnel).toMatchObject({ unit: 'sessions', windowHours: 24 });
    expect(m.latency.current).toEqual({ n: 42, p50Ms: 1200, p95Ms: 5300.5, p99Ms: 9100, meanMs: 2000 });
    expect(m.latency.failed).toMatchObject({ n: 5, p50Ms: 300 });
    expect(m.latency.spark.map((s) => s.at)).toEqual([1763942400, 1764028800]);
    expect(m.jobs.current).toEqual({ started: 50, completed: 42, failed: 5, cacheHits: 10, downloads: 20, views: 100 });
    expect(m.jobs.previous.started).toBe(0);
    // Types that did not occur in this range are left out; the previous count travels along.
    expect(m.errors).toEqual([
      { type: 'ocr_failed', current: 7, previous: 2 },
      { type: 'timeout', current: 3, previous: 0 },
    ]);
    expect(m.more.auth[0]).toEqual({ label: 'anonymous', count: 70 });
    expect(m.llm).toBeNull();
    expect(m.health).toMatchObject({ failuresLastHour: 12, completedLastHour: 9, status: 'alert' });
    expect(m.asOf).toBe('2026-11-25T09:59:00.000Z');
  });

  it('treats no completed jobs as no latency, whatever the quantiles say', () => {
    const m = toToolMetrics({ results: [row('latency', 'current', '', 0, null, null, null, null)] }, input, asOf);
    expect(m.latency.current).toEqual({ n: 0, p50Ms: null, p95Ms: null, p99Ms: null, meanMs: null });
    expect(m.asOf).toBe(asOf.toISOString());
  });

  it('rejects rows of the wrong shape, naming the field', () => {
    const bad = () => toToolMetrics({ results: [['funnel', 'current', '1', 'many', 0, 0, 0, 0, 0]] }, input, asOf);
    expect(bad).toThrow(PostHogError);
    expect(bad).toThrow(/unexpected shape: 0\.3/);
    expect(() => toToolMetrics({ results: [['surprise', 'current', '', 1, 0, 0, 0, 0, 0]] }, input, asOf)).toThrow(/0\.0/);
    expect(() => toToolsSeen({ results: [[1, 'x']] })).toThrow(/0\.0/);
  });
});

describe('evaluateHealth (seed 000 alert rules)', () => {
  const thresholds = { failuresPerHour: 10, meanDurationSeconds: 60 };
  it('alerts above, not at, each threshold and says why', () => {
    expect(evaluateHealth({ failures: 10, completed: 5, meanMs: 60_000 }, thresholds)).toMatchObject({ status: 'ok', reasons: [] });
    const over = evaluateHealth({ failures: 11, completed: 5, meanMs: 61_000 }, thresholds);
    expect(over.status).toBe('alert');
    expect(over.reasons).toEqual([expect.stringContaining('11 failures'), expect.stringContaining('61.0 s')]);
  });
  it('ignores a mean with no completed jobs', () => {
    expect(evaluateHealth({ failures: 0, completed: 0, meanMs: null }, thresholds)).toMatchObject({ status: 'ok', meanDurationMsLastHour: null });
  });
});

import { describe, expect, it } from 'vitest';
import { evaluateHealth, toToolMetrics, toToolsSeen } from './metrics';
import { PostHogError } from '../posthog/client';
import { DEFAULT_METRICS_OPTIONS } from '../settings/settings';
import { errorRow, fileTypeRow, formatRow, funnelRow, sparkRow, totalsRow } from '../testing/cardRows';

const asOf = new Date('2026-11-25T10:00:00Z');
const input = { tool: 'pdf-to-text', range: '7d' as const, options: DEFAULT_METRICS_OPTIONS };
const E = DEFAULT_METRICS_OPTIONS.schema.events;

describe('toToolMetrics', () => {
  it('maps every section, in any row order, filling steps nobody reached with 0', () => {
    const m = toToolMetrics(
      {
        results: [
          errorRow('timeout', 3, 3),
          funnelRow('current', 2, 60),
          funnelRow('current', 1, 40),
          funnelRow('previous', 1, 80),
          funnelRow('current', 0, 12), // sessions that reached no step
          totalsRow('current', E.processingCompleted, {
            all: 43,
            untilNow: 42,
            cacheHits: 10,
            n: 42,
            sum: 84_000,
            p50: 1200,
            p95: 5300.5,
            p99: 9100,
            p95Low: 4100,
            p95High: 9999,
            lastHour: 9,
            nLastHour: 9,
            sumLastHour: 18_000,
          }),
          totalsRow('previous', E.processingCompleted, { untilNow: 10, n: 10, sum: 15_000, p50: 1000, p95: 4000, p99: 8000 }),
          totalsRow('current', E.processingFailed, { untilNow: 5, n: 5, sum: 2000, p50: 300, p95: 900, p99: 950, lastHour: 12 }),
          totalsRow('current', E.processingStarted, { untilNow: 50 }),
          totalsRow('current', E.resultDownloaded, { untilNow: 20 }),
          totalsRow('current', E.viewed, { all: 100, untilNow: 100, authenticated: 30 }),
          errorRow('ocr_failed', 7, 9),
          errorRow('gone', 0, 4),
          sparkRow(1764028800, 20, 5000),
          sparkRow(1763942400, 22, 5600),
          fileTypeRow('pdf', 60, 900_000),
          formatRow('txt', 15),
        ],
        last_refresh: '2026-11-25T09:59:00Z',
      },
      input,
      asOf,
    );
    expect(m.funnel.steps.map((s) => [s.current, s.previous])).toEqual([
      [100, 80],
      [60, 0],
      [0, 0],
      [0, 0],
      [0, 0],
    ]);
    expect(m.funnel).toMatchObject({ unit: 'sessions', windowHours: 24 });
    // p95's interval: 42 values bound it below (rank 37) but not above (rank 44 > 42): what was read there is dropped.
    expect(m.latency.current).toEqual({ n: 42, p50Ms: 1200, p95Ms: 5300.5, p99Ms: 9100, meanMs: 2000, p95IntervalMs: [4100, null] });
    expect(m.latency.previous).toEqual({ n: 10, p50Ms: 1000, p95Ms: 4000, p99Ms: 8000, meanMs: 1500, p95IntervalMs: [null, null] });
    expect(m.latency.failed).toMatchObject({ n: 5, p50Ms: 300, meanMs: 400 });
    expect(m.latency.spark.map((s) => s.at)).toEqual([1763942400, 1764028800]);
    expect(m.jobs.current).toEqual({ started: 50, completed: 42, failed: 5, cacheHits: 10, downloads: 20, views: 100 });
    expect(m.jobs.previous.started).toBe(0);
    // Types that did not occur in this range are left out; the previous count travels along.
    expect(m.errors).toEqual([
      { type: 'ocr_failed', current: 7, previous: 2 },
      { type: 'timeout', current: 3, previous: 0 },
    ]);
    expect(m.more.auth).toEqual([
      { label: 'anonymous', count: 70 },
      { label: 'authenticated', count: 30 },
    ]);
    expect(m.more.fileTypes).toEqual([{ type: 'pdf', count: 60, meanBytes: 900_000 }]);
    expect(m.llm).toBeNull();
    expect(m.health).toMatchObject({ failuresLastHour: 12, completedLastHour: 9, meanDurationMsLastHour: 2000, status: 'alert' });
    expect(m.asOf).toBe('2026-11-25T09:59:00.000Z');
  });

  it('treats no completed jobs as no latency, whatever the percentiles say', () => {
    const m = toToolMetrics({ results: [totalsRow('current', E.processingCompleted, { n: 0, p50: 5, p95: 5, p99: 5 })] }, input, asOf);
    expect(m.latency.current).toEqual({ n: 0, p50Ms: null, p95Ms: null, p99Ms: null, meanMs: null });
    expect(m.asOf).toBe(asOf.toISOString());
  });

  it('shows the LLM section only for a tool with generations, from their current totals', () => {
    const m = toToolMetrics(
      { results: [totalsRow('current', E.aiGeneration, { all: 2, untilNow: 2, errors: 1, n: 2, p95: 2.5, cost: 0.03, inputTokens: 300, outputTokens: 30 })] },
      input,
      asOf,
    );
    expect(m.llm).toEqual({ generations: 2, p95LatencyS: 2.5, costUsd: 0.03, errors: 1, inputTokens: 300, outputTokens: 30 });
  });

  it('decodes labels PostHog returns JSON-escaped, and keeps event names as they are', () => {
    const m = toToolMetrics({ results: [errorRow('<b class=\\"x\\">', 2, 2), fileTypeRow('a\\\\b', 1, null)] }, input, asOf);
    expect(m.errors).toEqual([{ type: '<b class="x">', current: 2, previous: 0 }]);
    expect(m.more.fileTypes[0]?.type).toBe('a\\b');
  });

  it('rejects rows of the wrong shape, naming the field', () => {
    const bad = () => toToolMetrics({ results: [['funnel', 'current', ['many']]] }, input, asOf);
    expect(bad).toThrow(PostHogError);
    expect(bad).toThrow(/unexpected shape: 0\.2\.0/);
    expect(() => toToolMetrics({ results: [['surprise', 'current', []]] }, input, asOf)).toThrow(/0\.0/);
    // A count that is not a whole number is not a count.
    expect(() => toToolMetrics({ results: [['current', 'tool_viewed', [1.5]]] }, input, asOf)).toThrow(/whole numbers/);
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

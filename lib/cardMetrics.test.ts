import { describe, expect, it } from 'vitest';
import { toToolMetrics } from './cardMetrics';
import { PostHogError } from './posthogClient';

const asOf = new Date('2026-11-25T10:00:00Z');

describe('toToolMetrics', () => {
  it('maps funnel, latency and error rows, filling steps nobody reached with 0', () => {
    const metrics = toToolMetrics(
      {
        results: [
          ['funnel', '1', 100, 0, 0, 0],
          ['funnel', '2', 60, 0, 0, 0],
          ['funnel', '3', 50, 0, 0, 0],
          ['latency', '', 42, 1200, 5300.5, 9100],
          ['error', 'timeout', 3, 0, 0, 0],
          ['error', 'ocr_failed', 7, 0, 0, 0],
        ],
        last_refresh: '2026-11-25T09:59:00Z',
      },
      'pdf-to-text',
      '7d',
      asOf,
    );
    expect(metrics.funnel.map((s) => s.sessions)).toEqual([100, 60, 50, 0, 0]);
    expect(metrics.funnel[0]!.label).toBe('Viewed');
    expect(metrics.latency).toEqual({ n: 42, p50Ms: 1200, p95Ms: 5300.5, p99Ms: 9100 });
    expect(metrics.errors).toEqual([
      { type: 'ocr_failed', count: 7 },
      { type: 'timeout', count: 3 },
    ]);
    expect(metrics.asOf).toBe('2026-11-25T09:59:00.000Z');
  });

  it('treats no completed jobs as no latency, whatever the quantiles say', () => {
    const metrics = toToolMetrics({ results: [['latency', '', 0, null, null, null]] }, 't', '1h', asOf);
    expect(metrics.latency).toEqual({ n: 0, p50Ms: null, p95Ms: null, p99Ms: null });
    expect(metrics.funnel.every((s) => s.sessions === 0)).toBe(true);
    expect(metrics.asOf).toBe(asOf.toISOString());
  });

  it('rejects rows of the wrong shape, naming the field', () => {
    const bad = () => toToolMetrics({ results: [['funnel', '1', 'many', 0, 0, 0]] }, 't', '7d', asOf);
    expect(bad).toThrow(PostHogError);
    expect(bad).toThrow(/unexpected shape: 0\.2/);
    expect(() => toToolMetrics({ results: [['surprise', '', 1, 0, 0, 0]] }, 't', '7d', asOf)).toThrow(/0\.0/);
  });
});

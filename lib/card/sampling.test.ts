import { describe, expect, it } from 'vitest';
import { estimateEvents, SAMPLE_ABOVE_EVENTS, sampleFactorFor, scaleSample } from './sampling';
import { rateDelta, countDelta } from './compare';
import type { ToolMetrics } from '../model/figures';

describe('sampling a huge tool', () => {
  it('is exact at or below the threshold and when nothing is known; else a round factor aiming at the target', () => {
    expect(sampleFactorFor(null)).toBe(1);
    expect(sampleFactorFor(SAMPLE_ABOVE_EVENTS)).toBe(1);
    expect(sampleFactorFor(2_500_000)).toBe(5); // 2.5 M / 0.5 M wanted → 5
    expect(sampleFactorFor(2_600_000)).toBe(10); // 5.2 → the next round factor up
    expect(sampleFactorFor(13_000_000)).toBe(50); // the scale bench's tool on 100 M events: 26 → 50
    expect(sampleFactorFor(47_000_000)).toBe(100);
    expect(sampleFactorFor(5e12)).toBe(1000);
  });

  it('estimates the look-back from the longest earlier answer, as events per second', () => {
    expect(estimateEvents([], 100)).toBeNull();
    const answers = [
      { events: 100, range: '1h' as const, lookbackSeconds: 7_200 },
      { events: 14_000, range: '7d' as const, lookbackSeconds: 1_209_600 },
      { events: undefined, range: '30d' as const, lookbackSeconds: 5_184_000 },
    ];
    expect(estimateEvents(answers, 2 * 1_209_600)).toBe(28_000);
  });

  it('scales counts by the factor, keeps rates and durations, and the tests use the sample again', () => {
    const m = {
      funnel: { unit: 'sessions', windowHours: 24, steps: [{ label: 'Viewed', current: 40, previous: 50 }] },
      latency: {
        current: { n: 30, p50Ms: 10, p95Ms: 20, p99Ms: 30, meanMs: 12 },
        previous: { n: 3, p50Ms: 1, p95Ms: 2, p99Ms: 3, meanMs: 1 },
        failed: { n: 0, p50Ms: null, p95Ms: null, p99Ms: null, meanMs: null },
        spark: [{ at: 0, n: 5, p95Ms: 9 }],
      },
      jobs: {
        current: { views: 40, started: 30, completed: 25, failed: 5, cacheHits: 2, downloads: 10 },
        previous: { views: 50, started: 40, completed: 38, failed: 2, cacheHits: 1, downloads: 20 },
      },
      errors: [{ type: 'timeout', current: 5, previous: 2 }],
      more: { auth: [{ label: 'anonymous', count: 4 }], fileTypes: [{ type: 'pdf', count: 3, meanBytes: 100 }], formats: [] },
      llm: { generations: 2, p95LatencyS: 1, costUsd: 0.5, errors: 0, inputTokens: 10, outputTokens: 5 },
      events: 123,
    } as unknown as ToolMetrics;
    const s = scaleSample(m, 10);
    expect(s.sample).toEqual({ factor: 10, events: 1230 });
    expect(s.jobs.current).toEqual({ views: 400, started: 300, completed: 250, failed: 50, cacheHits: 20, downloads: 100 });
    expect(s.latency.current).toMatchObject({ n: 300, p95Ms: 20, meanMs: 12 });
    expect(s.errors[0]).toEqual({ type: 'timeout', current: 50, previous: 20 });
    expect(s.llm).toMatchObject({ generations: 20, costUsd: 5, inputTokens: 100 });
    expect(scaleSample(m, 1)).toBe(m);
    // The change's test on the scaled counts with the factor is the test on the sample's own counts.
    expect(rateDelta(50, 300, 20, 400, 'lower', 10)).toEqual(rateDelta(5, 30, 2, 40, 'lower'));
    expect(countDelta(50, 20, 10)).toEqual(countDelta(5, 2));
    // Without the factor, ten times the counts would look far more certain than the sample is.
    expect(countDelta(50, 20).significant).toBe(true);
    expect(countDelta(50, 20, 10).significant).toBe(false);
  });
});

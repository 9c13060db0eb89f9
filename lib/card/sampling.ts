/**
 * When a tool is huge, the card reads a sample of its users: HogQL `SAMPLE 1/N` on events, which
 * PostHog's events table takes by person (SAMPLE BY cityHash64(distinct_id), posthog/models/event/sql.py),
 * so each sampled user's sessions stay whole and the funnel still follows them. ClickHouse then reads
 * about 1/N of each (day, event) range's granules (the sampling key follows them in its sort key), so the
 * cost shrinks with N, down to a floor: each range of each part costs at least the granule at its edge.
 * Below the threshold every figure is exact, as before.
 */
import type { ToolMetrics } from '../model/figures';

/** Over this many of the tool's events in the look-back (the range and the period before it), the card samples. */
export const SAMPLE_ABOVE_EVENTS = 2_000_000;
/**
 * A sample aims at about this many events (the look-back's: the range and the period before it). The
 * factors are round, so a sample holds 200–500 k of the tool's events, half of them in the range: enough
 * for every figure's test to have power, thousands of timed jobs for the p99. Measured on 100 M events
 * (bench/scale.ts), 1 M took the 1-in-20 sample to PostHog's 10 s ceiling; half of that is 1 in 50, a
 * fifth fewer rows read, and past it the edge granules are most of what is read.
 */
export const SAMPLE_TARGET_EVENTS = 500_000;
/** Factors a sample may have: round numbers, so "1 in N users" reads well. */
export const SAMPLE_FACTORS = [2, 5, 10, 20, 50, 100, 200, 500, 1000] as const;

export interface SamplingRule {
  aboveEvents: number;
  targetEvents: number;
}
export const SAMPLING: SamplingRule = { aboveEvents: SAMPLE_ABOVE_EVENTS, targetEvents: SAMPLE_TARGET_EVENTS };

/** The sample factor for a tool with about `events` in the look-back: 1 (all data) at or below the threshold, or when not known. */
export function sampleFactorFor(events: number | null, rule: SamplingRule = SAMPLING): number {
  if (events === null || !Number.isFinite(events) || events <= rule.aboveEvents) return 1;
  const wanted = events / rule.targetEvents;
  return SAMPLE_FACTORS.find((f) => f >= wanted) ?? SAMPLE_FACTORS[SAMPLE_FACTORS.length - 1]!;
}

/**
 * The tool's events in a look-back of `lookbackSeconds`, from an earlier answer for the same tool (any
 * range: events per second of its own look-back); null when none is known.
 */
export function estimateEvents(
  previous: Array<Pick<ToolMetrics, 'events' | 'range' | 'split'> & { lookbackSeconds: number }>,
  lookbackSeconds: number,
): number | null {
  const known = previous.filter((m) => m.events !== undefined && m.lookbackSeconds > 0);
  if (!known.length) return null;
  // The longest look-back is the steadiest rate.
  const best = known.reduce((a, b) => (b.lookbackSeconds > a.lookbackSeconds ? b : a));
  return (best.events! / best.lookbackSeconds) * lookbackSeconds;
}

/**
 * The figures of a 1-in-`factor` sample as estimates for everyone: every count times the factor; rates,
 * durations and their intervals stay as the sample gave them (the tests of change divide the counts back:
 * lib/card/compare.ts). Health is judged on the estimates by toToolMetrics, which calls this.
 */
export function scaleSample(metrics: ToolMetrics, factor: number): ToolMetrics {
  if (factor <= 1) return metrics;
  const x = (n: number) => n * factor;
  const jobs = (j: ToolMetrics['jobs']['current']) => ({
    views: x(j.views),
    started: x(j.started),
    completed: x(j.completed),
    failed: x(j.failed),
    cacheHits: x(j.cacheHits),
    downloads: x(j.downloads),
  });
  const q = (quantiles: ToolMetrics['latency']['current']) => ({ ...quantiles, n: x(quantiles.n) });
  const events = metrics.events ?? 0;
  return {
    ...metrics,
    funnel: { ...metrics.funnel, steps: metrics.funnel.steps.map((s) => ({ ...s, current: x(s.current), previous: x(s.previous) })) },
    latency: {
      current: q(metrics.latency.current),
      previous: q(metrics.latency.previous),
      failed: q(metrics.latency.failed),
      spark: metrics.latency.spark.map((p) => ({ ...p, n: x(p.n) })),
    },
    jobs: { current: jobs(metrics.jobs.current), previous: jobs(metrics.jobs.previous) },
    errors: metrics.errors.map((e) => ({ ...e, current: x(e.current), previous: x(e.previous) })),
    more: {
      auth: metrics.more.auth.map((a) => ({ ...a, count: x(a.count) })),
      fileTypes: metrics.more.fileTypes.map((f) => ({ ...f, count: x(f.count) })),
      formats: metrics.more.formats.map((f) => ({ ...f, count: x(f.count) })),
    },
    llm: metrics.llm && {
      ...metrics.llm,
      generations: x(metrics.llm.generations),
      errors: x(metrics.llm.errors),
      costUsd: metrics.llm.costUsd * factor,
      inputTokens: metrics.llm.inputTokens * factor,
      outputTokens: metrics.llm.outputTokens * factor,
    },
    sample: { factor, events: x(events) },
    events: x(events),
  };
}

/**
 * A tool's figures as the card shows them: the funnel, latency with its intervals, jobs, errors,
 * health, the sample they come from; the card's links and triage; the computing state of a long query.
 */
import * as z from 'zod/mini';
import type { RangeKey } from './ranges';
import { count, maybeNumber } from './checks';

export const rangeSchema = z.enum(['1h', '24h', '7d', '30d']);
// Compile-time guard: the schema and RANGES list the same keys.
const sameRanges: [RangeKey, z.infer<typeof rangeSchema>] extends [z.infer<typeof rangeSchema>, RangeKey] ? true : never = true;
void sameRanges;

const quantilesSchema = z.object({
  n: count(),
  p50Ms: maybeNumber(),
  p95Ms: maybeNumber(),
  p99Ms: maybeNumber(),
  meanMs: maybeNumber(),
  /** The distribution-free 95 % interval of p95 (lib/stats/intervals.ts); a side null when the sample cannot bound it. */
  p95IntervalMs: z.optional(z.tuple([maybeNumber(), maybeNumber()])),
});
export type Quantiles = z.infer<typeof quantilesSchema>;
const jobsSchema = z.object({ views: count(), started: count(), completed: count(), failed: count(), cacheHits: count(), downloads: count() });
export type JobCounts = z.infer<typeof jobsSchema>;

export const healthSchema = z.object({
  failuresLastHour: count(),
  completedLastHour: count(),
  meanDurationMsLastHour: maybeNumber(),
  status: z.enum(['ok', 'alert']),
  reasons: z.array(z.string()),
});
export type Health = z.infer<typeof healthSchema>;

export const toolMetricsSchema = z.object({
  tool: z.string(),
  range: rangeSchema,
  asOf: z.string(),
  segment: z.nullable(
    z.object({
      kind: z.enum(['event', 'person', 'group']),
      property: z.string(),
      value: z.string(),
      groupIndex: z.optional(z.number()),
      groupType: z.optional(z.string()),
    }),
  ),
  /** Set when the periods compared are after and before a split point (an annotation, epoch ms), not the range and the one before. */
  split: z.optional(z.object({ at: z.number(), seconds: z.number() })),
  funnel: z.object({
    unit: z.enum(['sessions', 'persons']),
    windowHours: z.number(),
    steps: z.array(z.object({ label: z.string(), current: count(), previous: count() })),
  }),
  latency: z.object({
    current: quantilesSchema,
    previous: quantilesSchema,
    failed: quantilesSchema,
    spark: z.array(z.object({ at: z.number(), n: count(), p95Ms: maybeNumber() })),
  }),
  jobs: z.object({ current: jobsSchema, previous: jobsSchema }),
  errors: z.array(z.object({ type: z.string(), current: count(), previous: count() })),
  more: z.object({
    auth: z.array(z.object({ label: z.string(), count: count() })),
    fileTypes: z.array(z.object({ type: z.string(), count: count(), meanBytes: maybeNumber() })),
    formats: z.array(z.object({ format: z.string(), count: count() })),
  }),
  llm: z.nullable(
    z.object({
      generations: count(),
      p95LatencyS: maybeNumber(),
      costUsd: z.number(),
      errors: count(),
      inputTokens: z.number(),
      outputTokens: z.number(),
    }),
  ),
  health: healthSchema,
  /**
   * Set when the figures come from a sample of users (HogQL SAMPLE 1/factor, by person): counts are
   * the sample's times `factor` (estimates), the tests of change use the sample's own counts.
   */
  sample: z.optional(z.object({ factor: z.int().check(z.minimum(2)), events: count() })),
  /** The tool's events the query read (times the sample factor): what the next card's sampling is decided by. */
  events: z.optional(count()),
  /** Only when this tool had no views: the tools that did, to suggest a fix. */
  toolsSeen: z.nullable(z.array(z.object({ tool: z.string(), views: count() }))),
});
export type ToolMetrics = z.infer<typeof toolMetricsSchema>;

export const cardLinksSchema = z.object({
  project: z.string(),
  /** Which project the figures are of: a site may name its own (staging, production). */
  projectId: z.optional(z.string()),
  funnel: z.string(),
  latencySql: z.string(),
  errors: z.string(),
  replays: z.string(),
});
export type CardLinks = z.infer<typeof cardLinksSchema>;

const triageRow = z.object({
  jobId: z.nullable(z.string()),
  durationMs: maybeNumber(),
  at: z.string(),
  detail: z.nullable(z.string()),
  eventUrl: z.string(),
  replayUrl: z.nullable(z.string()),
});
export const triageSchema = z.object({ slowest: z.array(triageRow), failures: z.array(triageRow) });
export type Triage = z.infer<typeof triageSchema>;
export type TriageRow = z.infer<typeof triageRow>;
/**
 * PostHog is computing new figures as an async query (too long for a blocking request): since when,
 * its progress where it gives one, and when to ask again — each ask tells the worker a card still
 * wants them; when none asks for a while, the query is cancelled.
 */
export const computingSchema = z.object({
  since: z.number(),
  rowsRead: z.nullable(count()),
  rowsTotal: z.nullable(count()),
  askAgainInMs: z.number().check(z.minimum(100), z.maximum(60_000)),
});
export type Computing = z.infer<typeof computingSchema>;

/** A change vs the previous period and its test (lib/card/compare.ts): the arrow only when `significant`; `detail` says the interval. */
const testedChangeSchema = z.object({
  text: z.string(),
  direction: z.enum(['up', 'down', 'flat']),
  verdict: z.enum(['better', 'worse', 'neutral']),
  lowSample: z.boolean(),
  significant: z.boolean(),
  detail: z.string(),
});
/**
 * The tests of change behind the card's deltas, run by the worker with the figures (lib/card/compare.ts
 * testChanges): they are the heaviest arithmetic the card would otherwise run in every tool page.
 * `errors` follows `metrics.errors`, one test per error type.
 */
export const changeTestsSchema = z.object({
  conversion: z.nullable(testedChangeSchema),
  p95: z.nullable(testedChangeSchema),
  failureRate: z.nullable(testedChangeSchema),
  errors: z.array(z.object({ type: z.string(), significant: z.boolean(), detail: z.string() })),
});
export type ChangeTests = z.infer<typeof changeTestsSchema>;

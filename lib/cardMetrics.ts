/** Turns the card query's rows into the figures the card shows. Pure. */
import { z } from 'zod';
import { FUNNEL_STEPS } from './schema';
import type { RangeKey } from './ranges';
import type { Health, JobCounts, Quantiles, ToolMetrics } from './messages';
import { describeZodError, PostHogError, type HogQLResponse } from './posthogClient';
import type { MetricsOptions } from './settings';
import { TOP_ERROR_TYPES } from './cardQuery';

// ClickHouse writes NaN (a quantile or mean of nothing) as null in JSON.
const maybeNumber = z.number().nullable();
const cardRowSchema = z.tuple([
  z.enum(['jobs', 'latency', 'failed_latency', 'funnel', 'error', 'spark', 'auth', 'file_type', 'format', 'llm', 'health']),
  z.enum(['current', 'previous']),
  z.string(),
  z.number().int().nonnegative(),
  maybeNumber,
  maybeNumber,
  maybeNumber,
  maybeNumber,
  maybeNumber,
]);
const cardRowsSchema = z.array(cardRowSchema);
type Period = 'current' | 'previous';

const NO_QUANTILES: Quantiles = { n: 0, p50Ms: null, p95Ms: null, p99Ms: null, meanMs: null };
const NO_JOBS: JobCounts = { views: 0, started: 0, completed: 0, failed: 0, cacheHits: 0, downloads: 0 };
const int = (x: number | null) => Math.max(0, Math.round(x ?? 0));

export function evaluateHealth(
  lastHour: { failures: number; completed: number; meanMs: number | null },
  thresholds: MetricsOptions['thresholds'],
): Health {
  const reasons: string[] = [];
  if (lastHour.failures > thresholds.failuresPerHour) reasons.push(`${lastHour.failures} failures in the last hour (alert above ${thresholds.failuresPerHour})`);
  if (lastHour.completed > 0 && lastHour.meanMs !== null && lastHour.meanMs > thresholds.meanDurationSeconds * 1000) {
    reasons.push(`mean processing time ${(lastHour.meanMs / 1000).toFixed(1)} s in the last hour (alert above ${thresholds.meanDurationSeconds} s)`);
  }
  return {
    failuresLastHour: lastHour.failures,
    completedLastHour: lastHour.completed,
    meanDurationMsLastHour: lastHour.completed > 0 ? lastHour.meanMs : null,
    status: reasons.length ? 'alert' : 'ok',
    reasons,
  };
}

export function toToolMetrics(
  response: HogQLResponse,
  input: { tool: string; range: RangeKey; options: Pick<MetricsOptions, 'funnelUnit' | 'funnelWindowHours' | 'segment' | 'thresholds'> },
  asOf: Date,
): ToolMetrics {
  const parsed = cardRowsSchema.safeParse(response.results);
  if (!parsed.success) throw new PostHogError('bad_response', describeZodError(parsed.error).replace('the response', 'results'));

  const steps = { current: new Array<number>(FUNNEL_STEPS.length).fill(0), previous: new Array<number>(FUNNEL_STEPS.length).fill(0) };
  const jobs: Record<Period, JobCounts> = { current: NO_JOBS, previous: NO_JOBS };
  const latency: Record<Period | 'failed', Quantiles> = { current: NO_QUANTILES, previous: NO_QUANTILES, failed: NO_QUANTILES };
  const errors = new Map<string, { current: number; previous: number }>();
  const spark: ToolMetrics['latency']['spark'] = [];
  const more: ToolMetrics['more'] = { auth: [], fileTypes: [], formats: [] };
  let llm: ToolMetrics['llm'] = null;
  let lastHour = { failures: 0, completed: 0, meanMs: null as number | null };

  for (const [section, period, label, n, a, b, c, d, e] of parsed.data) {
    switch (section) {
      case 'jobs':
        jobs[period] = { started: n, completed: int(a), failed: int(b), cacheHits: int(c), downloads: int(d), views: int(e) };
        break;
      case 'latency':
      case 'failed_latency': {
        const key = section === 'failed_latency' ? (period === 'current' ? 'failed' : null) : period;
        if (key) latency[key] = n === 0 ? NO_QUANTILES : { n, p50Ms: a, p95Ms: b, p99Ms: c, meanMs: d };
        break;
      }
      case 'funnel': {
        const step = Number(label);
        if (Number.isInteger(step) && step >= 1 && step <= FUNNEL_STEPS.length) steps[period][step - 1] = n;
        break;
      }
      case 'error': {
        const entry = errors.get(label) ?? { current: 0, previous: 0 };
        entry[period] += n;
        errors.set(label, entry);
        break;
      }
      case 'spark':
        spark.push({ at: Number(label), n, p95Ms: a });
        break;
      case 'auth':
        more.auth.push({ label, count: n });
        break;
      case 'file_type':
        more.fileTypes.push({ type: label, count: n, meanBytes: a });
        break;
      case 'format':
        more.formats.push({ format: label, count: n });
        break;
      case 'llm':
        if (n > 0) llm = { generations: n, p95LatencyS: a, costUsd: b ?? 0, errors: int(c), inputTokens: d ?? 0, outputTokens: e ?? 0 };
        break;
      case 'health':
        lastHour = { failures: n, meanMs: a, completed: int(b) };
        break;
    }
  }

  // Rows come in no fixed order: sort everything that is a list.
  const byCount = <T extends { count: number }>(list: T[], key: (x: T) => string) => list.sort((x, y) => y.count - x.count || key(x).localeCompare(key(y)));
  const errorList = [...errors.entries()]
    .map(([type, counts]) => ({ type, ...counts }))
    .sort((x, y) => y.current - x.current || y.previous - x.previous || x.type.localeCompare(y.type))
    .filter((entry) => entry.current > 0)
    .slice(0, TOP_ERROR_TYPES);

  return {
    tool: input.tool,
    range: input.range,
    asOf: (response.last_refresh ? new Date(response.last_refresh) : asOf).toISOString(),
    segment: input.options.segment,
    funnel: {
      unit: input.options.funnelUnit,
      windowHours: input.options.funnelWindowHours,
      steps: FUNNEL_STEPS.map((step, i) => ({ label: step.label, current: steps.current[i] ?? 0, previous: steps.previous[i] ?? 0 })),
    },
    latency: { ...latency, spark: spark.sort((x, y) => x.at - y.at) },
    jobs,
    errors: errorList,
    more: {
      auth: byCount(more.auth, (x) => x.label),
      fileTypes: byCount(more.fileTypes, (x) => x.type),
      formats: byCount(more.formats, (x) => x.format),
    },
    llm,
    health: evaluateHealth(lastHour, input.options.thresholds),
    toolsSeen: null,
  };
}

const toolsSeenSchema = z.array(z.tuple([z.string(), z.number().int().nonnegative()]));

export function toToolsSeen(response: HogQLResponse): NonNullable<ToolMetrics['toolsSeen']> {
  const parsed = toolsSeenSchema.safeParse(response.results);
  if (!parsed.success) throw new PostHogError('bad_response', describeZodError(parsed.error).replace('the response', 'results'));
  return parsed.data.map(([tool, views]) => ({ tool, views }));
}

/** Turns the card query's rows into the figures the card shows. Pure. */
import * as z from 'zod/mini';
import { FUNNEL_STEPS, fromStoredForm } from '../model/events';
import { p95IntervalRanks } from '../stats/intervals';
import type { RangeKey } from '../model/ranges';
import type { Health, JobCounts, Quantiles, ToolMetrics } from '../model/figures';
import { describeZodError, PostHogError, type HogQLResponse } from '../posthog/client';
import type { MetricsOptions } from '../settings/settings';
import { ROW_COUNTS, ROW_FIGURES, TOP_ERROR_TYPES } from './query';
import { scaleSample } from './sampling';

/** File types and download formats shown, the most frequent first. */
export const TOP_VALUES = 6;

// Counts are whole numbers; ClickHouse writes NaN (a mean of nothing) as null in JSON.
const cardRowSchema = z.tuple([
  z.enum(['current', 'previous', 'funnel', 'error', 'spark', 'file_type', 'format']),
  z.string(),
  z.array(z.nullable(z.number())).check(
    z.maxLength(ROW_COUNTS.length + ROW_FIGURES.length),
    z.refine((numbers) => numbers.slice(0, ROW_COUNTS.length).every((x) => x !== null && Number.isInteger(x) && x >= 0), 'counts must be whole numbers'),
  ),
]);
const cardRowsSchema = z.array(cardRowSchema);
type Period = 'current' | 'previous';

/** The p95's interval from the values the query read at p95IntervalRanks(n): a side it cannot bound is null, whatever was read there. */
function p95Interval(n: number, low: number | null, high: number | null): [number | null, number | null] {
  const ranks = p95IntervalRanks(n);
  return [ranks.low === null ? null : low, ranks.high === null ? null : high];
}

const NO_QUANTILES: Quantiles = { n: 0, p50Ms: null, p95Ms: null, p99Ms: null, meanMs: null };
const NO_JOBS: JobCounts = { views: 0, started: 0, completed: 0, failed: 0, cacheHits: 0, downloads: 0 };
const int = (x: number | null | undefined) => Math.max(0, Math.round(x ?? 0));

export function evaluateHealth(lastHour: { failures: number; completed: number; meanMs: number | null }, thresholds: MetricsOptions['thresholds']): Health {
  const reasons: string[] = [];
  if (lastHour.failures > thresholds.failuresPerHour)
    reasons.push(`${lastHour.failures} failures in the last hour (alert above ${thresholds.failuresPerHour})`);
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
  input: {
    tool: string;
    range: RangeKey;
    options: Pick<MetricsOptions, 'funnelUnit' | 'funnelWindowHours' | 'segment' | 'thresholds' | 'schema'>;
    periodSeconds?: number;
    splitAt?: number;
    /** The query read 1 in this many users (lib/card/sampling.ts): counts are scaled back up. */
    sampleFactor?: number;
  },
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
  type Totals = Record<(typeof ROW_COUNTS)[number], number> & Record<(typeof ROW_FIGURES)[number], number | null>;
  const totals: Record<Period, Map<string, Totals>> = { current: new Map(), previous: new Map() };

  for (const [section, rawLabel, numbers] of parsed.data) {
    const row = {
      ...Object.fromEntries(ROW_COUNTS.map((name, i) => [name, numbers[i] ?? 0])),
      ...Object.fromEntries(ROW_FIGURES.map((name, i) => [name, numbers[ROW_COUNTS.length + i] ?? null])),
    } as Totals;
    // Labels are property values (error types, file types, formats): PostHog reads them JSON-escaped.
    const label = fromStoredForm(rawLabel);
    const period: Period | null = rawLabel === 'current' || rawLabel === 'previous' ? rawLabel : null;
    switch (section) {
      case 'current':
      case 'previous':
        // Per event: the label is the event's name, as stored (event names are not JSON-escaped).
        totals[section].set(rawLabel, row);
        break;
      case 'funnel': {
        // [level reached, sessions]: a session at level k counts for every step up to k.
        const [level = 0, sessions = 0] = numbers as number[];
        if (period) for (let i = 0; i < Math.min(level, FUNNEL_STEPS.length); i++) steps[period][i]! += sessions;
        break;
      }
      case 'error': {
        // Failures until now of both periods, and of the current one.
        const entry = errors.get(label) ?? { current: 0, previous: 0 };
        entry.current += row.current;
        entry.previous += row.all - row.current;
        errors.set(label, entry);
        break;
      }
      case 'spark':
        // The label is the bucket's start, epoch ms (a day of the project's zone for daily buckets).
        spark.push({ at: Number(rawLabel) / 1000, n: row.all, p95Ms: row.p95 });
        break;
      case 'file_type':
        more.fileTypes.push({ type: label, count: row.all, meanBytes: row.nSize > 0 && row.sumSize !== null ? row.sumSize / row.nSize : null });
        break;
      case 'format':
        more.formats.push({ format: label, count: row.all });
        break;
    }
  }

  const { events } = input.options.schema;
  const quantiles = (row: Totals | undefined): Quantiles =>
    !row || row.n === 0
      ? NO_QUANTILES
      : {
          n: row.n,
          p50Ms: row.p50,
          p95Ms: row.p95,
          p99Ms: row.p99,
          meanMs: row.sum === null ? null : row.sum / row.n,
          p95IntervalMs: p95Interval(row.n, row.p95Low, row.p95High),
        };
  for (const period of ['current', 'previous'] as const) {
    const of = (key: keyof typeof events) => totals[period].get(events[key]);
    const untilNow = (key: keyof typeof events) => int(of(key)?.untilNow);
    jobs[period] = {
      started: untilNow('processingStarted'),
      completed: untilNow('processingCompleted'),
      failed: untilNow('processingFailed'),
      cacheHits: int(of('processingCompleted')?.cacheHits),
      downloads: untilNow('resultDownloaded'),
      views: untilNow('viewed'),
    };
    latency[period] = quantiles(of('processingCompleted'));
  }
  // Figures of the current range only (sign-in, failed jobs, LLM) and of its last hour (health).
  const now = (key: keyof typeof events) => totals.current.get(events[key]);
  latency.failed = quantiles(now('processingFailed'));
  const views = now('viewed');
  const authenticated = int(views?.authenticated);
  const anonymous = int(views?.all) - authenticated;
  if (authenticated > 0) more.auth.push({ label: 'authenticated', count: authenticated });
  if (anonymous > 0) more.auth.push({ label: 'anonymous', count: anonymous });
  const generations = now('aiGeneration');
  if (generations && int(generations.all) > 0) {
    llm = {
      generations: int(generations.all),
      p95LatencyS: generations.p95,
      costUsd: generations.cost ?? 0,
      errors: int(generations.errors),
      inputTokens: generations.inputTokens ?? 0,
      outputTokens: generations.outputTokens ?? 0,
    };
  }
  const completedLastHour = int(now('processingCompleted')?.lastHour);
  const completedNow = now('processingCompleted');
  const lastHourMean =
    completedNow && completedNow.nLastHour > 0 && completedNow.sumLastHour !== null ? completedNow.sumLastHour / completedNow.nLastHour : null;
  const factor = input.sampleFactor ?? 1;
  // Health is judged on estimates for everyone: a sample's counts times its factor.
  lastHour = {
    failures: int(now('processingFailed')?.lastHour) * factor,
    completed: completedLastHour * factor,
    meanMs: completedLastHour > 0 ? lastHourMean : null,
  };
  // Every event the query read, both periods: what the next card decides its sampling by.
  let eventsRead = 0;
  for (const period of ['current', 'previous'] as const) for (const row of totals[period].values()) eventsRead += int(row.all);

  // Rows come in no fixed order: sort everything that is a list. The most frequent values are kept
  // (ties by code point, the order of ClickHouse's UTF-8 bytes), then shown by count and name.
  const byBytes = (a: string, b: string) => {
    const [x, y] = [[...a], [...b]];
    for (let i = 0; i < Math.min(x.length, y.length); i++) if (x[i] !== y[i]) return x[i]!.codePointAt(0)! - y[i]!.codePointAt(0)!;
    return x.length - y.length;
  };
  const byCount = <T extends { count: number }>(list: T[], key: (x: T) => string) =>
    list
      .sort((x, y) => y.count - x.count || byBytes(key(x), key(y)))
      .slice(0, TOP_VALUES)
      .sort((x, y) => y.count - x.count || key(x).localeCompare(key(y)));
  const errorList = [...errors.entries()]
    .map(([type, counts]) => ({ type, ...counts }))
    .sort((x, y) => y.current - x.current || y.previous - x.previous || x.type.localeCompare(y.type))
    .filter((entry) => entry.current > 0)
    .slice(0, TOP_ERROR_TYPES);

  return scaleSample(
    {
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
      // Before / after a split point: the periods are the time since it and as long before.
      ...(input.splitAt !== undefined && input.periodSeconds !== undefined ? { split: { at: input.splitAt, seconds: input.periodSeconds } } : {}),
      events: eventsRead,
    },
    factor,
  );
}

const toolsSeenSchema = z.array(z.tuple([z.string(), z.int().check(z.nonnegative())]));

export function toToolsSeen(response: HogQLResponse): NonNullable<ToolMetrics['toolsSeen']> {
  const parsed = toolsSeenSchema.safeParse(response.results);
  if (!parsed.success) throw new PostHogError('bad_response', describeZodError(parsed.error).replace('the response', 'results'));
  return parsed.data.map(([tool, views]) => ({ tool: fromStoredForm(tool), views }));
}

/**
 * Rows of the card query's answer (lib/card/query.ts buildCardQuery), built by name, for unit tests that
 * stand in for PostHog: `[section, label, counts, figures]`.
 */
import { ROW_COUNTS, ROW_FIGURES } from '../card/query';

type Count = (typeof ROW_COUNTS)[number];
type Figure = (typeof ROW_FIGURES)[number];

type Values = Partial<Record<Count, number> & Record<Figure, number | null>>;

/** A row of any section but the funnel: unnamed counts are 0, unnamed figures null. */
function row(section: string, label: string, values: Values): unknown[] {
  const v = values as Record<string, number | null | undefined>;
  return [section, label, [...ROW_COUNTS.map((name) => v[name] ?? 0), ...ROW_FIGURES.map((name) => v[name] ?? null)]];
}

/** One event's totals of a period. */
export const totalsRow = (period: 'current' | 'previous', event: string, values: Values): unknown[] => row(period, event, values);

/** Completed jobs of a period with these durations: counts, sums and exact percentiles as the query computes them. */
export function completedRow(
  period: 'current' | 'previous',
  durations: number[],
  extra: Partial<Record<Count, number>> = {},
  event = 'tool_processing_completed',
): unknown[] {
  const sorted = [...durations].sort((a, b) => a - b);
  const at = (level: number) => (sorted.length ? sorted[Math.floor(level * sorted.length)]! : null);
  return totalsRow(period, event, {
    all: durations.length,
    untilNow: durations.length,
    n: durations.length,
    sum: durations.length ? durations.reduce((s, d) => s + d, 0) : null,
    p50: at(0.5),
    p95: at(0.95),
    p99: at(0.99),
    ...extra,
  });
}

export const funnelRow = (period: 'current' | 'previous', level: number, sessions: number): unknown[] => ['funnel', period, [level, sessions]];
export const errorRow = (type: string, current: number, bothPeriods: number): unknown[] =>
  row('error', type, { all: bothPeriods, untilNow: bothPeriods, current });
/** A sparkline bucket starting at `at` (epoch seconds): the query labels it with its number, at ÷ bucket. */
export const sparkRow = (at: number, n: number, p95: number | null): unknown[] => row('spark', String(at * 1000), { all: n, untilNow: n, n, current: n, p95 });
export const fileTypeRow = (type: string, count: number, meanBytes: number | null): unknown[] =>
  row('file_type', type, {
    all: count,
    untilNow: count,
    current: count,
    nSize: meanBytes === null ? 0 : count,
    sumSize: meanBytes === null ? null : meanBytes * count,
  });
export const formatRow = (format: string, count: number): unknown[] => row('format', format, { all: count, untilNow: count, current: count });

/**
 * Where a tool stands among the project's tools: one query over every tool for a range (shared by
 * every card and the popup, cached by the worker), then each tool's position for p95, failure rate
 * and view → download. The figures are the card's own definitions (until now, in the current range,
 * funnel in order within the window; no segment: the standing is among all the project's traffic).
 */
import * as z from 'zod/mini';
import type { HogQLRequest } from '../posthog/hogql';
import { fromStoredForm, HogQLValues, type SchemaMapping } from '../model/events';
import { RANGES, type RangeKey } from '../model/ranges';

export const RANKED_TOOLS = 200;

export function buildRankingQuery(
  range: RangeKey,
  options: { schema: SchemaMapping; funnelWindowHours: number; funnelUnit: 'sessions' | 'persons' },
): HogQLRequest {
  const { schema } = options;
  const v = new HogQLValues();
  const [viewed, uploaded, started, completed, failed, downloaded] = (
    ['viewed', 'uploadStarted', 'processingStarted', 'processingCompleted', 'processingFailed', 'resultDownloaded'] as const
  ).map((k) => v.event(schema, k)) as [string, string, string, string, string, string];
  const entity = options.funnelUnit === 'persons' ? 'toString(person_id)' : v.text(schema, 'session_id');
  const rows = `SELECT event, ${v.text(schema, 'tool_name')} AS tool, ${entity} AS entity, ${v.number(schema, 'processing_duration_ms')} AS d, reinterpretAsUInt64(toUnixTimestamp64Milli(timestamp)) AS ts
    FROM events
    WHERE event IN (${[viewed, uploaded, started, completed, failed, downloaded].join(', ')}) AND timestamp >= now() - INTERVAL ${v.add('range_seconds', RANGES[range].seconds)} SECOND AND timestamp < now() AND tool IS NOT NULL`;
  const perEntity = `SELECT tool, entity, countIf(event = ${started}) AS s, countIf(event = ${failed}) AS f, groupArrayIf(d, event = ${completed}) AS ds,
      windowFunnel(${v.add('window_ms', options.funnelWindowHours * 3_600_000)})(ts, ${[viewed, uploaded, started, completed, downloaded].map((e) => `event = ${e}`).join(', ')}) AS level
    FROM rows GROUP BY tool, entity`;
  // The durations are sorted per tool to pick the p95 inside ClickHouse; only the figures come back
  // (a busy project's durations would be megabytes, past the client's 16 MB cap at ~2 M jobs).
  return {
    query: `WITH rows AS (${rows})
SELECT tool, started, failed, viewers, downloaders, n, p95
FROM (
  SELECT tool, sum(s) AS started, sum(f) AS failed, countIf(level >= 1 AND entity IS NOT NULL) AS viewers, countIf(level >= 5 AND entity IS NOT NULL) AS downloaders,
    arraySort(arrayFlatten(groupArray(ds))) AS xs, length(xs) AS n, xs[toInt(floor(0.95 * n)) + 1] AS p95
  FROM (${perEntity})
  GROUP BY tool)
ORDER BY started DESC, tool LIMIT ${RANKED_TOOLS}`,
    values: v.values,
  };
}

const count = z.number().check(z.nonnegative());
/** tool, started, failed, viewers, downloaders, n, p95: what the ranking shows, nothing more. */
export const rankingRowsSchema = z.array(z.tuple([z.string(), count, count, count, count, count, z.nullable(z.number())]));

export interface ToolFigures {
  tool: string;
  started: number;
  failed: number;
  viewers: number;
  downloaders: number;
  n: number;
  p95Ms: number | null;
}

export function toToolFigures(rows: z.infer<typeof rankingRowsSchema>): ToolFigures[] {
  return rows.map(([tool, started, failed, viewers, downloaders, n, p95]) => ({
    tool: fromStoredForm(tool),
    started,
    failed,
    viewers,
    downloaders,
    n,
    p95Ms: n > 0 ? p95 : null,
  }));
}

export interface Position {
  /** 1 = the slowest (p95), the highest failure rate, the best view → download. */
  position: number;
  of: number;
}
export interface Standing {
  tool: string;
  p95: Position | null;
  failureRate: (Position & { timesMedian: number | null }) | null;
  viewToDownload: Position | null;
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length === 0 ? null : s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
};

/**
 * Each tool's positions. A tool without the figure (no completed jobs, no jobs started, no views)
 * is left out of that figure's count. Ties share the better position (1, 1, 3).
 */
export function rankTools(tools: ToolFigures[]): Standing[] {
  const positions = (values: Array<[string, number]>, higherFirst: boolean) => {
    const sorted = [...values].sort((a, b) => (higherFirst ? b[1] - a[1] : a[1] - b[1]));
    const at = new Map<string, Position>();
    for (const [tool, value] of sorted)
      at.set(tool, { position: 1 + sorted.filter(([, other]) => (higherFirst ? other > value : other < value)).length, of: sorted.length });
    return at;
  };
  const p95 = positions(
    tools.filter((t) => t.p95Ms !== null).map((t) => [t.tool, t.p95Ms!]),
    true,
  );
  const rates = tools.filter((t) => t.started > 0).map((t): [string, number] => [t.tool, t.failed / t.started]);
  const failure = positions(rates, true);
  const middle = median(rates.map(([, r]) => r));
  const conversion = positions(
    tools.filter((t) => t.viewers > 0).map((t) => [t.tool, t.downloaders / t.viewers]),
    true,
  );
  return tools.map((t) => {
    const rate = t.started > 0 ? t.failed / t.started : null;
    const f = failure.get(t.tool);
    return {
      tool: t.tool,
      p95: p95.get(t.tool) ?? null,
      failureRate: f ? { ...f, timesMedian: rate !== null && middle ? rate / middle : null } : null,
      viewToDownload: conversion.get(t.tool) ?? null,
    };
  });
}

export { ordinal } from '../helpers/format';

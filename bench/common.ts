/** Shared helpers for the benchmark: statistics, the card query as the extension builds it, ClickHouse read statistics. */
import * as cardQuery from '../lib/card/query';
import * as settings from '../lib/settings/settings';
import type { RangeKey } from '../lib/model/ranges';

export const median = (xs: number[]): number => quantile(xs, 0.5);
export const p95 = (xs: number[]): number => quantile(xs, 0.95);

/** Linear-interpolated quantile (NaN on an empty list). */
export function quantile(xs: number[], q: number): number {
  const s = xs.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (!s.length) return NaN;
  const pos = (s.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return s[lo]! + (s[hi]! - s[lo]!) * (pos - lo);
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * The card's HogQL exactly as the background worker builds it with default options. `lib/card/query.ts`
 * is being reworked: accept both the `(tool, range)` and the `({ tool, range, options })` signatures.
 */
export function cardQueryFor(tool: string, range: RangeKey): { query: string; values: Record<string, string | number> } {
  const build = cardQuery.buildCardQuery as unknown as (...args: unknown[]) => { query: string; values: Record<string, string | number> };
  const options = (settings as unknown as { DEFAULT_METRICS_OPTIONS?: unknown }).DEFAULT_METRICS_OPTIONS;
  if (options) {
    try {
      const r = build({ tool, range, options });
      if (r && typeof r.query === 'string') return r;
    } catch {
      /* older signature */
    }
  }
  return build(tool, range);
}

export interface ReadStats {
  rowsRead: number;
  bytesRead: number;
  elapsedMs: number;
  resultRows: number;
}

/**
 * Runs ClickHouse SQL on the server's chdb session and returns ClickHouse's own read statistics.
 * The `FORMAT JSONEachRowWithProgress` clause makes ClickHouse append a progress line with the
 * totals (`read_rows`, `read_bytes`, `elapsed_ns`): every line is a JSON object, so the server's
 * raw `query()` helper can carry it without any change. (chdb's `ChdbResult.rowsRead` is the number
 * of result rows, not rows read — see BENCHMARKS.md.)
 */
export async function readStats(query: (sql: string) => Promise<unknown[]>, sql: string): Promise<ReadStats> {
  const rows = (await query(`${sql} FORMAT JSONEachRowWithProgress`)) as Array<{ row?: unknown; progress?: Record<string, string> }>;
  const progress = rows.filter((r) => r.progress).at(-1)?.progress ?? {};
  return {
    rowsRead: Number(progress.read_rows ?? NaN),
    bytesRead: Number(progress.read_bytes ?? NaN),
    elapsedMs: Number(progress.elapsed_ns ?? NaN) / 1e6,
    resultRows: rows.filter((r) => r.row !== undefined).length,
  };
}

/** The settings PostHog (and the local server) run HogQL with. */
export const QUERY_SETTINGS = "readonly=2, max_execution_time=60, output_format_json_quote_64bit_integers=0, date_time_input_format='best_effort'";

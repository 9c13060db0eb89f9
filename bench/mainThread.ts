/**
 * The main-thread figure of the browser bench (bench/browser.ts → BENCHMARKS.md): what the extension
 * takes of the page's renderer main thread, from the CDP trace of each load.
 */
import { median, p95 } from './common';

export const WORK_KINDS = ['compile', 'evaluate', 'callbacks', 'style', 'layout', 'paint', 'gc', 'other'] as const;
export type WorkKind = (typeof WORK_KINDS)[number];
export type Breakdown = Record<WorkKind, number>;
const RENDERING: WorkKind[] = ['style', 'layout', 'paint'];

export interface MainThreadRuns {
  sampledJs?: number[];
  compile?: number[];
  extensionTask: number[];
  extensionScript: number[];
  withBusy: number[];
  withoutBusy: number[];
}
export interface MainThreadWork {
  extension: Breakdown;
  pageWith: Breakdown;
  pageWithout: Breakdown;
}

/**
 * The extension's JavaScript (V8's samples whose stack holds its code, what it calls included: a
 * forced layout, DOM calls) + compiling its scripts + on a tool page the card's own rendering: the
 * page's style, layout and paint with the extension minus without (medians; the card is the only
 * thing the extension draws, and no sample or task of the extension's holds those frames).
 */
export function mainThreadFigure(runs: MainThreadRuns, work: MainThreadWork | undefined, drawsCard: boolean) {
  const js = median(runs.sampledJs ?? []);
  const compile = median(runs.compile ?? []);
  const rendering =
    drawsCard && work
      ? Math.max(
          0,
          RENDERING.reduce((t, k) => t + work.pageWith[k] - work.pageWithout[k], 0),
        )
      : 0;
  const perRun = (runs.sampledJs ?? []).map((j, i) => j + (runs.compile?.[i] ?? 0) + rendering);
  return { total: js + compile + rendering, p95: p95(perRun), js, compile, rendering };
}

/**
 * The main-thread figure of the browser bench (bench/browser.ts → BENCHMARKS.md): what the extension
 * takes of the page's renderer main thread, from the CDP trace of each load.
 */
import { median, p95 } from './common';

export const WORK_KINDS = ['world', 'compile', 'evaluate', 'callbacks', 'style', 'layout', 'paint', 'gc', 'other'] as const;
export type WorkKind = (typeof WORK_KINDS)[number];
export type Breakdown = Record<WorkKind, number>;
const RENDERING: WorkKind[] = ['style', 'layout', 'paint'];

export interface MainThreadRuns {
  sampledJs?: number[];
  compile?: number[];
  /** Setting up the isolated world its content script runs in (extensionWorlds below). */
  world?: number[];
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
 * forced layout, DOM calls) + compiling its scripts + the browser setting up the isolated world they
 * run in (which the page pays for the extension alone) + on a tool page the card's own rendering: the
 * page's style, layout and paint with the extension minus without (medians; the card is the only
 * thing the extension draws, and no sample or task of the extension's holds those frames).
 */
export function mainThreadFigure(runs: MainThreadRuns, work: MainThreadWork | undefined, drawsCard: boolean) {
  const js = median(runs.sampledJs ?? []);
  const compile = median(runs.compile ?? []);
  // Runs from before the world was counted have none: 0, not unknown.
  const world = runs.world ? median(runs.world) : 0;
  const rendering =
    drawsCard && work
      ? Math.max(
          0,
          RENDERING.reduce((t, k) => t + work.pageWith[k] - work.pageWithout[k], 0),
        )
      : 0;
  const perRun = (runs.sampledJs ?? []).map((j, i) => j + (runs.compile?.[i] ?? 0) + (runs.world?.[i] ?? 0) + rendering);
  return { total: js + compile + world + rendering, p95: p95(perRun), js, compile, world, rendering };
}

/** A complete ('X') trace event of the page's main thread, sorted by start. */
export interface WorldEvent {
  name: string;
  ts: number;
  dur: number;
  args?: unknown;
}

/**
 * The isolated world the browser sets up for the extension's content script in this page (a V8
 * context of its own, with the extension's API: Blink's `LocalWindowProxy::Initialize`), which no
 * sample of the extension's code holds: it runs before the script's first line. Of the main frame's
 * worlds (the event's `IsMainFrame`: an iframe's are its own), only a page's own sets the window's
 * `document` (`LocalWindowProxy::UpdateDocumentProperty`), the bench's automation world nested in it;
 * the page's is the last such (the tab's blank page may come before it, with worlds of its own). An
 * isolated world of the main frame set up after it, not nested in it, is the extension's (at
 * `document_start` in the parser's task, at `document_end` in its last one, its script evaluated
 * then or in a task after). Null when the trace holds no page world: unknown, not none.
 */
export function extensionWorlds<E extends WorldEvent>(thread: E[]): E[] | null {
  const inits = thread.filter((e) => e.name === INIT && (e.args as { IsMainFrame?: unknown } | undefined)?.IsMainFrame === true);
  const within = (outer: E, e: E) => e !== outer && e.ts >= outer.ts && e.ts + e.dur <= outer.ts + outer.dur;
  const topLevel = inits.filter((w) => !inits.some((o) => within(o, w)));
  // Its own set-up, not a world's nested in it.
  const setsDocument = (w: E) => thread.some((e) => e.name === SETS_DOCUMENT && within(w, e) && !inits.some((o) => within(w, o) && within(o, e)));
  const page = topLevel.filter(setsDocument).at(-1);
  return page ? topLevel.filter((w) => w.ts > page.ts && !setsDocument(w)) : null;
}
const INIT = 'LocalWindowProxy::Initialize';
const SETS_DOCUMENT = 'LocalWindowProxy::UpdateDocumentProperty';

/**
 * Browser-side benchmark, in its own process: the built extension in Debian's Chromium on the
 * sample site, reading from the local PostHog server through a counting proxy.
 *
 *   npx tsx bench/browser.ts <out.json> [--runs 7] [--only burst]
 *
 * BENCH_TRACE_DIR=<dir> keeps every trace there.
 *
 * `--only burst` (or a list: `--only main,draw,card,popup,floor,restart`): the 20 tabs over 5 tools alone (run.ts runs it again while another process keeps a
 * core busy, to see whether the sharing holds under load).
 */
import { writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer, request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { chromium, type BrowserContext, type CDPSession, type Page } from 'playwright-core';
import { startLocalPostHog } from '../local-posthog/server';
import { startSampleSite } from '../sample-site/server';
import {
  cardCollapsedSaved,
  chromiumPath,
  configureExtension,
  EXTENSION_DIR,
  launchWithExtension,
  QUIET_FLAGS,
  type ExtensionBrowser,
} from '../e2e/harness/chromium';
import { cardOf } from '../e2e/harness/closedCard';
import { median, p95, sleep } from './common';
import { extensionWorlds, WORK_KINDS, type Breakdown, type WorkKind } from './mainThread';
import { placesBySource, type BuiltPlace } from './sourcePlaces';
import { FLOOR_MODULE_PAGE, FLOOR_STATIC_PAGE, writeFloorExtension } from './floorExtension';

const out = process.argv[2];
if (!out) throw new Error('usage: tsx bench/browser.ts <out.json> [--runs N]');
const runsArg = process.argv.indexOf('--runs');
const RUNS = runsArg > 0 ? Number(process.argv[runsArg + 1]) : 7;
const onlyArg = process.argv.indexOf('--only');
const ONLY = onlyArg > 0 ? (process.argv[onlyArg + 1] ?? '') : null;
const runs = (part: 'main' | 'draw' | 'card' | 'burst' | 'restart' | 'popup' | 'floor') => ONLY === null || ONLY.split(',').includes(part);
const TOOLS = ['news-analyzer', 'pdf-to-text', 'image-compressor', 'audio-transcriber', 'csv-cleaner', 'video-summarizer'];
const CARD_READY = '[data-testid="card-ready"]';
/** The collapsed card's figures (its pill), stamped as the expanded card's are (components/card/MetricsCard.tsx Pill). */
const PILL_READY = '[data-testid="pill-ready"]';
/**
 * What "the popup is usable" means. The popup does not list dashboards yet: this is its first render
 * (the connection line). When the dashboards list lands, point this at it, e.g. '[data-testid="dashboards-list"] li'.
 */
export const POPUP_READY_SELECTOR = '[data-testid="popup-status"]';
const TRACE_CATEGORIES = ['toplevel', 'devtools.timeline', 'disabled-by-default-devtools.timeline', 'v8', 'blink', 'disabled-by-default-v8.cpu_profiler'];
const SETTLE_MS = 1000; // main-thread window: navigation → load + this (+ until the card is ready, if later)
const QUERY_PATH = /^\/api\/(projects|environments)\/[^/]+\/query\/?$/;

/** Forwards everything to the local PostHog; counts and times the query endpoint's requests. */
async function startCountingProxy(target: string) {
  const upstream = new URL(target);
  const queries: Array<{ at: number; ms: number; tool: string | null }> = [];
  const server = createServer((req, res) => {
    const started = performance.now();
    const isQuery = req.method === 'POST' && QUERY_PATH.test(new URL(req.url ?? '/', 'http://x').pathname);
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const up = httpRequest({ host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: req.headers }, (upRes) => {
        res.writeHead(upRes.statusCode ?? 502, upRes.headers);
        upRes.pipe(res);
        upRes.on('end', () => {
          if (!isQuery) return;
          let tool: string | null = null;
          try {
            tool = String((JSON.parse(body.toString('utf8')) as { query?: { values?: { tool?: string } } }).query?.values?.tool ?? '') || null;
          } catch {
            /* not JSON */
          }
          queries.push({ at: started, ms: performance.now() - started, tool });
        });
      });
      up.on('error', () => res.writeHead(502).end());
      up.end(body);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    queries,
    close: () => new Promise<void>((r) => (server.closeAllConnections(), server.close(() => r()))),
  };
}

/**
 * When the card's figures entered the DOM, and the frame after: the card stamps its figures' element
 * with both (components/card/useReadyStamp.ts, performance.now() on the page's clock). The card's
 * shadow root is closed, so this runs in the content script's own isolated world, where
 * `chrome.dom.openOrClosedShadowRoot` opens it. Read after the fact, so nothing has to be installed
 * before the card arrives (an observer installed over CDP could lose that race on a loaded machine).
 * `ready`: the expanded card's figures, or the pill's where the card opens collapsed; only the one a
 * part expects, so a card in the other shape fails it loudly.
 */
const cardStamp = (ready: string) => `(() => {
  const host = document.querySelector('tool-lens-card');
  const root = host && chrome.dom.openOrClosedShadowRoot(host);
  const el = root && root.querySelector(${JSON.stringify(ready)});
  return el && el.dataset.frameAt ? { ready: Number(el.dataset.readyAt), frame: Number(el.dataset.frameAt) } : null;
})()`;

interface CardClock {
  ready: number;
  frame: number;
}

/** Finds the page's Tool Lens world (the content script's isolated world) and returns a wait for the card's stamps. */
async function cardClock(cdp: CDPSession, extensionId: string, ready = CARD_READY): Promise<(timeoutMs: number) => Promise<CardClock>> {
  let world: number | undefined;
  cdp.on('Runtime.executionContextCreated', ({ context }) => {
    if (context.auxData?.type !== 'isolated' || !context.origin.includes(extensionId)) return;
    world = context.id;
  });
  await cdp.send('Runtime.enable');
  return async (timeoutMs) => {
    const until = performance.now() + timeoutMs;
    while (performance.now() < until) {
      if (world !== undefined) {
        const { result } = await cdp
          .send('Runtime.evaluate', { contextId: world, expression: cardStamp(ready), returnByValue: true })
          .catch(() => ({ result: { value: null } }));
        const rec = result.value as CardClock | null;
        if (rec) return rec;
      }
      await sleep(50);
    }
    throw new Error(`No card with figures (${ready}) within ${timeoutMs} ms.`);
  };
}

const POPUP_OBSERVER = `(() => {
  const rec = (window.__toolLensBench = {});
  const check = () => {
    if (rec.ready === undefined && document.querySelector(${JSON.stringify(POPUP_READY_SELECTOR)})) {
      rec.ready = performance.now();
      requestAnimationFrame(() => { rec.frame = performance.now(); });
    }
  };
  new MutationObserver(check).observe(document, { childList: true, subtree: true });
})();`;

interface TraceEvent {
  name: string;
  cat: string;
  ph: string;
  ts: number;
  dur?: number;
  /** The thread's CPU time in the event (µs): `dur` less the time it was not running (waiting for a core, or blocked). */
  tdur?: number;
  pid: number;
  tid: number;
  args?: Record<string, unknown>;
}

/** Total of a set of [start, end] intervals, overlaps counted once. */
function unionLength(intervals: Array<[number, number]>): number {
  const s = [...intervals].sort((a, b) => a[0] - b[0]);
  let total = 0;
  let cur: [number, number] | null = null;
  for (const iv of s) {
    if (!cur || iv[0] > cur[1]) {
      if (cur) total += cur[1] - cur[0];
      cur = [iv[0], iv[1]];
    } else cur[1] = Math.max(cur[1], iv[1]);
  }
  if (cur) total += cur[1] - cur[0];
  return total;
}

/** Where main-thread time goes, by the kind of work the trace names (self time, nested events subtracted). */
function kindOf(name: string): WorkKind | null {
  // A script world set up (the page's own, or the extension's isolated one), its V8 context deserialized in it.
  if (name === 'LocalWindowProxy::Initialize') return 'world';
  if (name === 'V8.DeserializeContext') return null;
  if (/compile|^v8\.parse|ParseScript|ParseFunction|consumeCache|produceCache|V8\.Deserialize/i.test(name)) return 'compile';
  if (name === 'EvaluateScript' || name === 'v8.run' || name === 'v8.evaluateModule' || name === 'v8.executeModule') return 'evaluate';
  if (/^(FunctionCall|v8\.callFunction|RunMicrotasks|TimerFire|EventDispatch|FireAnimationFrame|FireIdleCallback|XHRReadyStateChange|V8\.Execute)$/.test(name))
    return 'callbacks';
  if (/^(UpdateLayoutTree|RecalculateStyles|ScheduleStyleRecalculation|ParseAuthorStyleSheet|InvalidateLayout|StyleRecalcInvalidationTracking)$/.test(name))
    return 'style';
  if (name === 'Layout' || name === 'UpdateLayout') return 'layout';
  if (/^(PrePaint|Paint|PaintImage|Layerize|UpdateLayer|UpdateLayerTree|CompositeLayers|Commit|RasterTask|PaintSetup)$/.test(name)) return 'paint';
  if (/GC|^BlinkGC|CppGC/.test(name)) return 'gc';
  return null;
}

/** V8's sampling profiler starting on the thread: the tracer's work, counted nowhere. */
const TRACER_START = 'CpuProfiler::StartProfiling';

const emptyBreakdown = (): Breakdown => Object.fromEntries(WORK_KINDS.map((k) => [k, 0])) as Breakdown;

/**
 * Self time of every event in `events` (one thread, properly nested 'X' events, sorted by start),
 * added to its kind, or its nearest named ancestor's; unnamed at the top: 'other'.
 */
function breakdown(events: TraceEvent[]): Breakdown {
  const out = emptyBreakdown();
  const stack: Array<{ end: number; kind: WorkKind | 'tracer'; childDur: number; dur: number }> = [];
  const close = (until: number) => {
    while (stack.length && stack[stack.length - 1]!.end <= until) {
      const e = stack.pop()!;
      if (e.kind !== 'tracer') out[e.kind] += Math.max(0, e.dur - e.childDur) / 1000;
    }
  };
  for (const e of events) {
    close(e.ts);
    const parent = stack[stack.length - 1];
    if (parent) parent.childDur += e.dur!;
    const kind = e.name === TRACER_START ? 'tracer' : (kindOf(e.name) ?? parent?.kind ?? 'other');
    stack.push({ end: e.ts + e.dur!, kind, childDur: 0, dur: e.dur! });
  }
  close(Infinity);
  return out;
}

interface ProfileNode {
  id: number;
  parent?: number;
  callFrame: { url?: string; functionName?: string; lineNumber?: number; columnNumber?: number };
}

/**
 * The extension's JavaScript by V8's sampling profiler (in the trace): the time of every sample whose
 * stack holds a frame of a chrome-extension:// script, with what that code called (a forced layout, a
 * DOM call) and nothing else. Once the content script runs at document_start its work runs inside the
 * page's own tasks (the parser's, DOMContentLoaded's), so "tasks that ran its code" would count the
 * page's parsing as the extension's; the samples do not.
 */
function sampledExtension(events: TraceEvent[], pid: number): { jsMs: number; samples: number; places: BuiltPlace[] } {
  const byId = new Map<string, { nodes: Map<number, ProfileNode>; samples: number[]; deltas: number[] }>();
  for (const e of events.filter((x) => x.name === 'ProfileChunk' && x.pid === pid).sort((a, b) => a.ts - b.ts)) {
    const id = String((e as unknown as { id?: string }).id);
    const prof = byId.get(id) ?? { nodes: new Map<number, ProfileNode>(), samples: [] as number[], deltas: [] as number[] };
    byId.set(id, prof);
    const data = (e.args as { data?: { cpuProfile?: { nodes?: ProfileNode[]; samples?: number[] }; timeDeltas?: number[] } }).data;
    for (const n of data?.cpuProfile?.nodes ?? []) prof.nodes.set(n.id, n);
    prof.samples.push(...(data?.cpuProfile?.samples ?? []));
    prof.deltas.push(...(data?.timeDeltas ?? []));
  }
  let us = 0;
  let samples = 0;
  const places = new Map<string, BuiltPlace>();
  for (const prof of byId.values()) {
    const ext = new Map<number, boolean>();
    const isExt = (id: number | undefined): boolean => {
      if (id === undefined) return false;
      const known = ext.get(id);
      if (known !== undefined) return known;
      const node = prof.nodes.get(id);
      const v = node ? (node.callFrame.url ?? '').startsWith('chrome-extension://') || isExt(node.parent) : false;
      ext.set(id, v);
      return v;
    };
    // A sample stands for the time until the next one.
    prof.samples.forEach((id, i) => {
      if (!isExt(id)) return;
      const t = Math.max(0, prof.deltas[i + 1] ?? 0);
      us += t;
      samples++;
      const where = whereInExtension(prof.nodes, id);
      if (!where) return;
      const key = `${where.file} ${where.line}:${where.column} ${where.outside ?? ''}`;
      const place = places.get(key) ?? { ...where, ms: 0 };
      place.ms += t / 1000;
      places.set(key, place);
    });
  }
  return { jsMs: us / 1000, samples, places: [...places.values()] };
}

/**
 * A sample's place in the extension's code: its innermost frame in a chrome-extension:// script
 * (file, and line:column of its function in the built file: bench/sourcePlaces.ts names the source),
 * and the browser function it was in, if any (a DOM call, a forced layout, the collector).
 */
function whereInExtension(nodes: Map<number, ProfileNode>, leaf: number): Omit<BuiltPlace, 'ms'> | null {
  let outside: string | null = null;
  for (let node = nodes.get(leaf); node; node = node.parent === undefined ? undefined : nodes.get(node.parent)) {
    const { url = '', functionName, lineNumber = -1, columnNumber = -1 } = node.callFrame;
    if (url.startsWith('chrome-extension://')) {
      const file = url.replace(/^chrome-extension:\/\/[^/]+\//, '');
      return { file, line: lineNumber + 1, column: columnNumber + 1, outside };
    }
    outside ??= functionName || url || '(native)';
  }
  return null;
}

/**
 * From a Chromium trace: the page renderer's main-thread busy time (union of top-level tasks), and
 * the part of it in tasks that ran the content script's code (any event on that thread naming a
 * chrome-extension:// URL: script evaluation, compilation, function calls, with their whole task).
 * `work` splits the extension's tasks by kind (compile, evaluate, callbacks, style, layout, paint, gc);
 * `page` splits the whole thread the same way, so the with − without difference of each kind shows
 * the card's rendering in frames of its own, which no extension task contains.
 */
function analyseTrace(events: TraceEvent[], siteUrl: string) {
  const mains = events.filter((e) => e.ph === 'M' && e.name === 'thread_name' && (e.args as { name?: string })?.name === 'CrRendererMain');
  let best: { pid: number; tid: number; score: number } | null = null;
  for (const m of mains) {
    const score = events.filter((e) => e.pid === m.pid && e.tid === m.tid && JSON.stringify(e.args ?? {}).includes(siteUrl)).length;
    if (!best || score > best.score) best = { pid: m.pid, tid: m.tid, score };
  }
  // A trace without a load names the site nowhere: then the page's thread is the busiest renderer's.
  if (best?.score === 0) {
    for (const m of mains) {
      const score = events.filter((e) => e.pid === m.pid && e.tid === m.tid && e.ph === 'X').reduce((t, e) => t + (e.dur ?? 0), 0);
      if (best.score === 0 || score > best.score) best = { pid: m.pid, tid: m.tid, score };
    }
  }
  if (!best)
    return {
      busyMs: NaN,
      busyCpuMs: NaN,
      extensionMs: NaN,
      extensionCpuMs: NaN,
      extensionScriptMs: NaN,
      sampledJsMs: NaN,
      places: [] as BuiltPlace[],
      compileMs: NaN,
      worldMs: NaN,
      work: emptyBreakdown(),
      page: emptyBreakdown(),
    };
  const isTask = (e: TraceEvent) => e.name === 'RunTask' || e.name === 'ThreadControllerImpl::RunTask';
  const thread = events
    .filter((e) => e.pid === best!.pid && e.tid === best!.tid && e.ph === 'X' && typeof e.dur === 'number')
    .sort((a, b) => a.ts - b.ts || b.dur! - a.dur!);
  const tasks = thread.filter(isTask);
  const interval = (t: TraceEvent) => [t.ts, t.ts + t.dur!] as [number, number];
  const taskIv = tasks.map(interval);
  const ext = thread.filter((e) => !isTask(e) && JSON.stringify(e.args ?? {}).includes('chrome-extension://'));
  const extTaskEvents = tasks.filter((t) => ext.some((e) => e.ts >= t.ts && e.ts < t.ts + t.dur!));
  const extTasks = extTaskEvents.map(interval);
  const inside = (ivs: Array<[number, number]>) => thread.filter((e) => !isTask(e) && ivs.some(([s, end]) => e.ts >= s && e.ts < end));
  // The tracer's own start (V8's sampling profiler set up on this thread, ~100 ms here, inside whatever
  // task first runs JavaScript once the trace is on) is neither the page's work nor the extension's.
  const tracerMs = (ivs: Array<[number, number]>, field: 'dur' | 'tdur' = 'dur') =>
    thread.filter((e) => e.name === TRACER_START && ivs.some(([s, end]) => e.ts >= s && e.ts < end)).reduce((t, e) => t + (e[field] ?? 0) / 1000, 0);
  // The thread's CPU time in tasks: of the outermost ones (a task event may hold another, as the wall
  // times' union counts once).
  const cpuMs = (ts: TraceEvent[]) => {
    let end = -Infinity;
    let total = 0;
    for (const t of ts) {
      if (t.ts < end) continue;
      end = t.ts + t.dur!;
      // A task without its CPU time: the sum would read low, so there is none.
      if (t.tdur === undefined) return NaN;
      total += t.tdur / 1000;
    }
    return total;
  };
  // Time of a task not covered by any named event is 'other'.
  const work = breakdown(inside(extTasks));
  work.other += Math.max(0, unionLength(extTasks) / 1000 - tracerMs(extTasks) - WORK_KINDS.reduce((t, k) => t + work[k], 0));
  const page = breakdown(inside(taskIv));
  page.other += Math.max(0, unionLength(taskIv) / 1000 - tracerMs(taskIv) - WORK_KINDS.reduce((t, k) => t + page[k], 0));
  // Compiling the extension's scripts (before they run: no sample holds their frames yet).
  const compile = ext.filter((e) => kindOf(e.name) === 'compile');
  const world = extensionWorlds(thread as Array<TraceEvent & { dur: number }>);
  const sampled = sampledExtension(events, best.pid);
  return {
    busyMs: unionLength(taskIv) / 1000 - tracerMs(taskIv),
    busyCpuMs: cpuMs(tasks) - tracerMs(taskIv, 'tdur'),
    sampledJsMs: sampled.jsMs,
    places: sampled.places,
    compileMs: unionLength(compile.map(interval)) / 1000,
    worldMs: world ? world.reduce((t, e) => t + e.dur / 1000, 0) : NaN,
    extensionMs: unionLength(extTasks) / 1000 - tracerMs(extTasks),
    extensionCpuMs: cpuMs(extTaskEvents) - tracerMs(extTasks, 'tdur'),
    extensionScriptMs: unionLength(ext.map(interval)) / 1000,
    work,
    page,
  };
}

/** Starts a trace of the page behind `cdp`; `stop()` ends it and gives its events. */
async function startTrace(cdp: CDPSession): Promise<{ stop: () => Promise<TraceEvent[]> }> {
  const events: TraceEvent[] = [];
  cdp.on('Tracing.dataCollected', (p) => void events.push(...(p.value as unknown as TraceEvent[])));
  const complete = new Promise<void>((r) => cdp.once('Tracing.tracingComplete', () => r()));
  await cdp.send('Tracing.start', {
    transferMode: 'ReportEvents',
    traceConfig: { includedCategories: TRACE_CATEGORIES, recordMode: 'recordAsMuchAsPossible' },
  });
  return {
    stop: async () => {
      await cdp.send('Tracing.end');
      await Promise.race([complete, sleep(20_000)]);
      return events;
    },
  };
}

/** What Alt+Shift+L does: the worker tells the tab at `url` to toggle its card. */
async function toggleCard(ext: ExtensionBrowser, url: string) {
  await ext.worker.evaluate(async (tabUrl) => {
    const { chrome } = globalThis as unknown as {
      chrome: { tabs: { query(q: object): Promise<Array<{ id: number }>>; sendMessage(id: number, m: object): Promise<unknown> } };
    };
    const [tab] = await chrome.tabs.query({ url: tabUrl });
    if (!tab) throw new Error(`no tab at ${tabUrl}`);
    await chrome.tabs.sendMessage(tab.id, { type: 'card/toggle' });
  }, url);
}

/**
 * Collapses (or expands) the card on the tool page at `url` as a user does, and waits until the worker
 * has saved it for the site: the site's next pages open the card so.
 */
async function collapseCard(ext: ExtensionBrowser, url: string, collapsed: boolean) {
  const page = await ext.context.newPage();
  await page.goto(url, { waitUntil: 'load' });
  const card = cardOf(page);
  await card.locator(`${CARD_READY}, ${PILL_READY}`).first().waitFor({ timeout: 30_000 });
  if (collapsed && (await card.locator(CARD_READY).count())) await card.getByRole('button', { name: 'Collapse' }).click();
  if (!collapsed && (await card.locator(PILL_READY).count())) await card.locator(PILL_READY).click();
  await cardCollapsedSaved(ext, new URL(url).origin, collapsed);
  await page.close();
}

/** The card's "Hide on this site" (saved in the site's prefs), and the card gone from the page. */
async function hideCard(page: Page) {
  await cardOf(page).getByRole('button', { name: 'Hide on this site' }).click();
  await page.waitForFunction(() => !document.querySelector('tool-lens-card'), undefined, { timeout: 30_000 });
}

/** A page load traced; with `cardOfExtension`, until that extension's card shows figures (`ready`: which ones). */
async function traced(context: BrowserContext, url: string, cardOfExtension?: string, ready = CARD_READY) {
  const page = await context.newPage();
  const cdp = await context.newCDPSession(page);
  const cardShown = cardOfExtension ? await cardClock(cdp, cardOfExtension, ready) : undefined;
  const trace = await startTrace(cdp);
  await page.goto(url, { waitUntil: 'load', timeout: 30_000 });
  // Settle first, then look once: polling the card during the trace would add work to this arm only.
  await sleep(SETTLE_MS);
  if (cardShown) await cardShown(30_000);
  const events = await trace.stop();
  await page.close();
  keepTrace(cardOfExtension ? 'load-with' : 'load-without', events);
  return events;
}

/**
 * An extension page opened in a new tab (the popup, or the floor's pages): from navigation start, its
 * HTML parsed (domInteractive), its module scripts run (DOMContentLoaded), POPUP_READY_SELECTOR's
 * element in the DOM (a MutationObserver installed before the page's first script) and the frame after.
 */
async function timePage(context: BrowserContext, url: string) {
  const page = await context.newPage();
  await page.addInitScript(POPUP_OBSERVER);
  await page.goto(url, { waitUntil: 'load', timeout: 30_000 });
  await page.locator(POPUP_READY_SELECTOR).first().waitFor({ timeout: 10_000 });
  await page
    .waitForFunction(() => (window as unknown as { __toolLensBench?: { frame?: number } }).__toolLensBench?.frame !== undefined, null, { timeout: 5_000 })
    .catch(() => undefined);
  const r = await page.evaluate(() => {
    const nav = performance.getEntriesByType('navigation')[0] as PerformanceNavigationTiming | undefined;
    const rec = (window as unknown as { __toolLensBench?: { ready?: number; frame?: number } }).__toolLensBench ?? {};
    return { ready: rec.ready ?? NaN, frame: rec.frame ?? NaN, parsed: nav?.domInteractive ?? NaN, scripts: nav?.domContentLoadedEventStart ?? NaN };
  });
  await page.close();
  return r;
}

/** With BENCH_TRACE_DIR set, each trace is kept there as JSON (Chromium's DevTools opens it). */
function keepTrace(kind: string, events: TraceEvent[]) {
  const dir = process.env.BENCH_TRACE_DIR;
  if (dir) writeFileSync(join(dir, `${kind}-${Date.now()}.json`), JSON.stringify(events));
}

/**
 * The card drawn on a tool page that has loaded and settled, where the card was hidden (the site's
 * prefs): traced from the worker's `card/toggle` (what Alt+Shift+L sends) until the card's figures
 * are in and SETTLE_MS after. Nothing else happens on that page then, so the whole main thread of
 * the trace is the card's: its first render, style, layout and paint, without a page load beside it.
 */
async function tracedDraw(ext: ExtensionBrowser, url: string) {
  const page = await ext.context.newPage();
  const cdp = await ext.context.newCDPSession(page);
  const cardShown = await cardClock(cdp, ext.extensionId);
  await page.goto(url, { waitUntil: 'load', timeout: 30_000 });
  await sleep(SETTLE_MS);
  const trace = await startTrace(cdp);
  // A mark in the trace where the card's part starts. V8's profiler starts with the first script the
  // page runs once the trace is on: this one, not the card's.
  await page.evaluate((mark) => console.timeStamp(mark), DRAW_MARK);
  await sleep(200);
  await toggleCard(ext, url);
  // Not looked at during the trace (each look is work on this thread): afterwards, and it must have
  // been drawn inside it.
  await sleep(2 * SETTLE_MS);
  const traceEnd = await page.evaluate(() => performance.now());
  const events = await trace.stop();
  keepTrace('draw', events);
  const fromToggle = afterDrawMark(events);
  const drawn = await cardShown(30_000);
  if (!(drawn.frame < traceEnd)) throw new Error(`The card was not drawn within ${2 * SETTLE_MS} ms of the toggle.`);
  // Hidden again for the next run (the toggle saved the prefs as shown).
  await hideCard(page);
  await page.close();
  return fromToggle;
}

/** The trace's mark before the toggle (console.timeStamp): what ran on the page until then is the bench's, not the card's. */
const DRAW_MARK = 'tool-lens-bench:toggle';

/** The events after the task that holds DRAW_MARK, on its thread (everything else as it is). */
function afterDrawMark(events: TraceEvent[]): TraceEvent[] {
  const mark = events.find((e) => e.name === 'TimeStamp' && (e.args as { data?: { message?: string } })?.data?.message === DRAW_MARK);
  if (!mark) throw new Error('The trace has no mark before the toggle.');
  const task = events.find((e) => e.pid === mark.pid && e.tid === mark.tid && e.name === 'RunTask' && e.ts <= mark.ts && e.ts + (e.dur ?? 0) >= mark.ts);
  const from = task ? task.ts + task.dur! : mark.ts;
  return events.filter((e) => e.ph !== 'X' || e.pid !== mark.pid || e.tid !== mark.tid || e.ts >= from);
}

/** DOMContentLoaded → card figures in the DOM, and → the next frame; the page's first contentful paint → that frame (one clock: the page's). */
async function timeCard(page: Page, url: string, extensionId: string) {
  const cdp = await page.context().newCDPSession(page);
  const cardShown = await cardClock(cdp, extensionId);
  await page.goto(url, { waitUntil: 'domcontentloaded', timeout: 30_000 });
  const rec = await cardShown(30_000);
  await cdp.detach();
  const { dcl, paint } = await page.evaluate(() => ({
    dcl: (performance.getEntriesByType('navigation')[0] as PerformanceNavigationTiming).domContentLoadedEventStart,
    paint: performance.getEntriesByName('first-contentful-paint')[0]?.startTime ?? NaN,
  }));
  // afterPaint: how long after the page first showed content the card showed (the page's clock too).
  return { dcl, ready: rec.ready - dcl, visible: rec.frame - dcl, afterPaint: rec.frame - paint };
}

async function main() {
  const result: Record<string, unknown> = { runs: RUNS };
  const save = () => writeFileSync(out!, JSON.stringify(result, null, 2));
  const postHog = await startLocalPostHog({ seed: { seed: 42, days: 30, events: 60_000 } });
  const proxy = await startCountingProxy(postHog.url);
  const site = await startSampleSite({ postHogUrl: postHog.url, projectApiKey: postHog.projectApiKey });
  const ext = await launchWithExtension({ headless: true });
  const plain = await chromium.launch({ executablePath: chromiumPath(), headless: true, args: QUIET_FLAGS });
  const plainContext = await plain.newContext({ viewport: { width: 1280, height: 860 }, colorScheme: 'light' });
  // The floor (bench/floorExtension.ts): an extension that does nothing, in a browser of its own.
  const floorDir = runs('floor') ? await mkdtemp(join(tmpdir(), 'tool-lens-bench-floor-')) : null;
  if (floorDir) await writeFloorExtension(floorDir, site.url, POPUP_READY_SELECTOR);
  const floor = floorDir ? await launchWithExtension({ headless: true, extensionDir: floorDir, keepFirstRunTab: true }) : null;
  try {
    result.chromium = plain.version();
    const settings = { host: 'custom' as const, customHost: proxy.url, projectId: String(postHog.projectId), apiKey: postHog.apiKey };
    // Tool Lens runs only on the sites the user enabled: enable the sample site.
    await configureExtension(ext, settings, [site.url]);
    /** Empties the background worker's cache: it clears it whenever the settings change. */
    const clearCache = async () => {
      await configureExtension(ext, { ...settings, projectId: '999' });
      await configureExtension(ext, settings);
      // A settings change also refreshes auto-mapping and runs an alert check: let those finish,
      // so only the cards' own requests are counted.
      for (let quiet = 0, seen = proxy.queries.length; quiet < 10;) {
        await sleep(100);
        if (proxy.queries.length === seen) quiet++;
        else {
          seen = proxy.queries.length;
          quiet = 0;
        }
      }
    };
    const toolUrl = (tool: string) => `${site.url}/tools/${tool}`;

    // Warm up both browsers (HTTP cache, code cache, the worker) on both kinds of page.
    for (const context of [ext.context, plainContext]) {
      for (const url of [`${site.url}/about`, toolUrl('news-analyzer')]) {
        const p = await context.newPage();
        await p.goto(url, { waitUntil: 'load' });
        if (context === ext.context && url.includes('/tools/')) await cardOf(p).locator(CARD_READY).waitFor({ timeout: 30_000 });
        await p.close();
      }
    }

    // 1. Main-thread time, with vs without the extension, same pages, alternating.
    if (runs('main')) {
      const main: Record<string, Record<string, number[]>> = {};
      const workBy: Record<string, { extension: Breakdown[]; pageWith: Breakdown[]; pageWithout: Breakdown[] }> = {};
      /** The extension's sampled JavaScript by place in its built scripts, over all the runs. */
      const placesBy: Record<string, BuiltPlace[]> = {};
      for (const [kind, url] of [
        ['nonTool', `${site.url}/about`],
        ['tool', toolUrl('news-analyzer')],
        // The same page with the card collapsed on the site (the user's choice, remembered): only its pill is drawn.
        ['toolCollapsed', toolUrl('news-analyzer')],
      ] as const) {
        // The collapsed card is reported, not judged: a failure there costs its row only, never the
        // figures before it or the parts after.
        const optional = kind === 'toolCollapsed';
        try {
          if (optional) await collapseCard(ext, url, true);
          const m: Record<
            | 'withBusy'
            | 'withoutBusy'
            | 'withBusyCpu'
            | 'withoutBusyCpu'
            | 'extensionTask'
            | 'extensionTaskCpu'
            | 'extensionScript'
            | 'sampledJs'
            | 'compile'
            | 'world',
            number[]
          > = (main[kind] = {
            withBusy: [],
            withBusyCpu: [],
            withoutBusyCpu: [],
            extensionTaskCpu: [],
            withoutBusy: [],
            extensionTask: [],
            extensionScript: [],
            sampledJs: [],
            compile: [],
            world: [],
          });
          const works: { extension: Breakdown[]; pageWith: Breakdown[]; pageWithout: Breakdown[] } = (workBy[kind] = {
            extension: [],
            pageWith: [],
            pageWithout: [],
          });
          for (let i = 0; i < RUNS; i++) {
            const a = analyseTrace(
              await traced(ext.context, url, kind === 'nonTool' ? undefined : ext.extensionId, kind === 'toolCollapsed' ? PILL_READY : CARD_READY),
              site.url,
            );
            const b = analyseTrace(await traced(plainContext, url), site.url);
            m.withBusy.push(a.busyMs);
            m.extensionTask.push(a.extensionMs);
            m.extensionTaskCpu.push(a.extensionCpuMs);
            m.withBusyCpu.push(a.busyCpuMs);
            m.withoutBusyCpu.push(b.busyCpuMs);
            m.extensionScript.push(a.extensionScriptMs);
            m.sampledJs.push(a.sampledJsMs);
            m.compile.push(a.compileMs);
            m.world.push(a.worldMs);
            m.withoutBusy.push(b.busyMs);
            works.extension.push(a.work);
            works.pageWith.push(a.page);
            works.pageWithout.push(b.page);
            (placesBy[kind] ??= []).push(...a.places);
          }
        } catch (error) {
          if (!optional) throw error;
          console.error(`[browser] the page with the card collapsed was not measured: ${String(error)}`);
          delete main[kind];
          delete workBy[kind];
          delete placesBy[kind];
        } finally {
          // Expanded again, as the other parts expect.
          if (optional) await collapseCard(ext, url, false);
        }
      }
      result.mainThread = main;
      // Per kind of work: the median over runs of the extension's tasks, and of the whole thread with and without it.
      const med = (bs: Breakdown[]) => Object.fromEntries(WORK_KINDS.map((k) => [k, median(bs.map((b) => b[k]))])) as Breakdown;
      result.mainThreadWork = Object.fromEntries(
        Object.entries(workBy).map(([kind, w]) => [kind, { extension: med(w.extension), pageWith: med(w.pageWith), pageWithout: med(w.pageWithout) }]),
      );
      // By source file and by function, through the build's source maps: ms per run (the mean: most
      // places are hit in a few runs only), the heaviest first.
      const bySource = Object.entries(placesBy).map(([kind, places]) => [kind, placesBySource(places, EXTENSION_DIR, RUNS)] as const);
      result.mainThreadSources = Object.fromEntries(bySource.map(([kind, p]) => [kind, p.sources]));
      result.mainThreadFunctions = Object.fromEntries(bySource.map(([kind, p]) => [kind, p.functions.slice(0, 25)]));
      console.error(JSON.stringify(result.mainThreadWork, null, 1));
      save();
      console.error('[browser] main thread done');
    }

    // 1a. The floor on a page: /about with an extension that does nothing (bench/floorExtension.ts),
    // in a browser of its own, alternated with Tool Lens: what any content script costs the page.
    // Right after the main part, while Tool Lens's browser has opened no more pages than the floor's.
    if (floor) {
      const about = `${site.url}/about`;
      const nonTool: Record<'toolLens' | 'floor', Array<{ js: number; compile: number; world: number }>> = { toolLens: [], floor: [] };
      const warm = await floor.context.newPage();
      await warm.goto(about, { waitUntil: 'load' });
      await warm.close();
      for (let i = 0; i <= RUNS; i++) {
        for (const [who, context] of [
          ['toolLens', ext.context],
          ['floor', floor.context],
        ] as const) {
          const a = analyseTrace(await traced(context, about), site.url);
          if (i > 0) nonTool[who].push({ js: a.sampledJsMs, compile: a.compileMs, world: a.worldMs });
        }
      }
      result.floor = { nonTool };
      save();
      console.error('[browser] floor on /about done');
    }

    // 1b. The card drawn on a settled tool page (toggled in): the rendering part without a page load beside it.
    if (runs('draw')) {
      const hide = await ext.context.newPage();
      await hide.goto(toolUrl('news-analyzer'), { waitUntil: 'load' });
      await hideCard(hide);
      await hide.close();
      const draws: Array<{ sampledJs: number; work: Breakdown; busy: number; busyCpu: number }> = [];
      const drawPlaces: BuiltPlace[] = [];
      for (let i = 0; i < RUNS; i++) {
        const a = analyseTrace(await tracedDraw(ext, toolUrl('news-analyzer')), site.url);
        draws.push({ sampledJs: a.sampledJsMs, work: a.page, busy: a.busyMs, busyCpu: a.busyCpuMs });
        drawPlaces.push(...a.places);
      }
      // Shown again, as the other parts expect.
      const show = await ext.context.newPage();
      await show.goto(toolUrl('news-analyzer'), { waitUntil: 'load' });
      await toggleCard(ext, show.url());
      await cardOf(show).locator(CARD_READY).waitFor({ timeout: 30_000 });
      await show.close();
      result.cardDraw = {
        sampledJs: draws.map((d) => d.sampledJs),
        busy: draws.map((d) => d.busy),
        busyCpu: draws.map((d) => d.busyCpu),
        work: Object.fromEntries(WORK_KINDS.map((k) => [k, draws.map((d) => d.work[k])])),
        functions: placesBySource(drawPlaces, EXTENSION_DIR, RUNS).functions.slice(0, 25),
      };
      save();
      console.error('[browser] draw done');
    }

    // 2. DOMContentLoaded → card visible: cold (cache emptied, one query) and cached.
    if (runs('card')) {
      const cold: Array<{ visible: number; ready: number; queryMs: number; requests: number }> = [];
      for (let i = 0; i < RUNS; i++) {
        await clearCache();
        const before = proxy.queries.length;
        const page = await ext.context.newPage();
        const t = await timeCard(page, toolUrl(TOOLS[i % TOOLS.length]!), ext.extensionId);
        await sleep(500); // any late extra request would be counted
        const qs = proxy.queries.slice(before);
        cold.push({ ...t, queryMs: qs[0]?.ms ?? NaN, requests: qs.length });
        await page.close();
      }
      const cached: Array<{ visible: number; ready: number; afterPaint: number; requests: number }> = [];
      {
        const warm = await ext.context.newPage(); // fills the cache for this tool
        await timeCard(warm, toolUrl('news-analyzer'), ext.extensionId);
        await warm.close();
        for (let i = 0; i < RUNS; i++) {
          const before = proxy.queries.length;
          const page = await ext.context.newPage();
          const t = await timeCard(page, toolUrl('news-analyzer'), ext.extensionId);
          cached.push({ ...t, requests: proxy.queries.length - before });
          await page.close();
        }
      }
      result.cardTiming = { cold, cached };
      save();
      console.error('[browser] card timing done');
    }

    // 3. 20 tabs over 5 tools opened at once, cache emptied first.
    if (runs('burst')) {
      const burst: Array<{ requests: number; perTool: Record<string, number>; allReadyMs: number }> = [];
      for (let round = 0; round < 3; round++) {
        await clearCache();
        const before = proxy.queries.length;
        const started = performance.now();
        const urls = Array.from({ length: 20 }, (_, i) => toolUrl(TOOLS[i % 5]!));
        const pages = await Promise.all(urls.map(() => ext.context.newPage()));
        await Promise.all(pages.map((p, i) => p.goto(urls[i]!, { waitUntil: 'domcontentloaded', timeout: 60_000 })));
        await Promise.all(pages.map((p) => cardOf(p).locator(CARD_READY).waitFor({ timeout: 60_000 })));
        const allReadyMs = performance.now() - started;
        await sleep(500);
        const qs = proxy.queries.slice(before);
        const perTool: Record<string, number> = {};
        for (const q of qs) perTool[q.tool ?? '?'] = (perTool[q.tool ?? '?'] ?? 0) + 1;
        burst.push({ requests: qs.length, perTool, allReadyMs });
        await Promise.all(pages.map((p) => p.close()));
      }
      result.burst = burst;
      save();
      console.error('[browser] 20 tabs done');
    }

    // 4. Popup: time to first render (see POPUP_READY_SELECTOR), cached (after one warm-up open).
    if (runs('popup')) {
      const popupUrl = `chrome-extension://${ext.extensionId}/popup.html`;
      const popup: number[] = [];
      const popupFrame: number[] = [];
      // The browser's own part: the page's HTML parsed (domInteractive), and its module scripts run (DOMContentLoaded).
      const popupParsed: number[] = [];
      const popupScripts: number[] = [];
      // The floor's pages alternated with it, here rather than beside /about: Tool Lens's popup keeps its
      // place after the cards' parts, as before the floor was measured.
      const floorPages: Record<'static' | 'module', Array<{ ready: number; parsed: number }>> = { static: [], module: [] };
      for (let i = 0; i <= RUNS; i++) {
        const r = await timePage(ext.context, popupUrl);
        if (i > 0) {
          popup.push(r.ready);
          popupFrame.push(r.frame);
          popupParsed.push(r.parsed);
          popupScripts.push(r.scripts);
        }
        if (!floor) continue;
        for (const [kind, file] of [
          ['static', FLOOR_STATIC_PAGE],
          ['module', FLOOR_MODULE_PAGE],
        ] as const) {
          const f = await timePage(floor.context, `chrome-extension://${floor.extensionId}/${file}`);
          if (i > 0) floorPages[kind].push({ ready: f.ready, parsed: f.parsed });
        }
      }
      result.popup = { selector: POPUP_READY_SELECTOR, ready: popup, frame: popupFrame, parsed: popupParsed, scripts: popupScripts };
      if (floor) result.floor = { ...(result.floor as object | undefined), pages: floorPages };
      save();
      console.error('[browser] popup done');
    }

    // 5. DOMContentLoaded → card visible in the first tab after the browser restarts (same profile:
    // its settings, cached figures and last policy kept; the worker starts with the browser).
    if (runs('restart')) {
      const profile = await mkdtemp(join(tmpdir(), 'tool-lens-bench-restart-'));
      const restart: Array<{ visible: number; ready: number; requests: number }> = [];
      let browser = await launchWithExtension({ headless: true, userDataDir: profile });
      try {
        await configureExtension(browser, settings, [site.url]);
        const warm = await browser.context.newPage();
        await timeCard(warm, toolUrl('news-analyzer'), browser.extensionId);
        await warm.close();
        for (let i = 0; i < RUNS; i++) {
          await browser.close();
          browser = await launchWithExtension({ headless: true, userDataDir: profile });
          const before = proxy.queries.length;
          const page = await browser.context.newPage();
          const t = await timeCard(page, toolUrl('news-analyzer'), browser.extensionId);
          restart.push({ ...t, requests: proxy.queries.length - before });
          await page.close();
        }
      } finally {
        await browser.close();
        await rm(profile, { recursive: true, force: true });
      }
      result.cardTiming = { ...(result.cardTiming as object | undefined), restart };
      save();
      console.error('[browser] restart done');
    }
  } finally {
    save();
    await plain.close().catch(() => undefined);
    await floor?.close().catch(() => undefined);
    if (floorDir) await rm(floorDir, { recursive: true, force: true });
    await ext.close().catch(() => undefined);
    await site.close();
    await proxy.close();
    await postHog.close();
  }
}

main().then(
  () => process.exit(0),
  (e) => {
    console.error(e);
    process.exit(1);
  },
);

export { median, p95 };

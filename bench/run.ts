/**
 * Tool Lens benchmark: builds the extension, runs the browser and query benchmarks in their own
 * processes (chdb allows one server per process), and writes BENCHMARKS.md.
 *
 *   npx tsx bench/run.ts [--no-build] [--quick] [--runs 7] [--events 10000000]
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';
import { median, p95, type ReadStats } from './common';
import { mainThreadFigure, WORK_KINDS, type MainThreadWork, type WorkKind } from './mainThread';
import type { FunctionShare, SourceShare } from './sourcePlaces';

const ROOT = resolve(import.meta.dirname, '..');
const args = process.argv.slice(2);
const flag = (name: string) => args.includes(name);
const num = (name: string, fallback: number) => (args.indexOf(name) >= 0 ? Number(args[args.indexOf(name) + 1]) : fallback);
const QUICK = flag('--quick');
const RUNS = num('--runs', QUICK ? 3 : 7);
const EVENTS = num('--events', QUICK ? 1_000_000 : 10_000_000);
const SIDE_EVENTS = 1_000_000; // insights side by side, alternative table layout
/** Project sizes of the scale benchmark (bench/scale.ts); `--events` is the one the headline rows quote. */
const SCALES = QUICK ? [1_000_000] : [...new Set([1_000_000, EVENTS, 100_000_000])].sort((a, b) => a - b);
/** The size the materialized comparison runs at. */
const MATERIALIZED_AT = QUICK ? 1_000_000 : EVENTS;
const started = performance.now();
const tmp = mkdtempSync(join(tmpdir(), 'tool-lens-bench-'));

const log = (s: string) => console.error(`[bench ${((performance.now() - started) / 1000).toFixed(0)} s] ${s}`);
const f = (x: number, d = 0) => (Number.isFinite(x) ? x.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d }) : 'n/a');
const verdict = (ok: boolean | null) => (ok === null ? 'report' : ok ? '**pass**' : '**MISS**');

function machine() {
  let chromium = 'unknown';
  try {
    chromium = execFileSync('/usr/bin/chromium', ['--version'], { encoding: 'utf8', timeout: 20_000 }).trim();
  } catch {
    /* reported as unknown */
  }
  let commit = 'unknown';
  try {
    commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT, encoding: 'utf8' }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain'], { cwd: ROOT, encoding: 'utf8' }).trim();
    if (dirty) commit += ' + uncommitted changes';
  } catch {
    /* not a git checkout */
  }
  return {
    cpu: cpus()[0]?.model ?? 'unknown',
    cores: cpus().length,
    memGiB: totalmem() / 2 ** 30,
    node: process.version,
    chromium,
    date: new Date().toISOString(),
    commit,
  };
}

/** Runs a bench script in its own Node process (tsx loader), bounded by a timeout; returns its JSON. */
function child(script: string, outName: string, extra: string[], timeoutMs: number): Promise<Record<string, any> | null> {
  const out = join(tmp, outName);
  return new Promise((done) => {
    const t0 = performance.now();
    const p = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'bench', script), out, ...extra], { cwd: ROOT, stdio: ['ignore', 'inherit', 'inherit'] });
    const timer = setTimeout(() => {
      log(`${script} ${extra.join(' ')} timed out after ${timeoutMs / 1000} s: stopping it`);
      p.kill('SIGKILL');
    }, timeoutMs);
    p.on('exit', (code) => {
      clearTimeout(timer);
      log(`${script} ${extra.join(' ')} finished (exit ${code}) in ${((performance.now() - t0) / 1000).toFixed(0)} s`);
      try {
        done({ ...(JSON.parse(readFileSync(out, 'utf8')) as Record<string, unknown>), exitCode: code, wallMs: performance.now() - t0 });
      } catch {
        done(null);
      }
    });
  });
}

async function main() {
  const m = machine();
  log(`${m.cpu} × ${m.cores}, Node ${m.node}, ${m.chromium}`);

  // Build.
  let build = 'skipped (--no-build): measured the existing .output/chrome-mv3';
  if (!flag('--no-build')) {
    const t0 = performance.now();
    // Sizes are the production build's; the browser benchmark loads the localhost one (loopback granted).
    const r = spawnSync('npx', ['wxt', 'build'], { cwd: ROOT, encoding: 'utf8', timeout: 240_000 });
    // With source maps beside its scripts (not named in them: the same scripts), to say which source each sampled ms is in.
    if (r.status === 0)
      spawnSync('npx', ['wxt', 'build', '--mode', 'localhost'], {
        cwd: ROOT,
        encoding: 'utf8',
        timeout: 240_000,
        env: { ...process.env, TOOL_LENS_SOURCEMAPS: '1' },
      });
    build =
      r.status === 0
        ? `\`npx wxt build\` (${f((performance.now() - t0) / 1000)} s)`
        : `\`npx wxt build\` FAILED (exit ${r.status}): measured the previous build in .output/chrome-mv3`;
    if (r.status !== 0) log(`build failed:\n${(r.stdout ?? '').slice(-1500)}\n${(r.stderr ?? '').slice(-1500)}`);
    log(build);
  }
  // The content script: the matcher (entrypoints/matcher.ts), registered on the enabled sites. It has no CSS of its own.
  const contentJs = join(ROOT, '.output/chrome-mv3/matcher.js');
  const files = [contentJs].filter(existsSync);
  const raw = files.reduce((s, p) => s + statSync(p).size, 0);
  const gz = files.reduce((s, p) => s + gzipSync(readFileSync(p), { level: 9 }).length, 0);
  const br = files.reduce((s, p) => s + brotliCompressSync(readFileSync(p), { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }).length, 0);
  const cardJs = join(ROOT, '.output/chrome-mv3/card.js');
  const gzCard = existsSync(cardJs) ? gzipSync(readFileSync(cardJs), { level: 9 }).length : NaN;
  // The watcher (entrypoints/watcher.ts): the content script on the pages of a site where no tool can be by the URL.
  const watcherJs = join(ROOT, '.output/chrome-mv3/watcher.js');
  const gzWatcher = existsSync(watcherJs) ? gzipSync(readFileSync(watcherJs), { level: 9 }).length : NaN;
  const builtAt = existsSync(contentJs) ? statSync(contentJs).mtime.toISOString() : 'missing';

  // The browser first, while nothing else runs; then the parser; then the queries.
  log('browser benchmark…');
  const browser = await child('browser.ts', 'browser.json', ['--runs', String(RUNS)], 660_000);
  // The same 20 tabs while another process keeps a core busy: does one request per tool still hold?
  log('20 tabs over 5 tools again, with a CPU-heavy process running beside the browser…');
  const hog = spawn(process.execPath, ['-e', 'for (;;) {}'], { stdio: 'ignore' });
  const underLoad = await child('browser.ts', 'burst-load.json', ['--only', 'burst'], 300_000).finally(() => hog.kill('SIGKILL'));
  log("parse benchmark (PostHog's parser on every query the extension sends, beside insight 6)…");
  const parse = await child('parse.ts', 'parse.json', ['--runs', QUICK ? '5' : '9'], 600_000);
  log(`queries on ${f(SIDE_EVENTS)} events (insights side by side, table layouts)…`);
  const side = await child('queries.ts', 'side.json', ['--events', String(SIDE_EVENTS)], 300_000);
  // Projects 100–1000× the demo: seeded inside ClickHouse, the card as the extension sends it.
  const scales: NonNullable<R>[] = [];
  for (const events of SCALES) {
    log(
      `scale: ${f(events)} events seeded inside ClickHouse, the card query exact and as sent${events === MATERIALIZED_AT ? ', materialized tool_name' : ''}…`,
    );
    const r = await child(
      'scale.ts',
      `scale-${events}.json`,
      ['--events', String(events), ...(events === MATERIALIZED_AT ? ['--materialized'] : [])],
      Math.max(300_000, (events / 1_000_000) * 15_000),
    );
    if (r) scales.push(r);
  }
  const scale = scales.find((r) => r.events === EVENTS) ?? null;

  const totalS = (performance.now() - started) / 1000;
  writeFileSync(
    join(ROOT, 'BENCHMARKS.md'),
    report({ m, build, builtAt, raw, gz, br, gzCard, gzWatcher, browser, underLoad, parse, side, scale, scales, totalS }),
  );
  rmSync(tmp, { recursive: true, force: true });
  log(`BENCHMARKS.md written; total ${f(totalS)} s`);
}

type R = Record<string, any> | null;

/**
 * How fast this machine is, by a figure every run measures the same way: PostHog's parser on seed 000's
 * insight 6. The millisecond goals of issue #15 were set on a machine where it took 33 ms (the Intel
 * Xeon of the bench of 2026-12-02 06:07 UTC); on a slower machine every millisecond figure grows with it.
 */
const REFERENCE_INSIGHT_6_MS = 33;
/**
 * The browser's own speed, which the parser does not tell (machines differ more in Chromium than in
 * Node): the sample site's tool page in the browser without the extension, its main thread's busy
 * time (median). 241 ms on the Intel Xeon of the bench of 2026-12-06 06:07 UTC (4487deb), whose
 * parser ratio was 0.9×.
 */
const REFERENCE_PLAIN_TOOL_PAGE_MS = 241.4;
function speedLine(parse: R, browser: R): string {
  const insight = median(((parse?.results ?? []) as Array<{ insightMs: number }>).map((r) => r.insightMs));
  const plain = median((browser?.mainThread?.tool?.withoutBusy ?? []) as number[]);
  const parser = Number.isFinite(insight)
    ? `PostHog's parser on insight 6: ${f(insight)} ms median over every run of the parse benchmark (${f(REFERENCE_INSIGHT_6_MS)} ms on the machine the millisecond goals were set on: this one is ${f(insight / REFERENCE_INSIGHT_6_MS, 1)}× as slow)`
    : "PostHog's parser: not measured";
  const chromium = Number.isFinite(plain)
    ? `; Chromium, the tool page without the extension: ${f(plain)} ms of main thread (${f(REFERENCE_PLAIN_TOOL_PAGE_MS)} ms on the Intel Xeon of the bench of 2026-12-06 06:07 UTC: this one is ${f(plain / REFERENCE_PLAIN_TOOL_PAGE_MS, 1)}× as slow)`
    : '';
  return `${parser}${chromium}; ratios measured side by side do not depend on either`;
}

function report(x: {
  m: ReturnType<typeof machine>;
  build: string;
  builtAt: string;
  raw: number;
  gz: number;
  br: number;
  gzCard: number;
  gzWatcher: number;
  browser: R;
  underLoad: R;
  parse: R;
  side: R;
  scale: R;
  scales: NonNullable<R>[];
  totalS: number;
}): string {
  const { m, browser: b, side, scale, parse } = x;
  const KB = 1024;
  const rows: string[][] = [];
  const row = (figure: string, measured: string, target: string, ok: boolean | null, how: string) => rows.push([figure, measured, target, verdict(ok), how]);

  row(
    'Content script, gzip (matcher.js)',
    `${f(x.gz / KB, 1)} KB (raw ${f(x.raw / KB, 1)} KB, brotli ${f(x.br / KB, 1)} KB)`,
    '≤ 15 KB',
    x.gz / KB <= 15,
    `gzip -9 (zlib level 9) of the built file; KB = 1024 bytes${Number.isFinite(x.gzCard) ? `; the card script card.js, loaded on tool pages only, ${f(x.gzCard / KB, 1)} KB` : ''}${Number.isFinite(x.gzWatcher) ? `; the watcher watcher.js, registered where the site's rules name no tool by the URL, ${f(x.gzWatcher / KB, 1)} KB` : ''}`,
  );

  for (const [kind, label, target] of [
    ['nonTool', 'enabled non-tool page (/about)', 2],
    ['tool', 'tool page (/tools/news-analyzer, cached figures)', 30],
  ] as const) {
    const mt = b?.mainThread?.[kind];
    if (!mt) {
      row(`Main-thread time added, ${label}`, 'not measured', `≤ ${target} ms`, false, 'browser benchmark failed');
      continue;
    }
    const work = b?.mainThreadWork?.[kind] as MainThreadWork | undefined;
    const fig = mainThreadFigure(mt, work, kind === 'tool');
    const diff = median(mt.withBusy) - median(mt.withoutBusy);
    row(
      `Main-thread time added, ${label}`,
      `${f(fig.total, 1)} ms median (p95 ${f(fig.p95, 1)}): its JavaScript ${f(fig.js, 1)}, compiling its scripts ${f(fig.compile, 1)}, setting up their isolated world ${f(fig.world, 1)}${kind === 'tool' ? `, the card's style + layout + paint ${f(fig.rendering, 1)}` : ''}. Trace events naming its scripts ${f(median(mt.extensionScript), 1)} ms; page busy with − without ${f(diff, 1)} ms`,
      `≤ ${target} ms`,
      fig.total <= target,
      `Chromium trace (CDP Tracing, with V8's sampling profiler) of the page's renderer main thread, navigation → load + 1 s${kind === 'tool' ? ' (and the card ready, checked once after)' : ''}, ${b!.runs} runs each, beside a second browser without the extension on the same page. Measured value: the samples whose stack holds the extension's code (what it calls included: a forced layout, DOM calls) + the compile events of its scripts + the browser setting up the isolated world they run in (its \`LocalWindowProxy::Initialize\`, before their first line: bench/mainThread.ts extensionWorlds)${kind === 'tool' ? " + the page's style, layout and paint with the extension minus without (medians: the card's own frames, which no extension task holds)" : ''}. Where the time goes, by kind of work: "Main thread, by kind of work" below. "With − without" = median busy time (${f(median(mt.withBusy), 1)} vs ${f(median(mt.withoutBusy), 1)} ms): two browsers' loads differ by tens of ms run to run, so it is reported, not judged`,
    );
  }

  // The same tool page with the card collapsed on the site, as a user can leave it (remembered per site): its pill alone is drawn.
  const collapsed = b?.mainThread?.toolCollapsed;
  if (collapsed) {
    const fig = mainThreadFigure(collapsed, b?.mainThreadWork?.toolCollapsed as MainThreadWork | undefined, true);
    row(
      'Main-thread time added, tool page with the card collapsed (its pill)',
      `${f(fig.total, 1)} ms median (p95 ${f(fig.p95, 1)}): its JavaScript ${f(fig.js, 1)}, compiling its scripts ${f(fig.compile, 1)}, setting up their isolated world ${f(fig.world, 1)}, the pill's style + layout + paint ${f(fig.rendering, 1)}`,
      'report (the expanded card: ≤ 30 ms)',
      null,
      `As the tool page above, ${b!.runs} runs each beside the browser without the extension, after collapsing the card on the site as a user does (the card's prefs remember it per site, components/card/CardContainer.tsx): the matcher, the card script and the figures load as for the expanded card; its first render draws the pill only. Its runs come after the tool page's, not alternated with them`,
    );
  }

  const parsed = (parse?.results ?? []) as Array<{ name: string; chars: number; ms: number; insightMs: number; ratio: number }>;
  const heaviest = parsed[0];
  row(
    "PostHog's parser: the heaviest query the extension sends vs seed 000's insight 6",
    heaviest
      ? `${f(heaviest.ratio, 1)}× (${heaviest.name}: ${f(heaviest.ms)} ms, ${f(heaviest.chars)} chars; insight 6: ${f(heaviest.insightMs)} ms, ${f(parse!.insight6Chars)} chars)`
      : 'not measured',
    '≤ 10×',
    heaviest ? heaviest.ratio <= 10 : false,
    `@posthog/hogql-parser (the parser PostHog and the local server run) on each distinct query of cli/queryCatalog.ts, uncached, ${parse?.runs ?? '?'} runs each interleaved with insight 6 in the same process (medians); every query's ratio under "Parse cost per query"`,
  );

  const cold = (b?.cardTiming?.cold ?? []) as Array<{ visible: number; queryMs: number; requests: number }>;
  const cached = (b?.cardTiming?.cached ?? []) as Array<{ visible: number; afterPaint?: number; requests: number }>;
  const cachedVis = cached.map((c) => c.visible);
  const afterPaint = cached.map((c) => c.afterPaint ?? NaN).filter((v) => !Number.isNaN(v));
  row(
    'DOMContentLoaded → card visible, cached',
    cached.length
      ? `${f(median(cachedVis))} ms median (p95 ${f(p95(cachedVis))})${afterPaint.length ? `; ${f(median(afterPaint))} ms after the page's first contentful paint` : ''}`
      : 'not measured',
    '≤ 50 ms',
    cached.length ? median(cachedVis) <= 50 : false,
    `The card stamps its figures' element with performance.now() when it enters the DOM and at the next animation frame (components/card/useReadyStamp.ts); the bench reads the stamps in the content script's isolated world, opening the closed shadow root with chrome.dom.openOrClosedShadowRoot; visible = the frame's stamp minus the navigation entry's domContentLoadedEventStart (a card drawn while the page parsed is stamped when it is put on the page, at DOMContentLoaded). Same tool re-opened in a new tab within the worker's 60 s cache; ${cached.length} runs`,
  );
  const overhead = cold.map((c) => c.visible - c.queryMs);
  row(
    'DOMContentLoaded → card visible, cold (local server)',
    cold.length
      ? `${f(median(cold.map((c) => c.visible)))} ms median; query ${f(median(cold.map((c) => c.queryMs)))} ms; overhead ${f(median(overhead))} ms (p95 ${f(p95(overhead))})`
      : 'not measured',
    '≤ query time + 30 ms',
    cold.length ? median(overhead) <= 30 : false,
    `As above, after emptying the worker's cache (settings rewritten); query time = the query request's duration at a counting proxy in front of the local server (60 k events, 30 days); ${cold.length} runs over the 6 sample tools`,
  );
  const restart = (b?.cardTiming?.restart ?? []) as Array<{ visible: number; requests: number }>;
  row(
    'DOMContentLoaded → card visible, first tab after a browser restart',
    restart.length
      ? `${f(median(restart.map((r) => r.visible)))} ms median (p95 ${f(p95(restart.map((r) => r.visible)))}); ${Math.min(...restart.map((r) => r.requests))}–${Math.max(...restart.map((r) => r.requests))} query requests`
      : 'not measured',
    'report',
    null,
    `As above, in the first tab of a browser restarted on the same profile (its settings, cached figures and last policy kept; the worker starts with the browser), the tool's figures cached before the first restart; ${restart.length} restarts`,
  );
  const coldReq = cold.map((c) => c.requests);
  row(
    'Requests for one card',
    cold.length ? `${Math.min(...coldReq)}–${Math.max(...coldReq)} (cold); ${Math.max(0, ...cached.map((c) => c.requests))} (cached)` : 'not measured',
    '1',
    cold.length ? coldReq.every((n) => n === 1) : false,
    'POST …/query requests counted at the proxy from navigation until 500 ms after the card is ready, each cold run',
  );
  const burst = (b?.burst ?? []) as Array<{ requests: number; allReadyMs: number }>;
  row(
    'Requests for 20 tabs over 5 tools opened at once',
    burst.length
      ? `${burst.map((r) => r.requests).join(', ')} (${burst.length} rounds); all 20 cards ready in ${f(median(burst.map((r) => r.allReadyMs)))} ms median`
      : 'not measured',
    '5',
    burst.length ? burst.every((r) => r.requests === 5) : false,
    '20 new tabs (4 per tool) navigated concurrently after emptying the cache; proxy count until every card is ready + 500 ms',
  );
  const loaded = (x.underLoad?.burst ?? []) as Array<{ requests: number; allReadyMs: number }>;
  row(
    '… the same, with a CPU-heavy process running',
    loaded.length
      ? `${loaded.map((r) => r.requests).join(', ')} (${loaded.length} rounds); all 20 cards ready in ${f(median(loaded.map((r) => r.allReadyMs)))} ms median`
      : 'not measured',
    '5 every round',
    loaded.length ? loaded.every((r) => r.requests === 5) : false,
    'bench/browser.ts --only burst in a fresh browser while `node -e "for (;;) {}"` keeps one of the cores busy',
  );

  // The scale runs (bench/scale.ts): seeding, rows and bytes read, the card within PostHog's ceiling.
  const exactMs = (r: R) => (r?.exactHttp ?? []).map((h: { ms: number }) => h.ms);
  if (scale?.exactEngine) {
    const e = scale.exactEngine;
    row(
      `Rows read by the card query vs the tool's events in range (${f(scale.events)} events, ${scale.tool}, 7d)`,
      `${f(e.rowsRead / scale.toolEventsInRange, 1)}× (${f(e.rowsRead)} rows read / ${f(scale.toolEventsInRange)} events; the look-back holds ${f(scale.eventsInLookback)} events of every tool, ${f(scale.toolEventsInLookback)} of this one)`,
      '≤ 1.1×',
      e.rowsRead / scale.toolEventsInRange <= 1.1,
      "ClickHouse's own read statistics (read_rows) for the translated card query, via FORMAT JSONEachRowWithProgress on the server's chdb session; denominator: the tool's events (both spellings) in the range",
    );
  } else row("Rows read by the card query vs the tool's events", 'not measured', '≤ 1.1×', false, 'scale benchmark failed');
  row(
    "Seed 000's 12 insight queries, restricted to one tool",
    side?.insights ? 'see "Insights side by side"' : 'not measured',
    'report',
    null,
    `${f(SIDE_EVENTS)} events, 30 days, tool ${side?.insightTool ?? ''}`,
  );
  for (const [events, target] of [
    [10_000_000, 60],
    [100_000_000, 600],
  ] as const) {
    const r = x.scales.find((s) => s.events === events);
    if (!r && QUICK) continue;
    row(
      `Local server: seeding ${f(events)} events`,
      r ? `${f(r.seedMs / 1000, 1)} s (${f(r.totalRows)} events, ${f(r.totalRows / (r.seedMs / 1000))} events/s)` : 'not measured',
      `≤ ${target} s`,
      r ? r.seedMs <= target * 1000 : false,
      "startLocalPostHog({ seed: { seed: 42, days: 30, events, inClickHouse: true } }) wall time: one INSERT … SELECT … FROM numbers(sessions) drawing seed.ts's sessions from hashes (local-posthog/bulkSeed.ts), into PostHog's events table (sort key, SAMPLE BY), property types from a 5 k-event sample",
    );
  }
  const lat = exactMs(scale);
  row(
    `Card query over HTTP on ${f(EVENTS)} events, exact`,
    lat.length
      ? `${f(median(lat))} ms p50 (${lat.length} runs, statuses ${(scale!.exactHttp as Array<{ status: number }>).map((h) => h.status).join(', ')}; ClickHouse alone ${f(scale!.exactEngine.elapsedMs)} ms)`
      : 'not measured',
    'p50 ≤ 1,500 ms (issue #15)',
    lat.length ? median(lat) <= 1500 : false,
    'POST /api/projects/1/query/ with refresh force_blocking over loopback (HogQL parse + translate + ClickHouse + JSON), default options, news-analyzer, range 7d, seeded inside ClickHouse',
  );
  const biggest = x.scales.find((s) => s.events === 100_000_000);
  if (biggest || !QUICK) {
    const sent = biggest?.sampledHttp ?? biggest?.exactHttp ?? [];
    const factor = biggest?.sampling?.factor ?? 1;
    row(
      'The card on 100,000,000 events, as the extension sends it',
      sent.length
        ? `${factor > 1 ? `sampled 1 in ${factor} users` : 'exact'}: ${f(median(sent.map((h: { ms: number }) => h.ms)))} ms p50, statuses ${sent.map((h: { status: number }) => h.status).join(', ')} (exact: ${biggest!.exactHttp.map((h: { status: number }) => h.status).join(', ')}${biggest!.exactAsync?.ms ? `; as an async query ${f(biggest!.exactAsync.ms / 1000, 1)} s` : ''})`
        : 'not measured',
      "inside the local API ceiling (10 s, PostHog's)",
      sent.length ? sent.every((h: { status: number; ms: number }) => h.status === 200 && h.ms <= 10_000) : false,
      `POST …/query/ (blocking) of the card query with the sample factor lib/card/sampling.ts gives the tool's ${f(biggest?.toolEventsInLookback ?? NaN)} events in the 14-day look-back (threshold ${f(biggest?.sampling?.aboveEvents ?? NaN)}), ${sent.length} runs; the local server answers 504 past 10 s as PostHog's API does`,
    );
  }
  const mat = x.scales.find((s) => s.materialized)?.materialized;
  row(
    'Bytes read by the card query with tool_name materialized, vs without (same data)',
    mat
      ? `${f(mat.toolName.bytesRead / mat.without.bytesRead, 2)}× (${f(mat.toolName.bytesRead / 2 ** 20)} vs ${f(mat.without.bytesRead / 2 ** 20)} MiB; time ${f(mat.toolName.elapsedMs)} vs ${f(mat.without.elapsedMs)} ms). Every property the card reads materialized: ${f(mat.every.bytesRead / mat.without.bytesRead, 2)}×, ${f(mat.every.elapsedMs)} ms`
      : 'not measured',
    '≤ 0.33×',
    mat ? mat.toolName.bytesRead / mat.without.bytesRead <= 1 / 3 : false,
    `ClickHouse's read statistics (read_bytes, median time of 3 runs) of the translated exact card query on ${f(x.scales.find((s) => s.materialized)?.events ?? NaN)} events: without materialized columns, with \`mat_tool_name\` and \`mat_$tool_name\` (PostHog's names and printing, filled for every row), and with all ${mat?.everyProperties ?? '?'} properties the card reads materialized`,
  );
  const pop = b?.popup;
  row(
    'Popup: time to first render, cached (no dashboards list yet)',
    pop
      ? `${f(median(pop.ready))} ms median (p95 ${f(p95(pop.ready))}); next frame ${f(median(pop.frame))} ms. Of it: HTML parsed at ${f(median(pop.parsed ?? []))} ms, scripts run by ${f(median(pop.scripts ?? []))} ms`
      : 'not measured',
    '≤ 100 ms, the page’s opening included',
    pop ? median(pop.ready) <= 100 : false,
    `popup.html opened in a tab (the toolbar popup cannot be opened by automation), after one warm-up: time from navigation start to ${pop?.selector ?? ''} in the DOM (MutationObserver). Switch to the dashboards list by changing POPUP_READY_SELECTOR in bench/browser.ts`,
  );

  const floor = floorFigures(b);
  row(
    'The floor: an extension that does nothing, alternated with Tool Lens in the same run',
    floor
      ? `/about: ${f(floor.page.total, 1)} ms (its isolated world ${f(floor.page.world, 1)}, compiling ${f(floor.page.compile, 1)}) against Tool Lens's ${f(floor.toolLensPage.total, 1)} ms (world ${f(floor.toolLensPage.world, 1)}). ${
          floor.pages
            ? `An extension page showing the popup's element: static HTML ${f(floor.pages.static.ready)} ms, from one module script ${f(floor.pages.module.ready)} ms, against Tool Lens's popup ${f(floor.pages.popup.ready)} ms (HTML parsed at ${f(floor.pages.static.parsed)} / ${f(floor.pages.module.parsed)} / ${f(floor.pages.popup.parsed)} ms)`
            : "The floor's pages: not measured (the popup's part did not run)"
        }`
      : 'not measured',
    'report (what the 2 ms and 100 ms goals stand on)',
    null,
    `bench/floorExtension.ts: an extension whose content script is one statement at \`document_end\` on the sample site (where Tool Lens's watcher runs on /about), and whose pages show the popup's ready element as static HTML or from a module script of one line. In a browser of its own, ${floor?.runs ?? '?'} runs after one warm-up, each alternated with the same measure of Tool Lens in its browser: /about traced and counted as the non-tool row counts it (samples of its code + the compile of its scripts + its isolated world), right after the main part; the pages timed as the popup row times it, in the popup's part, alternated with the popup's openings`,
  );

  const table = [
    '| figure | measured | target | result | how measured |',
    '|---|---|---|---|---|',
    ...rows.map((r) => `| ${r.map((c) => c.replaceAll('|', '\\|')).join(' | ')} |`),
  ].join('\n');

  const insights = (side?.insights ?? []) as Array<Record<string, any>>;
  const sideRatio = (side?.ratios ?? []) as Array<Record<string, any>>;
  const insightTable = [
    '| query | rows read | tool events (range) | ratio | bytes read | ClickHouse ms | HTTP p50 / p95 ms |',
    '|---|---|---|---|---|---|---|',
    ...sideRatio.map(
      (r) =>
        `| **card query** (${r.tool}, 7d, ${r.unionParts === 1 ? 'one pass' : `${r.unionParts} parts`}) | ${f(r.rowsRead)} | ${f(r.inRange)} | ${f(r.rowsRead / r.inRange, 1)}× | ${f(r.bytesRead / 2 ** 20, 1)} MiB | ${f(r.elapsedMs)} | ${r.tool === sideRatio[0]?.tool && side?.cardLatency ? `${f(side.cardLatency.p50)} / ${f(side.cardLatency.p95)}` : '—'} |`,
    ),
    ...insights.map((i) =>
      i.error
        ? `| ${i.n}. ${i.name} | error: ${String(i.error).replaceAll('|', '\\|')} | | | | | |`
        : `| ${i.n}. ${i.name} (30d) | ${f(i.rowsRead)} | ${f(i.toolEvents)} | ${f(i.rowsRead / i.toolEvents, 1)}× | ${f(i.bytesRead / 2 ** 20, 1)} MiB | ${f(i.elapsedMs)} | ${f(i.p50)} / ${f(i.p95)} |`,
    ),
  ].join('\n');

  const alt = side?.alternative;
  const altTable = alt
    ? [
        '| tool | rows read, current key | rows read, key with tool name | one-pass lower bound (current / tool key) | ClickHouse ms current / tool key |',
        '|---|---|---|---|---|',
        ...(alt.alt as Array<Record<string, any>>).map((a, i) => {
          const cur = sideRatio[i] ?? {};
          return `| ${a.tool} | ${f(cur.rowsRead)} (${f(cur.rowsRead / cur.inRange, 1)}×) | ${f(a.rowsRead)} (${f(a.rowsRead / cur.inRange, 1)}×) | ${f(cur.singleScanRowsRead)} (${f(cur.singleScanRowsRead / cur.inRange, 2)}×) / ${f(a.singleScanRowsRead)} (${f(a.singleScanRowsRead / cur.inRange, 2)}×) | ${f(alt.base[i]?.elapsedP50)} / ${f(a.elapsedP50)} |`;
        }),
      ].join('\n')
    : '_not measured_';

  const parseTable = parsed.length
    ? [
        '| query | chars | parse ms | insight 6 ms | ratio |',
        '|---|---|---|---|---|',
        ...parsed.map((p) => `| ${p.name} | ${f(p.chars)} | ${f(p.ms)} | ${f(p.insightMs)} | ${f(p.ratio, 1)}× |`),
      ].join('\n')
    : '_not measured_';

  const mt = b?.mainThread;
  return `# Benchmarks

Written by \`npx tsx bench/run.ts\` (see bench/README.md). Do not edit by hand: re-run the bench.

## Machine

| | |
|---|---|
| CPU | ${m.cpu} × ${m.cores} cores |
| memory | ${f(m.memGiB, 1)} GiB |
| Node | ${m.node} |
| Chromium | ${m.chromium} (headless, playwright-core) |
| date | ${m.date} |
| code | ${m.commit}; extension: ${x.build}, content script built ${x.builtAt} |
| bench runtime | ${f(x.totalS)} s (${f(x.totalS / 60, 1)} min) |
| speed | ${speedLine(parse, b)} |

Medians of ${b?.runs ?? RUNS} runs unless stated; p95 of so few runs is close to the maximum.

## Results

${table}

## Main thread, by kind of work

${workTable(b)}

## The extension's JavaScript, by source

${sourceTable(b)}

## Parse cost per query

PostHog's parser on each distinct query the extension sends, beside seed 000's insight 6 parsed in the same runs.
What the parser pays for is function calls (each one's arguments are scanned again to tell a plain call from a
parametric or window call), nested ones most; operators (\`??\`, \`? :\`, \`INTERVAL\`) cost a third of the calls
they stand for. The local server parses each text once (local-posthog/hogql/parse.ts), so this is paid on the first
card only; PostHog pays it on every request.

${parseTable}

## Insights side by side (${f(side?.events ?? SIDE_EVENTS)} events over 30 days)

Seed 000's 12 insights (reference/000), each restricted to one tool with \`coalesce(properties.tool_name, properties.$tool_name) = {tool}\`
(both spellings, as the card reads them; insights 2, 4 and 12 have no HogQL in the guide and are written here as the
equivalent HogQL). "Ratio" = rows ClickHouse read / the tool's events in the insight's range (all event types).
Rows read come in whole granules of 8,192 rows, so on small tables every ratio is inflated.

${insightTable}

## Table layout: tool name in the sorting key (measured on a copy, not applied)

The events table is ordered by \`(team_id, toDate(timestamp), event, cityHash64(distinct_id), cityHash64(uuid))\` (PostHog's own key):
ClickHouse can skip data by day and event but must read every tool's rows. The bench copies the table into
\`events_by_tool\` ordered by \`${alt?.orderBy ?? ''}\` and runs the same translated card query on it
(copy of ${f(side?.events ?? SIDE_EVENTS)} rows: ${f((alt?.copyMs ?? NaN) / 1000, 1)} s). "One-pass lower bound" = rows read by one
\`count()\` over the six tool events of that tool in the 14-day look-back: what a single-scan card query would read.

${altTable}

## Scale: the card on projects of 1 M to 100 M events

Seeded inside ClickHouse (local-posthog/bulkSeed.ts: seed.ts's sessions, 30 days), the local server held to PostHog's API
rules (a blocking query stops at 10 s with PostHog's 504; 3 queries at once). The card of ${x.scales[0]?.tool ?? 'news-analyzer'}, 7 days
(a 14-day look-back with the period before). "Exact" is the query with every event; "as sent" is what the extension
sends for a tool of that size (lib/card/sampling.ts: a 1-in-N sample of users above ${f(x.scales[0]?.sampling?.aboveEvents ?? NaN)} of the tool's events
in the look-back, by \`SAMPLE 1/N\` on PostHog's \`SAMPLE BY cityHash64(distinct_id)\`). Rows read are ClickHouse's \`read_rows\`, as a
multiple of the tool's events in the range.

${scaleTable(x.scales)}

${materializedTable(x.scales)}

## Misses and what would fix them

${misses({ gz: x.gz / KB, gzCard: x.gzCard / KB, b, scale, scales: x.scales, side, parse })}

## Notes on method

- Every request loop is bounded (fixed run counts, time budgets, timeouts); each part runs in its own process because chdb allows one server per process.
- The local PostHog server for the browser part is seeded with 60 k events over 30 days (seed 42); the card's default range (7 days) is measured.
- chdb's \`ChdbResult.rowsRead\` is the number of *result* rows (1 for a \`count()\`), not rows read; the store's \`QueryResult.rowsRead\` therefore is too. The bench reads ClickHouse's \`read_rows\` from the progress line instead.
- Main-thread: since the content script runs at \`document_start\`, its work runs inside the page's own tasks (the parser's, DOMContentLoaded's), so "tasks that run its code" would count the page's parsing as the extension's; the figure takes V8's samples of its code instead, adds the compile events of its scripts, and on a tool page the with − without difference of style, layout and paint (the card's own frames; two browsers' loads differ by several ms run to run, posthog-js runs on the tool page). Sampled time is wall time: on a busy machine it grows with the load.
${mt ? `- Raw main-thread medians (ms): non-tool with ${f(median(mt.nonTool.withBusy), 1)} / without ${f(median(mt.nonTool.withoutBusy), 1)}; tool with ${f(median(mt.tool.withBusy), 1)} / without ${f(median(mt.tool.withoutBusy), 1)}.` : ''}
`;
}

/** The pages the main-thread figures are measured on (bench/browser.ts), as the report's tables name them. */
const MEASURED_PAGES = [
  ['nonTool', 'non-tool (/about)'],
  ['tool', 'tool page (cached figures)'],
  ['toolCollapsed', 'tool page, the card collapsed'],
] as const;

/**
 * The trace's main-thread events by kind (self time, ms, medians over runs): in the tasks that ran the
 * extension's code, and over the whole page with and without it.
 */
function workTable(b: R): string {
  const w = b?.mainThreadWork as Record<string, MainThreadWork> | undefined;
  if (!w) return '_not measured_';
  const lines = [
    "Self time of the trace events on the page's renderer main thread, by kind (medians of the runs, ms): \"extension's tasks\" = tasks in which its code ran (at `document_start` these include the page's own parsing around it, so read them as an upper bound); \"page with / without\" = the whole thread in each browser. World = a script world set up (a V8 context with its window: the page's own, the bench's automation's, and the extension's isolated world, bench/mainThread.ts extensionWorlds; at `document_end` the extension's world is set up in a task where none of its code runs yet, so its tasks' row shows none of it, while the figure above counts it); compile = V8's compile and code-cache events; evaluate = running a script's top level; callbacks = functions called later (events, messages, timers, microtasks under them); style = style recalculation and style sheets; layout; paint = pre-paint, paint, layerize, commit; gc = V8 and Blink collectors; other = the rest of the tasks (parsing HTML, IPC, scheduling).",
    '',
    `| page | where | ${WORK_KINDS.join(' | ')} |`,
    `|---|---|${WORK_KINDS.map(() => '---').join('|')}|`,
  ];
  for (const [kind, label] of MEASURED_PAGES) {
    const k = w[kind];
    if (!k) continue;
    const cells = (x: Record<string, number>) => WORK_KINDS.map((n) => f(x[n]!, 1)).join(' | ');
    lines.push(`| ${label} | extension's tasks | ${cells(k.extension)} |`);
    lines.push(`| | page with | ${cells(k.pageWith)} |`);
    lines.push(`| | page without | ${cells(k.pageWithout)} |`);
    lines.push(`| | with − without | ${WORK_KINDS.map((n) => f(k.pageWith[n] - k.pageWithout[n], 1)).join(' | ')} |`);
  }
  const draw = cardDraw(b);
  if (draw) {
    lines.push(`| the card drawn alone on a settled tool page | whole thread | ${WORK_KINDS.map((n) => f(draw.work[n], 1)).join(' | ')} |`);
    lines.push(
      '',
      `The last row is the card toggled in (the worker's \`card/toggle\`, what Alt+Shift+L sends) on a tool page that loaded with it hidden and settled, traced from the toggle to 2 s after, ${draw.runs} runs: nothing else runs on that page then, so the whole thread is the card's first draw, without a page load beside it (bench/browser.ts tracedDraw). Its style + layout + paint: ${f(draw.rendering, 1)} ms; its JavaScript (sampled, what it calls included): ${f(draw.js, 1)} ms; the whole thread: ${f(draw.busy, 1)} ms.`,
    );
  }
  const running = runningNote(b);
  if (running) lines.push('', running);
  return lines.join('\n');
}

/**
 * How much of the main thread's busy time it ran, by the trace's thread CPU time (each task's `tdur`):
 * the rest it was not running, waiting for a core or blocked. Every figure is wall time, as the goals
 * are; this says how much of that time the thread was on a core.
 */
function runningNote(b: R): string {
  const tool = b?.mainThread?.tool as Record<string, number[]> | undefined;
  if (!tool?.withBusyCpu?.length) return '';
  const pct = (cpu: number[] | undefined, wall: number[] | undefined) => f((100 * median(cpu ?? [])) / median(wall ?? []));
  const pair = (cpu: number[] | undefined, wall: number[] | undefined) => `${f(median(cpu ?? []), 1)} of ${f(median(wall ?? []), 1)} ms (${pct(cpu, wall)} %)`;
  const d = b?.cardDraw as { busy?: number[]; busyCpu?: number[] } | undefined;
  return `Running or not. Of the time the page's main thread is busy in a task, it runs on a core only part: the rest it is not running, waiting for one of this machine's ${cpus().length} cores (which it shares with the browser's own process, its compositor and network service, the extension's worker, the local servers and the tracer) or blocked (on another process, a lock, the disk). Thread CPU time (the trace's thread duration of each task) against wall time, medians of each over the runs (the share is the ratio of the two medians), tool page: the extension's tasks ${pair(tool.extensionTaskCpu, tool.extensionTask)}; the whole page with the extension ${pair(tool.withBusyCpu, tool.withBusy)}, without ${pair(tool.withoutBusyCpu, tool.withoutBusy)}${d?.busyCpu?.length ? `; the card drawn alone on a settled page ${pair(d.busyCpu, d.busy)}` : ''}. The figures and their goals are wall time, what the page waits.`;
}

/** The tool page's miss, from the card drawn alone: how much of the target its first draw takes by itself. */
function drawNote(b: R): string {
  const draw = cardDraw(b);
  if (!draw) return '';
  return ` Drawn alone on a settled tool page (last row of "Main thread, by kind of work"), the card's first draw takes ${f(draw.busy, 1)} ms of main thread: its style + layout + paint ${f(draw.rendering, 1)} ms (style ${f(draw.work.style, 1)}, layout ${f(draw.work.layout, 1)}, paint ${f(draw.work.paint, 1)}), steadier than the difference of two browsers, and its JavaScript ${f(draw.js, 1)} ms.`;
}

interface FloorRuns {
  nonTool: Record<'toolLens' | 'floor', Array<{ js: number; compile: number; world: number }>>;
  /** Timed in the popup's part, alternated with its openings (absent when that part did not run). */
  pages?: Record<'static' | 'module', Array<{ ready: number; parsed: number }>>;
}
/** The floor beside Tool Lens (bench/browser.ts, bench/floorExtension.ts): medians over its runs. */
function floorFigures(b: R) {
  const fl = b?.floor as FloorRuns | undefined;
  if (!fl?.nonTool.floor.length) return null;
  const page = (rs: FloorRuns['nonTool']['floor']) => ({
    total: median(rs.map((r) => r.js + r.compile + r.world)),
    world: median(rs.map((r) => r.world)),
    compile: median(rs.map((r) => r.compile)),
  });
  const opened = (rs: Array<{ ready: number; parsed: number }>) => ({ ready: median(rs.map((r) => r.ready)), parsed: median(rs.map((r) => r.parsed)) });
  const pop = b?.popup as { ready: number[]; parsed?: number[] } | undefined;
  return {
    runs: fl.nonTool.floor.length,
    page: page(fl.nonTool.floor),
    toolLensPage: page(fl.nonTool.toolLens),
    pages:
      fl.pages?.static.length && pop
        ? {
            static: opened(fl.pages.static),
            module: opened(fl.pages.module),
            popup: { ready: median(pop.ready), parsed: median(pop.parsed ?? []) },
          }
        : null,
  };
}

/** The card drawn alone on a settled tool page (bench/browser.ts tracedDraw): medians over its runs. */
function cardDraw(b: R) {
  const d = b?.cardDraw as { sampledJs: number[]; busy: number[]; work: Record<WorkKind, number[]> } | undefined;
  if (!d?.busy?.length) return null;
  const work = Object.fromEntries(WORK_KINDS.map((k) => [k, median(d.work[k] ?? [])])) as Record<WorkKind, number>;
  return { runs: d.busy.length, work, js: median(d.sampledJs), busy: median(d.busy), rendering: work.style + work.layout + work.paint };
}

/** The heaviest sources of a page's sampled JavaScript, in words: "entrypoints/matcher.ts 18.2, preact 17.2, …". */
function topSources(b: R, kind: (typeof MEASURED_PAGES)[number][0], n = 4): string {
  const list = (b?.mainThreadSources as Record<string, SourceShare[]> | undefined)?.[kind] ?? [];
  return list.length
    ? list
        .slice(0, n)
        .map((x) => `${x.source} ${f(x.ms, 1)}`)
        .join(', ')
    : 'not measured';
}

/** The sampled JavaScript of the main-thread figure by source file, and its heaviest functions, per kind of page. */
function sourceTable(b: R): string {
  const sources = b?.mainThreadSources as Record<string, SourceShare[]> | undefined;
  const functions = b?.mainThreadFunctions as Record<string, FunctionShare[]> | undefined;
  if (!sources) return '_not measured_';
  const lines = [
    'Where the "its JavaScript" part of the main-thread figures is: each V8 sample in the extension\'s code goes to the source file of its innermost extension frame (the bench\'s build writes source maps beside the scripts, bench/sourcePlaces.ts), with what that code called in the browser (DOM calls, style). Mean ms per run; a package by its name.',
    '',
    '| page | source | ms per run | share |',
    '|---|---|---|---|',
  ];
  for (const [kind, label] of MEASURED_PAGES) {
    const list = sources[kind] ?? [];
    const total = list.reduce((t, x) => t + x.ms, 0);
    const shown = list.slice(0, 10);
    const rest = total - shown.reduce((t, x) => t + x.ms, 0);
    shown.forEach((x, i) => lines.push(`| ${i === 0 ? label : ''} | ${x.source} | ${f(x.ms, 1)} | ${f((100 * x.ms) / total)} % |`));
    if (rest > 0.05) lines.push(`| | ${list.length - shown.length} other files | ${f(rest, 1)} | ${f((100 * rest) / total)} % |`);
  }
  lines.push('', 'The heaviest functions (source file and line of the function, as the map names it; "→" what it was calling in the browser):', '');
  lines.push('| page | function | ms per run |', '|---|---|---|');
  for (const [kind, label] of MEASURED_PAGES)
    (functions?.[kind] ?? []).slice(0, 8).forEach((x, i) => lines.push(`| ${i === 0 ? label : ''} | ${x.where.replace(/\|/g, '\\|')} | ${f(x.ms, 1)} |`));
  return lines.join('\n');
}

function scaleTable(scales: NonNullable<R>[]): string {
  if (!scales.length) return '_not measured_';
  const ms = (hs: Array<{ ms: number; status: number }> | undefined) =>
    hs?.length ? `${f(median(hs.map((h) => h.ms)))} ms (${hs.map((h) => h.status).join(', ')})` : '—';
  const lines = [
    "| events | seeded in | tool events: range / look-back | exact: ClickHouse ms | exact: rows read (× tool's) | exact: bytes read | exact over HTTP, p50 (statuses) | exact as an async query | as sent | as sent: ClickHouse ms, rows read, bytes | as sent over HTTP, p50 (statuses) |",
    '|---|---|---|---|---|---|---|---|---|---|---|',
  ];
  for (const r of scales) {
    const e = r.exactEngine as ReadStats | undefined;
    const sm = r.sampledEngine as ReadStats | undefined;
    const factor = r.sampling?.factor ?? 1;
    lines.push(
      `| ${f(r.totalRows ?? r.events)} | ${f(r.seedMs / 1000, 1)} s | ${f(r.toolEventsInRange)} / ${f(r.toolEventsInLookback)} | ${e ? f(e.elapsedMs) : '—'} | ${e ? `${f(e.rowsRead)} (${f(e.rowsRead / r.toolEventsInRange, 1)}×)` : '—'} | ${e ? `${f(e.bytesRead / 2 ** 20)} MiB` : '—'} | ${ms(r.exactHttp)} | ${r.exactAsync?.ms ? `${f(r.exactAsync.ms / 1000, 1)} s` : r.exactAsync?.error ? `failed: ${r.exactAsync.error}` : '— (not needed)'} | ${factor > 1 ? `1 in ${factor} users` : 'exact'} | ${sm ? `${f(sm.elapsedMs)} ms, ${f(sm.rowsRead)} (${f(sm.rowsRead / r.toolEventsInRange, 2)}×), ${f(sm.bytesRead / 2 ** 20)} MiB` : '(the exact query)'} | ${factor > 1 ? ms(r.sampledHttp) : ms(r.exactHttp)} |`,
    );
  }
  const growth: string[] = [];
  for (let i = 1; i < scales.length; i++) {
    const [a, b] = [scales[i - 1]!, scales[i]!];
    if (a.exactEngine && b.exactEngine)
      growth.push(
        `${f(a.events / 1e6)} M → ${f(b.events / 1e6)} M events (${f(b.events / a.events, 0)}×): exact ClickHouse time ${f(b.exactEngine.elapsedMs / a.exactEngine.elapsedMs, 1)}×, rows read ${f(b.exactEngine.rowsRead / a.exactEngine.rowsRead, 1)}×`,
      );
  }
  // What more or less sampling would read, at the biggest size sampled (bench/scale.ts sampledSweep).
  const swept = [...scales].reverse().find((r) => r.sampledSweep?.length);
  const sweep = swept
    ? `\n\nAt ${f(swept.totalRows ?? swept.events)} events, ClickHouse with the round factors either side of the one sent (one run each, after the runs above): ${(
        swept.sampledSweep as Array<{ factor: number } & ReadStats>
      )
        .map((s) => `1 in ${s.factor}${s.factor === swept.sampling?.factor ? ' (sent)' : ''}: ${f(s.rowsRead)} rows, ${f(s.elapsedMs)} ms`)
        .join('; ')}. A sample reads whole granules: at least the one at each edge of every (day, event) range of every part, whatever the factor.`
    : '';
  return `${lines.join('\n')}\n\nHow time grows with events: ${growth.length ? growth.join('; ') : 'one size only'}. Exact time grows with the events of every tool in the look-back (linear); a sample's with the granules it keeps.${sweep}`;
}

function materializedTable(scales: NonNullable<R>[]): string {
  const r = scales.find((s) => s.materialized);
  if (!r) return '';
  const m = r.materialized;
  const line = (label: string, v: { bytesRead: number; rowsRead: number; elapsedMs: number }) =>
    `| ${label} | ${f(v.bytesRead / 2 ** 20)} MiB (${f(v.bytesRead / m.without.bytesRead, 2)}×) | ${f(v.rowsRead)} | ${f(v.elapsedMs)} |`;
  return [
    `Materialized properties, same data (${f(r.events)} events; the exact card query, ClickHouse's read statistics, median of 3):`,
    '',
    '| columns | bytes read | rows read | ClickHouse ms |',
    '|---|---|---|---|',
    line('none (every property from the `properties` JSON)', m.without),
    line('`tool_name` and `$tool_name` materialized', m.toolName),
    line(`every property the card reads materialized (${m.everyProperties})`, m.every),
    ...(m.granules
      ? [
          '',
          `Granules the card reads (its events over the ${r.range} range and the period before it; ClickHouse's \`_part_granule_offset\`): ${f(m.granules.granules)}, holding ${f(m.granules.rows)} events; of them, ${f(m.granules.withoutTool)} hold none of ${r.tool}'s events. ClickHouse reads a column by whole granules, so those are all a filter on a materialized \`tool_name\` can keep it from reading of the other columns.`,
        ]
      : []),
  ].join('\n');
}

function misses(x: { gz: number; gzCard: number; b: R; scale: R; scales: NonNullable<R>[]; side: R; parse: R }): string {
  const out: string[] = [];
  const b = x.b;
  if (x.gz > 15)
    out.push(
      `- **Content script size (${f(x.gz, 1)} KB gzip).** The content script is only the tool matcher (toolMatch, the site config's plain checks, its two messages); the card (Preact, components, CSS) is \`card.js\`, injected by the worker on tool pages only.`,
    );
  const work = b?.mainThreadWork as Record<string, MainThreadWork> | undefined;
  const nt = b?.mainThread?.nonTool;
  const ntFig = nt ? mainThreadFigure(nt, work?.nonTool, false) : null;
  if (ntFig && ntFig.total > 2)
    out.push(
      `- **Main thread on a non-tool page (${f(ntFig.total, 1)} ms: its JavaScript ${f(ntFig.js, 1)}, compiling ${f(ntFig.compile, 1)}, its isolated world ${f(ntFig.world, 1)}).** A page of an enabled site whose URL the site's rules cannot name a tool by gets the watcher (\`watcher.js\`, registered on the host minus the tool paths, lib/matching/siteRegistration.ts planScripts): it uses no extension API, runs at \`document_end\` and looks for the \`<meta name="tool-lens:tool">\` marker then (no DOMContentLoaded listener), follows client-side navigation, and has the matcher injected only when either names a page. On a site whose own marker selector may match anywhere, with a regex rule, whose tools only a marker names, or before the auto-map table is known, the matcher (${f(x.gz, 1)} KB gzip) runs on every page instead, and reads the site's rules from storage.session at \`document_start\` (the first use of the extension's API in that world). Any content script at all costs the page the isolated world the browser sets up for it (a V8 context of its own with the extension's API, before the script's first line: ${f(ntFig.world, 1)} ms here, ${ntFig.world > ntFig.js + ntFig.compile ? 'more than' : 'beside'} the watcher's own ${f(ntFig.js + ntFig.compile, 1)} ms). Running no script on these pages would instead need the worker to watch every tab's loads and in-page navigations (Chromium's \`tabs.onUpdated\` takes no filter, so every page of every site would wake the worker) or the \`webNavigation\` permission (which warns at install), and a page's marker would be read only after its load. Its JavaScript by source, ms per run: ${topSources(b, 'nonTool')}.${(() => {
        const fl = floorFigures(b);
        return fl
          ? ` The floor under the goal, in the same run (bench/floorExtension.ts, alternated with Tool Lens): an extension whose content script is one statement costs /about ${f(fl.page.total, 1)} ms, its isolated world ${f(fl.page.world, 1)} (Tool Lens's watcher ${f(fl.toolLensPage.total, 1)} in those runs)${fl.page.total > 2 ? ': the 2 ms goal is below what any content script costs this page on this machine' : ''}.`
          : '';
      })()}`,
    );
  const tl = b?.mainThread?.tool;
  const tlFig = tl ? mainThreadFigure(tl, work?.tool, true) : null;
  if (tlFig && tlFig.total > 30)
    out.push(
      `- **Main thread on a tool page (${f(tlFig.total, 1)} ms: its JavaScript ${f(tlFig.js, 1)}, compiling ${f(tlFig.compile, 1)}, its isolated world ${f(tlFig.world, 1)}, the card's style + layout + paint ${f(tlFig.rendering, 1)}).** The matcher, then \`card.js\` (${f(x.gzCard, 1)} KB gzip: Preact and the card's components, no zod: the worker's answers are checked in plain code, lib/protocol/cardAnswers.ts) is imported by the matcher as a module, which the browser streams in and compiles whole off the page's main thread (its first line is V8's compile hint \`//# allFunctionsCalledOnLoad\`, scripts/compileHint.ts: the first render calls nearly all of its functions, and compiling each at its first call had been half of that render; injected by the worker, the same file was compiled on the main thread: 20–25 ms of this figure) and the card rendered once with the figures, the standing and the annotations already there (the content script asks for the last two the moment the figures come; whichever is late renders again, each section kept when its figures are the same). What is left is the card's own first render (Preact building its elements in a closed shadow root; the tests of change come with the figures, run by the worker), and the style and layout of the card itself (its first layout in a page shapes all its text); on this machine the frames with and without the extension differ by tens of ms run to run, which the rendering part carries.${drawNote(b)} Its JavaScript by source, ms per run: ${topSources(b, 'tool')} ("The extension's JavaScript, by source" has the functions).`,
    );
  const cached = (b?.cardTiming?.cached ?? []) as Array<{ visible: number }>;
  if (cached.length && median(cached.map((c) => c.visible)) > 50)
    out.push(
      `- **Card visible after DOMContentLoaded, cached (${f(median(cached.map((c) => c.visible)))} ms).** The content script runs at \`document_start\`: when the URL names the tool it asks for the card script (injected at once, not at document_idle), the prefs and the figures while the page loads, and draws the card once they are in and \`<body>\` has started (a \`<meta>\` marker, which wins over the URL, is parsed by then); the card goes on the page at DOMContentLoaded, at the end of \`<body>\` (where React's hydration tolerates it). What remains after DOMContentLoaded is the card's style, layout and paint, and the next frame; on a page whose DOMContentLoaded comes soon after its start, the card script's injection, the worker's answers and the card's render too.`,
    );
  const cold = (b?.cardTiming?.cold ?? []) as Array<{ visible: number; queryMs: number }>;
  if (cold.length && median(cold.map((c) => c.visible - c.queryMs)) > 30)
    out.push(
      `- **Card visible, cold (query + ${f(median(cold.map((c) => c.visible - c.queryMs)))} ms).** The query starts at \`document_start\` when the URL names the tool, so it overlaps the page's load; on a page found by its marker alone it starts at DOMContentLoaded.`,
    );
  const e = x.scale?.exactEngine;
  if (e && e.rowsRead / x.scale!.toolEventsInRange > 1.1)
    out.push(
      `- **Rows read ${f(e.rowsRead / x.scale!.toolEventsInRange, 1)}× the tool's events.** The card query scans \`events\` once, over the range and the period before it (the 2× look-back of its comparison). PostHog's sort key, \`(team_id, toDate(timestamp), event, cityHash64(distinct_id), …)\`, has no tool in it, so every tool's events of the look-back are in the granules read (${f(x.scale!.eventsInLookback)} events here, the tool's ${f(x.scale!.toolEventsInLookback)} among them). A materialized \`tool_name\` makes the rows of other tools cheap to skip, not unread. What cuts rows read is sampling: \`SAMPLE 1/N\` reads about 1/N of each (day, event) range, because the sampling key is in the sort key (see the scale table). ≤ 1.1× of the tool's events is out of reach of any query on PostHog's table.`,
    );
  const lat = (x.scale?.exactHttp ?? []).map((h: { ms: number }) => h.ms);
  if (lat.length && median(lat) > 1500)
    out.push(
      `- **Card query ${f(median(lat))} ms on ${f(x.scale!.events)} events, exact.** The time follows the rows of every tool in the look-back (above); a materialized \`tool_name\` cuts it to ${(() => {
        const m = x.scales.find((s) => s.materialized)?.materialized;
        return m ? `${f(m.toolName.elapsedMs)} ms in ClickHouse (from ${f(m.without.elapsedMs)})` : 'less';
      })()}, every card property materialized further. The card samples only above ${f(x.scale?.sampling?.aboveEvents ?? NaN)} of the tool's events, so a tool this size is read exact; past PostHog's 10 s it goes async instead of failing.`,
    );
  const mat = x.scales.find((s) => s.materialized)?.materialized;
  if (mat && mat.toolName.bytesRead / mat.without.bytesRead > 1 / 3)
    out.push(
      `- **Bytes read with \`tool_name\` materialized: ${f(mat.toolName.bytesRead / mat.without.bytesRead, 2)}× (goal ≤ 0.33×).** ClickHouse reads whole granules (8,192 rows) of every column a query names, for every granule a filter cannot rule out, and ${mat.granules ? `${f(mat.granules.granules - mat.granules.withoutTool)} of the ${f(mat.granules.granules)} granules of the look-back hold some of the tool's events` : "every granule of the look-back holds some of the tool's events"} (its events are spread by \`cityHash64(distinct_id)\` under PostHog's sort key). So the filter reads the small \`mat_tool_name\` column, but the properties the card reads for the tool's own events (durations, errors, session ids…) still come out of the \`properties\` JSON, read for every granule: the bytes stay, only the parsing is saved (time ${f(mat.toolName.elapsedMs)} vs ${f(mat.without.elapsedMs)} ms). Bytes fall when those reads stop touching the JSON: with every property the card reads materialized, ${f(mat.every.bytesRead / mat.without.bytesRead, 2)}×; on PostHog's JSON-typed events table each \`properties.x\` is its own sub-column, the same effect. With \`tool_name\` alone, a third is not reachable on PostHog's table layout.`,
    );
  for (const [events, target] of [
    [10_000_000, 60],
    [100_000_000, 600],
  ] as const) {
    const r = x.scales.find((s) => s.events === events);
    if (r && r.seedMs > target * 1000)
      out.push(
        `- **Seeding ${f(events)} events in ${f(r.seedMs / 1000)} s (goal ${target} s).** One INSERT … SELECT on 2 cores (bulkSeed.ts): the JSON text of each event is built by ClickHouse, then sorted into PostHog's key and merged.`,
      );
  }
  const biggest = x.scales.find((s) => s.events === 100_000_000);
  const sent = biggest?.sampledHttp ?? biggest?.exactHttp ?? [];
  if (biggest && !sent.every((h: { status: number; ms: number }) => h.status === 200 && h.ms <= 10_000))
    out.push(
      `- **The 100 M card outside the 10 s ceiling.** Statuses ${sent.map((h: { status: number }) => h.status).join(', ')}; the extension then runs it async (${biggest.exactAsync?.ms ? `${f(biggest.exactAsync.ms / 1000, 1)} s` : 'not measured'}).`,
    );
  const heaviest = ((x.parse?.results ?? []) as Array<{ name: string; ratio: number }>)[0];
  if (heaviest && heaviest.ratio > 10)
    out.push(
      `- **PostHog's parser: ${heaviest.name} at ${f(heaviest.ratio, 1)}× insight 6.** What the parser pays for is function calls (~3–5 ms each here, each call's arguments scanned again to tell a plain call from a parametric or window one); the card query is one select of shallow definitions with operators for \`if\`/\`ifNull\`. With both spellings of every property it reads each one twice, each cast on its own (\`toString\`/\`toFloat\` per spelling), since PostHog may type the two spellings apart; the single-spelling forms are under 10× (see the table). Reading only the spellings a project uses per tool (schema detection per tool), or the property types from PostHog's property definitions so two spellings of one type coalesce before a single cast, would bring the both-spelling form under 10× too.`,
    );
  const pop = b?.popup;
  if (pop && median(pop.ready) > 100)
    out.push(
      `- **Popup first render (${f(median(pop.ready))} ms).** The browser opens the extension page and parses its HTML (domInteractive ${f(median(pop.parsed ?? []))} ms), then loads the first chunk (Preact, the popup's components, settingsAtAGlance: no zod; compiled whole as they load, scripts/compileHint.ts) by ${f(median(pop.scripts ?? []))} ms (DOMContentLoaded); the protocol and the settings' full schema load after the first paint. What is left is the page's opening and the module loading of the browser.${(() => {
        const fl = floorFigures(b)?.pages;
        return fl
          ? ` The floor, in the same run (bench/floorExtension.ts, alternated with the popup): an extension page of static HTML holding the same element has it at ${f(fl.static.ready)} ms, one whose element a module script of one line adds at ${f(fl.module.ready)} ms; the popup's HTML parsed at ${f(fl.popup.parsed)} ms against ${f(fl.static.parsed)}.`
          : '';
      })()}`,
    );
  if (!out.length) out.push('- None: every target is met.');
  return out.join('\n');
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});

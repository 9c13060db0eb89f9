import { describe, expect, it } from 'vitest';
import { p95 } from './common';
import { extensionWorlds, mainThreadFigure, type WorldEvent } from './mainThread';

// Shapes of Chromium 156's traces of the sample site (bench --only main, BENCH_TRACE_DIR): the page's
// world set up when the navigation commits, with the automation's world nested in it; then, with the
// extension, a world set up right before its content script's first script event.
const init = (ts: number, dur: number): WorldEvent => ({ name: 'LocalWindowProxy::Initialize', ts, dur });
const script = (ts: number, url: string): WorldEvent => ({ name: 'EvaluateScript', ts, dur: 500, args: { data: { url } } });
const EXT = 'chrome-extension://aamoeacmdpeepkcpohomomfdghbhbphn/matcher.js';
const PAGE = 'http://127.0.0.1:42633/vendor/posthog.js';

describe("the extension's isolated world in a page's trace", () => {
  it('is the world set up for its script at document_end, not the page’s or the automation’s', () => {
    const page = init(75_300, 42_500);
    const automation = init(84_400, 13_200);
    const extension = init(489_400, 5_100);
    const thread = [page, automation, script(120_000, PAGE), extension, script(494_600, EXT.replace('matcher', 'watcher'))];
    expect(extensionWorlds(thread)).toEqual([extension]);
  });

  it('is told from the page’s world even when the extension’s script comes first after that one (document_start)', () => {
    const page = init(60_700, 23_900);
    const automation = init(66_800, 4_300);
    const extension = init(89_600, 7_200);
    const thread = [page, automation, extension, script(96_900, EXT), script(300_000, PAGE)];
    expect(extensionWorlds(thread)).toEqual([extension]);
  });

  it('is none without the extension, or where a later world runs the page’s own script (a frame of its own)', () => {
    expect(extensionWorlds([init(0, 20_000), init(5_000, 3_000), script(30_000, PAGE)])).toEqual([]);
    expect(extensionWorlds([init(0, 20_000), script(30_000, PAGE), init(40_000, 2_000), script(43_000, PAGE)])).toEqual([]);
  });
});

describe('the main-thread figure', () => {
  it('adds the isolated world to the JavaScript and its compile, in the median and in each run', () => {
    const runs = { sampledJs: [1, 2, 3], compile: [0.5, 0.5, 0.5], world: [4, 5, 6], extensionTask: [], extensionScript: [], withBusy: [], withoutBusy: [] };
    const fig = mainThreadFigure(runs, undefined, false);
    expect(fig).toMatchObject({ js: 2, compile: 0.5, world: 5, total: 7.5 });
    expect(fig.p95).toBe(p95([5.5, 7.5, 9.5]));
  });

  it('reads runs recorded before the world was counted as without it', () => {
    const fig = mainThreadFigure({ sampledJs: [2], compile: [1], extensionTask: [], extensionScript: [], withBusy: [], withoutBusy: [] }, undefined, false);
    expect(fig).toMatchObject({ world: 0, total: 3 });
  });
});

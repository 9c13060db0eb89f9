import { describe, expect, it } from 'vitest';
import { p95 } from './common';
import { extensionWorlds, mainThreadFigure, type WorldEvent } from './mainThread';

// Shapes of Chromium 156's traces of the sample site (bench --only main, BENCH_TRACE_DIR): the page's
// world set up when the navigation commits (it alone sets the window's document), the automation's
// world nested in it; with the extension, an isolated world set up in a parser's task after it. A
// tab may have set one up for its blank page before.
const init = (ts: number, dur: number): WorldEvent => ({ name: 'LocalWindowProxy::Initialize', ts, dur });
const setsDocument = (ts: number): WorldEvent => ({ name: 'LocalWindowProxy::UpdateDocumentProperty', ts, dur: 50 });
const script = (ts: number, url: string): WorldEvent => ({ name: 'EvaluateScript', ts, dur: 500, args: { data: { url } } });
const EXT = 'chrome-extension://aamoeacmdpeepkcpohomomfdghbhbphn/matcher.js';
const PAGE = 'http://127.0.0.1:42633/vendor/posthog.js';
/** The page's world, with the automation's nested in it (which sets no document of its own). */
const committed = (ts: number) => [init(ts, 30_000), setsDocument(ts + 1_000), init(ts + 5_000, 4_000)];

describe("the extension's isolated world in a page's trace", () => {
  it('is the isolated world set up after the page’s, at document_end, its script run in a later task', () => {
    const extension = init(338_800, 6_800);
    const thread = [...committed(0), script(101_000, PAGE), extension, script(346_000, PAGE), script(354_700, EXT)];
    expect(extensionWorlds(thread)).toEqual([extension]);
  });

  it('is told from the page’s world at document_start, and from the blank page’s the tab opened with', () => {
    const extension = init(89_600, 7_200);
    const thread = [init(1_700, 2_200), ...committed(50_000), extension, script(96_900, EXT), script(300_100, PAGE)];
    expect(extensionWorlds(thread)).toEqual([extension]);
  });

  it('is none without the extension, nor a frame’s own world, nor anything when the page’s world is not in the trace', () => {
    expect(extensionWorlds([init(1_700, 2_200), ...committed(50_000), script(90_000, PAGE)])).toEqual([]);
    expect(extensionWorlds([...committed(0), init(40_000, 2_000), setsDocument(40_500), script(43_000, PAGE)])).toEqual([]);
    expect(extensionWorlds([init(89_600, 7_200), script(96_900, EXT)])).toEqual([]);
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

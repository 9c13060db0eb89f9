import { describe, expect, it } from 'vitest';
import { p95 } from './common';
import { extensionWorlds, mainThreadFigure, type WorldEvent } from './mainThread';

// Shapes of Chromium 156's traces of the sample site (bench --only main, BENCH_TRACE_DIR): the page's
// world set up when the navigation commits (it alone sets the window's document), the automation's
// world nested in it; with the extension, an isolated world set up in a parser's task after it. A
// tab may have set worlds up for its blank page before. Every one carries whether it is the main frame's.
const init = (ts: number, dur: number, mainFrame = true): WorldEvent => ({
  name: 'LocalWindowProxy::Initialize',
  ts,
  dur,
  args: { IsMainFrame: mainFrame, IsOutermostMainFrame: mainFrame },
});
const setsDocument = (ts: number): WorldEvent => ({ name: 'LocalWindowProxy::UpdateDocumentProperty', ts, dur: 50 });
const script = (ts: number, url: string): WorldEvent => ({ name: 'EvaluateScript', ts, dur: 500, args: { data: { url } } });
const EXT = 'chrome-extension://aamoeacmdpeepkcpohomomfdghbhbphn/matcher.js';
const PAGE = 'http://127.0.0.1:42633/vendor/posthog.js';
/** A page's world, with the automation's nested in it (which sets no document of its own). */
const committed = (ts: number) => [init(ts, 30_000), setsDocument(ts + 1_000), init(ts + 5_000, 4_000)];

describe("the extension's isolated world in a page's trace", () => {
  it('is the isolated world set up after the page’s, at document_end as at document_start', () => {
    const atEnd = init(338_800, 6_800);
    expect(extensionWorlds([...committed(0), script(101_000, PAGE), atEnd, script(346_000, PAGE), script(354_700, EXT)])).toEqual([atEnd]);
    const atStart = init(89_600, 7_200);
    expect(extensionWorlds([...committed(50_000), atStart, script(96_900, EXT), script(300_100, PAGE)])).toEqual([atStart]);
  });

  it('is not a world of the blank page the tab opened with, whether it came with a world of its own or not', () => {
    const extension = init(89_600, 7_200);
    expect(extensionWorlds([init(1_700, 2_200), ...committed(50_000), extension])).toEqual([extension]);
    // The blank page's own world, then an isolated one of its (the automation's, set up on its own), then the page's.
    expect(extensionWorlds([init(0, 3_000), setsDocument(500), init(10_000, 2_000), ...committed(50_000), extension])).toEqual([extension]);
  });

  it('is none without the extension, nor an iframe’s world, and unknown when the page’s world is not in the trace', () => {
    expect(extensionWorlds([init(1_700, 2_200), ...committed(50_000), script(90_000, PAGE)])).toEqual([]);
    expect(extensionWorlds([...committed(0), init(40_000, 2_000, false), init(45_000, 1_000, false), script(46_000, PAGE)])).toEqual([]);
    expect(extensionWorlds([init(89_600, 7_200), script(96_900, EXT)])).toBeNull();
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

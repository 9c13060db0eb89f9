/**
 * The card on a project too big for PostHog's blocking API, against the real local server held to
 * PostHog's rules: a query past the API's ceiling goes async and its figures arrive (computing
 * meanwhile); a card nobody waits for any more is cancelled; queries over the project's concurrency
 * limit wait in line; a huge tool is read from a sample of its users, counts scaled, exact on request;
 * a materialized tool_name gives the same figures from its column.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { buildCardQuery } from '../lib/card/query';
import { memoryStore } from '../lib/storage/store';
import { servicesFor } from '../lib/testing/services';
import { DEFAULT_METRICS_OPTIONS, type SettingsState } from '../lib/settings/settings';
import type { ToolFiguresAnswer } from '../lib/protocol/messages';
import type { ToolMetrics } from '../lib/model/figures';
import { POSTHOG_LIMITS } from './limits';
import { startLocalPostHog, type LocalPostHog } from './server';
import { hogql } from './test-helpers';

let ph: LocalPostHog;
let state: SettingsState;
const QUERY = '/api/projects/1/query';
const STATUS = /^\/api\/projects\/1\/query\/[^/]+$/;
/** Only the card query: its one-pass aggregate. */
const CARD = 'sumForEach';

beforeAll(async () => {
  ph = await startLocalPostHog({ seed: { seed: 11, days: 14, events: 12_000 } });
  state = { status: 'configured', settings: { host: 'custom', customHost: ph.url, projectId: '1', apiKey: ph.apiKey, ...DEFAULT_METRICS_OPTIONS } };
});
afterAll(async () => {
  await ph?.close();
});
afterEach(() => {
  ph.setLimits(POSTHOG_LIMITS);
  ph.resetQueryState();
  ph.faults.resetCount();
});

const services = (extra: Partial<Parameters<typeof servicesFor>[0]> = {}) =>
  servicesFor({ loadSettings: async () => state, store: memoryStore(), budget: { capacity: 1000, refillPerHour: 1000 }, pollDelayMs: () => 100, ...extra });

/** Figures without the moment they were computed, to compare two answers. */
const figures = (r: ToolFiguresAnswer): Omit<ToolMetrics, 'asOf'> => {
  if (!r.ok) throw new Error(`${r.error.kind}: ${r.error.message}`);
  const { asOf: _asOf, ...rest } = r.metrics;
  return rest;
};

/** Asks as a card does while PostHog computes: again after the time the answer names, until figures come. */
async function untilFigures(ask: () => Promise<ToolFiguresAnswer>, seen: ToolFiguresAnswer[] = []): Promise<ToolFiguresAnswer> {
  for (;;) {
    const r = await ask();
    seen.push(r);
    if (!r.computing) return r;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe('a card past PostHog API ceiling', () => {
  it('gets its figures as an async query, saying it is computing meanwhile; the next run goes async at once', async () => {
    const exact = await services().card.getToolMetrics('news-analyzer', '7d');
    ph.resetQueryState();
    ph.faults.resetCount();

    ph.setLimits({ apiMaxExecutionSeconds: 1 });
    ph.slowDownQueries({ extraMs: 2_000, matching: CARD, times: 2 });
    const { card } = services();
    const first = await card.getToolMetrics('news-analyzer', '7d');
    // No figures yet: not an error, PostHog is computing.
    expect(first).toMatchObject({ ok: false, error: { kind: 'computing' }, computing: { since: expect.any(Number), askAgainInMs: expect.any(Number) } });
    // One blocking attempt, stopped at the ceiling with PostHog's 504, then the same query async.
    expect(ph.faults.count(QUERY, 'POST')).toBe(2);
    const seen: ToolFiguresAnswer[] = [];
    const done = await untilFigures(() => card.getToolMetrics('news-analyzer', '7d'), seen);
    expect(figures(done)).toEqual(figures(exact));
    expect(seen.length).toBeGreaterThan(1);
    expect(ph.faults.count(STATUS, 'GET')).toBeGreaterThan(0);
    expect(ph.faults.count(QUERY, 'POST')).toBe(2);

    // It took longer than the ceiling: a refresh starts async at once, with no blocking attempt.
    ph.faults.resetCount();
    const again = await card.getToolMetrics('news-analyzer', '7d', true);
    expect(again).toMatchObject({ ok: true, computing: expect.any(Object) }); // the last figures, and new ones coming
    expect(ph.faults.count(QUERY, 'POST')).toBe(1);
    expect(figures(await untilFigures(() => card.getToolMetrics('news-analyzer', '7d')))).toEqual(figures(exact));
  });

  it('survives the worker stopping meanwhile: the next worker polls the same query at PostHog, nothing is sent again', async () => {
    const exact = await services().card.getToolMetrics('csv-cleaner', '7d');
    ph.resetQueryState();
    ph.faults.resetCount();
    ph.setLimits({ apiMaxExecutionSeconds: 1 });
    ph.slowDownQueries({ extraMs: 3_000, matching: CARD, times: 2 });
    // The store is the worker's storage.local: it outlives the worker.
    const store = memoryStore();
    const before = services({ store });
    expect(await before.card.getToolMetrics('csv-cleaner', '7d')).toMatchObject({ error: { kind: 'computing' } });
    expect(ph.faults.count(QUERY, 'POST')).toBe(2); // the blocking attempt, then the async start
    // A new worker (nothing in memory) with the same storage: it asks PostHog for the running query's status.
    const after = services({ store });
    const done = await untilFigures(() => after.card.getToolMetrics('csv-cleaner', '7d'));
    expect(figures(done)).toEqual(figures(exact));
    expect(ph.faults.count(QUERY, 'POST')).toBe(2);
    expect(ph.faults.count(STATUS, 'DELETE')).toBe(0);
  });

  it('cancels the query at PostHog when no card has asked for it within the lease', async () => {
    let clock = Date.now();
    ph.setLimits({ apiMaxExecutionSeconds: 1 });
    ph.slowDownQueries({ extraMs: 60_000, matching: CARD, times: 2 });
    const { card } = services({ now: () => clock });
    expect(await card.getToolMetrics('pdf-to-text', '24h')).toMatchObject({ error: { kind: 'computing' } });
    // Nobody asks for a minute and a half: the next poll finds the lease run out, and cancels.
    clock += 91_000;
    await expect.poll(() => ph.faults.count(STATUS, 'DELETE'), { timeout: 30_000 }).toBe(1);
    // A card asking later (once the cancel is through) starts anew and gets figures.
    ph.setLimits({ apiMaxExecutionSeconds: 10 });
    expect(await untilFigures(() => card.getToolMetrics('pdf-to-text', '24h'))).toMatchObject({ ok: true });
  });

  it('cancels it as soon as the last tab waiting for it is closed', async () => {
    ph.setLimits({ apiMaxExecutionSeconds: 1 });
    // Both the blocking attempt and the async run are slow (the async one must still be running when tabs close).
    ph.slowDownQueries({ extraMs: 60_000, matching: CARD, times: 2 });
    const { card } = services();
    expect(await card.getToolMetrics('image-compressor', '24h', false, undefined, { tab: 7 })).toMatchObject({ error: { kind: 'computing' } });
    expect(await card.getToolMetrics('image-compressor', '24h', false, undefined, { tab: 8 })).toMatchObject({ error: { kind: 'computing' } });
    card.tabClosed(7);
    card.tabClosed(99); // waits for nothing
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(ph.faults.count(STATUS, 'DELETE')).toBe(0);
    card.tabClosed(8);
    await expect.poll(() => ph.faults.count(STATUS, 'DELETE'), { timeout: 30_000 }).toBe(1);
  });
});

describe('the project concurrency limit', () => {
  it('keeps at most 3 queries running at PostHog: the rest wait in line, none refused, none dropped', async () => {
    // A refusal would come at once (no wait at PostHog): every answer is counted.
    ph.setLimits({ concurrencyWaitSeconds: 0 });
    ph.slowDownQueries({ extraMs: 300 });
    const statuses: number[] = [];
    const counting: typeof fetch = async (input, init) => {
      const res = await fetch(input, init);
      statuses.push(res.status);
      return res;
    };
    const { card } = services({ fetch: counting });
    const tools = ['news-analyzer', 'pdf-to-text', 'image-compressor', 'audio-transcriber', 'csv-cleaner', 'video-summarizer'];
    const answers = await Promise.all([...tools.map((t) => card.getToolMetrics(t, '7d')), ...tools.slice(0, 2).map((t) => card.getToolMetrics(t, '24h'))]);
    expect(answers.map((a) => a.ok)).toEqual(new Array(8).fill(true));
    expect(statuses.filter((s) => s === 429)).toEqual([]);
    expect(ph.faults.count(QUERY, 'POST')).toBe(8 + answers.filter((a) => a.ok && a.metrics.funnel.steps[0]!.current === 0).length);
  });
});

describe('a huge tool', () => {
  it('is read from a sample of its users: "1 in N", counts scaled from the sample, every event on request', async () => {
    const sampling = { aboveEvents: 1_000, targetEvents: 400 };
    const { card } = services({ sampling });
    // Nothing known of the tool yet: exact, and the answer says how many events it read.
    const first = await card.getToolMetrics('news-analyzer', '7d');
    if (!first.ok) throw new Error(first.error.message);
    expect(first.metrics.sample).toBeUndefined();
    const events7d = first.metrics.events!;
    expect(events7d).toBeGreaterThan(1_000);

    // The 30-day card is judged by it: over the threshold, so a sample of users.
    const sampled = await card.getToolMetrics('news-analyzer', '30d');
    if (!sampled.ok) throw new Error(sampled.error.message);
    const factor = sampled.metrics.sample!.factor;
    expect(factor).toBeGreaterThan(1);
    expect([2, 5, 10, 20, 50]).toContain(factor);
    // Each count is the sample's own (HogQL SAMPLE 1/N, by person) times N.
    const direct = await hogql(
      ph,
      `SELECT countIf(event = 'tool_processing_started' AND timestamp < now()), count() FROM events SAMPLE 1/${factor}
       WHERE event IN ('tool_viewed', 'tool_upload_started', 'tool_processing_started', 'tool_processing_completed', 'tool_processing_failed', 'tool_result_downloaded', '$ai_generation')
         AND coalesce(properties.tool_name, properties.$tool_name) = 'news-analyzer' AND timestamp >= now() - INTERVAL 30 DAY`,
    );
    const [startedInSample] = direct.results[0] as [number, number];
    expect(sampled.metrics.jobs.current.started).toBe(startedInSample * factor);

    // Every event on request: the exact figures.
    const all = await card.getToolMetrics('news-analyzer', '30d', false, undefined, { allData: true });
    const exact = await services().card.getToolMetrics('news-analyzer', '30d');
    expect(figures(all)).toEqual(figures(exact));
    if (!all.ok) throw new Error('no figures');
    expect(all.metrics.sample).toBeUndefined();
    // A sample's estimate is near the whole (a third either way at these sizes).
    expect(sampled.metrics.jobs.current.started / all.metrics.jobs.current.started).toBeGreaterThan(0.66);
    expect(sampled.metrics.jobs.current.started / all.metrics.jobs.current.started).toBeLessThan(1.5);
  });
});

describe('a materialized tool_name', () => {
  it('gives the same figures, read from its mat_ column instead of the JSON', async () => {
    const before = await services().card.getToolMetrics('csv-cleaner', '7d');
    await ph.materialize(['tool_name', '$tool_name']);
    try {
      ph.resetQueryState();
      const after = await services().card.getToolMetrics('csv-cleaner', '7d');
      expect(figures(after)).toEqual(figures(before));
      const q = buildCardQuery({ tool: 'csv-cleaner', range: '7d', options: DEFAULT_METRICS_OPTIONS });
      const printed = (await hogql(ph, q.query, q.values)).clickhouse;
      expect(printed).toContain("nullIf(nullIf(`events`.`mat_tool_name`, ''), 'null')");
      expect(printed).toContain("nullIf(nullIf(`events`.`mat_$tool_name`, ''), 'null')");
      expect(printed).not.toContain("JSONExtractRaw(`events`.properties, 'tool_name')");
    } finally {
      await ph.dematerialize(['tool_name', '$tool_name']);
    }
  });
});

// @vitest-environment node
import { afterEach, describe, expect, it } from 'vitest';
import { createRequestBudget } from '../posthog/budget';
import { servicesFor } from '../testing/services';
import { cachedFigures, retryAfterItem } from '../storage/items';
import { memoryStore, type Store } from '../storage/store';
import { DEFAULT_METRICS_OPTIONS, type SettingsState } from '../settings/settings';
import { BASE, mockPostHog } from '../testing/mockPostHog';
import { funnelRow, totalsRow } from '../testing/cardRows';

const settings = { host: 'custom' as const, customHost: BASE, projectId: '7', apiKey: 'phx_k', ...DEFAULT_METRICS_OPTIONS };
const configured: SettingsState = { status: 'configured', settings };
const COMPLETED = settings.schema.events.processingCompleted;
const ROWS = [funnelRow('current', 1, 10), totalsRow('current', COMPLETED, { untilNow: 4, n: 4, sum: 600, p50: 100, p95: 200, p99: 300 })];
const QUERY = { path: '/api/projects/7/query/', method: 'POST' } as const;
let mock = mockPostHog();

/** The card service, with the other services on its session: every caller shares one budget and Retry-After. */
function createServices(deps: Parameters<typeof servicesFor>[0]) {
  const { card, connection, project } = servicesFor(deps);
  return { ...card, ...connection, fetchAutoMap: project.fetchAutoMap };
}
afterEach(async () => {
  await mock.agent.close();
  mock = mockPostHog();
});

function service(state: SettingsState = configured, clock = { t: 1_000_000 }, store: Store = memoryStore()) {
  return createServices({ loadSettings: async () => state, fetch: mock.fetch, now: () => clock.t, store });
}

describe('metrics service', () => {
  it('says "not configured" without asking PostHog', async () => {
    expect(await service({ status: 'missing' }).getToolMetrics('a', '7d')).toMatchObject({ ok: false, error: { kind: 'not_configured' } });
    const invalid = await service({ status: 'invalid', message: 'projectId: bad' }).getToolMetrics('a', '7d');
    expect(invalid).toMatchObject({ ok: false, error: { kind: 'not_configured', message: expect.stringContaining('projectId: bad') } });
  });

  it('answers figures with links into the configured PostHog', async () => {
    mock.pool.intercept(QUERY).reply(200, { results: ROWS });
    const answer = await service().getToolMetrics('news-analyzer', '7d');
    expect(answer.ok).toBe(true);
    if (!answer.ok) return;
    expect(answer.metrics.latency.current.p95Ms).toBe(200);
    expect(answer.links.funnel).toMatch(new RegExp(`^${BASE}/project/7/insights/new#q=`));
    expect(answer.stale).toBeUndefined();
  });

  it('compares before / after a moment as its own figures, sent as the period since it, and refuses one out of reach', async () => {
    const clock = { t: 10_000_000_000 };
    const svc = service(configured, clock);
    const bodies: Array<{ query: { values: Record<string, unknown> } }> = [];
    mock.pool.intercept({ ...QUERY, body: (b) => (bodies.push(JSON.parse(b)), true) }).reply(200, { results: ROWS });
    mock.pool.intercept({ ...QUERY, body: (b) => (bodies.push(JSON.parse(b)), true) }).reply(200, { results: ROWS });
    const split = await svc.getToolMetrics('a', '7d', false, clock.t - 3_600_000);
    expect(split.ok && split.metrics.split).toEqual({ at: clock.t - 3_600_000, seconds: 3600 });
    expect(bodies[0]!.query.values).toMatchObject({ range_seconds: 3600, lookback_seconds: 7200 });
    // The range's own figures are another answer (another request), not the split's.
    const plain = await svc.getToolMetrics('a', '7d');
    expect(plain.ok && plain.metrics.split).toBeUndefined();
    expect(bodies.at(-1)!.query.values).toMatchObject({ range_seconds: 7 * 86_400 });
    for (const since of [clock.t - 10_000, clock.t - 31 * 86_400_000, clock.t + 60_000, Number.NaN]) {
      expect(await svc.getToolMetrics('a', '7d', false, since)).toMatchObject({ ok: false, error: { kind: 'bad_request' } });
    }
  });

  it('asks which tools have views when this one has none', async () => {
    mock.pool.intercept(QUERY).reply(200, { results: [totalsRow('current', COMPLETED, {})] });
    mock.pool.intercept(QUERY).reply(200, { results: [['pdf-to-text', 12]] });
    const answer = await service().getToolMetrics('pdf2txt', '7d');
    expect(answer.ok && answer.metrics.toolsSeen).toEqual([{ tool: 'pdf-to-text', views: 12 }]);
  });

  it('shares one request among tabs asking at once, then serves the cache', async () => {
    mock.pool.intercept(QUERY).reply(200, { results: ROWS }).delay(30).persist();
    const svc = service();
    const answers = await Promise.all([1, 2, 3, 4, 5].map(() => svc.getToolMetrics('news-analyzer', '7d')));
    expect(mock.requests()).toBe(1);
    expect(answers.every((a) => a.ok && a.metrics.funnel.steps[0]!.current === 10)).toBe(true);
    await svc.getToolMetrics('news-analyzer', '7d');
    expect(mock.requests()).toBe(1);
    await svc.getToolMetrics('news-analyzer', '24h');
    expect(mock.requests()).toBe(2);
    await svc.getToolMetrics('news-analyzer', '7d', true);
    expect(mock.requests()).toBe(3);
  });

  it('forgets the answers it holds in memory when the settings change, as the stored ones are dropped', async () => {
    mock.pool.intercept(QUERY).reply(200, { results: ROWS }).persist();
    const store = memoryStore();
    const svc = service(configured, { t: 1_000_000 }, store);
    await svc.getToolMetrics('a', '7d');
    await svc.getToolMetrics('a', '7d');
    expect(mock.requests()).toBe(1);
    // What the worker does on a settings change: drop the stored figures and forget the rest.
    await store.removeEntries(cachedFigures, await store.entryIds(cachedFigures));
    svc.forgetAnswers();
    await svc.getToolMetrics('a', '7d');
    expect(mock.requests()).toBe(2);
  });

  it('keeps one cache entry per segment: another segment asks PostHog, the same one is served from cache', async () => {
    const asked: Array<string | null> = [];
    mock.pool
      .intercept(QUERY)
      .reply((request) => {
        const values = JSON.parse(String(request.body)).query.values as Record<string, unknown>;
        const segment = typeof values['segment_value'] === 'string' ? values['segment_value'] : null;
        asked.push(segment);
        // Each segment's own figures, so an answer served for the wrong one shows.
        const views = { web: 10, ios: 20 }[segment ?? ''] ?? 30;
        return { statusCode: 200, data: { results: [funnelRow('current', 1, views), ...ROWS.slice(1)] } };
      })
      .persist();
    const state: { current: SettingsState } = { current: configured };
    const withSegment = (value: string | null): SettingsState => ({
      status: 'configured',
      settings: { ...settings, segment: value === null ? null : { kind: 'person', property: 'platform', value } },
    });
    const clock = { t: 1_000_000 };
    const svc = createServices({ loadSettings: async () => state.current, fetch: mock.fetch, now: () => clock.t, store: memoryStore() });
    const ask = async (value: string | null) => {
      state.current = withSegment(value);
      const answer = await svc.getToolMetrics('news-analyzer', '7d');
      expect(answer.ok).toBe(true);
      return answer.ok ? [answer.metrics.segment?.value ?? null, answer.metrics.funnel.steps[0]!.current] : null;
    };

    expect(await ask('web')).toEqual(['web', 10]);
    expect(await ask('ios')).toEqual(['ios', 20]);
    expect(asked).toEqual(['web', 'ios']);
    // Within the fresh period each segment is served its own entry, without asking again.
    clock.t += 30_000;
    expect(await ask('web')).toEqual(['web', 10]);
    expect(await ask('ios')).toEqual(['ios', 20]);
    expect(asked).toEqual(['web', 'ios']);
    // No segment is a segment of its own too.
    expect(await ask(null)).toEqual([null, 30]);
    expect(asked).toEqual(['web', 'ios', null]);
  });

  it('keeps answers in the given store, so a restarted worker answers from it', async () => {
    const store = memoryStore();
    mock.pool.intercept(QUERY).reply(200, { results: ROWS });
    await service(configured, { t: 1_000_000 }, store).getToolMetrics('a', '7d');
    // A new service (a restarted worker) with the same store: no request needed while fresh.
    const again = await service(configured, { t: 1_010_000 }, store).getToolMetrics('a', '7d');
    expect(again.ok).toBe(true);
    // Different settings (another key) never see those answers.
    const otherKey: SettingsState = { status: 'configured', settings: { ...settings, apiKey: 'phx_other' } };
    mock.pool.intercept(QUERY).reply(401, { detail: 'bad key' });
    expect(await service(otherKey, { t: 1_010_000 }, store).getToolMetrics('a', '7d')).toMatchObject({ ok: false, error: { kind: 'unauthorized' } });
  });

  it("never serves one sign-in's figures to the next: another identity on the same host and project asks afresh", async () => {
    const store = memoryStore();
    const signedIn: SettingsState = { status: 'configured', settings: { ...settings, apiKey: '', auth: 'signIn' } };
    let identity = 'sign-in-of-ann';
    const accessToken = async () => ({ ok: true as const, token: `pha_${identity}`, identity });
    const svc = () => createServices({ loadSettings: async () => signedIn, fetch: mock.fetch, now: () => 1_000_000, store, accessToken });
    mock.pool.intercept(QUERY).reply(200, { results: ROWS });
    expect((await svc().getToolMetrics('a', '7d')).ok).toBe(true);
    // Ann signs out; Bob signs in to the same PostHog and project, and may not read it (403).
    identity = 'sign-in-of-bob';
    mock.pool.intercept(QUERY).reply(403, { detail: 'You do not have access to this project.' });
    expect(await svc().getToolMetrics('a', '7d')).toMatchObject({ ok: false, error: { kind: 'forbidden' } });
  });

  it('keeps storage bounded however many tools are asked about, and serves nothing older than a day', async () => {
    const store = memoryStore();
    const clock = { t: 1_000_000 };
    const svc = createServices({
      loadSettings: async () => configured,
      fetch: mock.fetch,
      now: () => clock.t,
      store,
      budget: { capacity: 1000, refillPerHour: 1000 },
    });
    mock.pool.intercept(QUERY).reply(200, { results: ROWS }).times(150);
    for (let i = 0; i < 150; i++) {
      clock.t += 1000;
      expect((await svc.getToolMetrics(`tool-${i}`, '7d')).ok).toBe(true);
    }
    expect((await store.entryIds(cachedFigures)).length).toBe(100);
    // A day later, with PostHog down, yesterday's figures are not shown as if they were still news.
    clock.t += 24 * 3_600_000 + 1;
    mock.pool.intercept(QUERY).reply(502, 'Bad gateway');
    expect(await service(configured, clock, store).getToolMetrics('tool-149', '7d')).toMatchObject({ ok: false, error: { kind: 'server' } });
  }, 60_000); // 150 answers written and trimmed: generous on a loaded machine

  it('ignores a corrupted cache entry instead of failing', async () => {
    const store = memoryStore();
    const probe = createServices({ loadSettings: async () => configured, fetch: mock.fetch, store });
    mock.pool.intercept(QUERY).reply(200, { results: ROWS });
    await probe.getToolMetrics('a', '7d');
    // Whatever was stored under that key is now garbage: it is read as nothing, and PostHog is asked.
    const [id] = await store.entryIds(cachedFigures);
    await store.setEntries(cachedFigures, { [id!]: { at: 'yesterday', response: '<b>' } as never });
    mock.pool.intercept(QUERY).reply(200, { results: ROWS });
    expect((await service(configured, { t: 1 }, store).getToolMetrics('a', '7d')).ok).toBe(true);
    expect(mock.requests()).toBe(2);
  });

  it('serves the last good figures as stale when a refresh fails', async () => {
    const clock = { t: 1_000_000 };
    const svc = service(configured, clock);
    mock.pool.intercept(QUERY).reply(200, { results: ROWS });
    await svc.getToolMetrics('a', '7d');
    mock.pool.intercept(QUERY).reply(502, 'Bad gateway');
    const answer = await svc.getToolMetrics('a', '7d', true);
    expect(answer).toMatchObject({ ok: true, stale: { kind: 'server', message: expect.stringContaining('502') } });
  });

  it('after a failure, tabs asking again get it from memory until the moment it names: one request per round, backing off', async () => {
    const clock = { t: 1_000_000 };
    const svc = service(configured, clock);
    mock.pool.intercept(QUERY).reply(200, { results: ROWS });
    await svc.getToolMetrics('a', '7d');
    // Still fresh by age: once a refresh has failed, every tab is told, not only the one that asked.
    clock.t += 5_000;
    mock.pool.intercept(QUERY).reply(503, 'down').times(2);
    mock.resetRequests();
    expect(await svc.getToolMetrics('a', '7d', true)).toMatchObject({ ok: true, stale: { kind: 'server', retryInMs: 15_000 } });
    // Five tabs' cards asking before that moment: nothing sent, each told how long is left.
    clock.t += 5_000;
    const early = await Promise.all([1, 2, 3, 4, 5].map(() => svc.getToolMetrics('a', '7d')));
    expect(early.map((a) => a.ok && a.stale?.retryInMs)).toEqual([10_000, 10_000, 10_000, 10_000, 10_000]);
    expect(mock.requests()).toBe(1);
    // Past it (with their jitter): the first asks, fails again; the schedule backs off to 30 s.
    clock.t += 11_000;
    expect(await svc.getToolMetrics('a', '7d')).toMatchObject({ ok: true, stale: { retryInMs: 30_000 } });
    clock.t += 2_000;
    expect(await svc.getToolMetrics('a', '7d')).toMatchObject({ ok: true, stale: { retryInMs: 28_000 } });
    expect(mock.requests()).toBe(2);
    // PostHog is back: the next round's first card gets fresh figures, the others share them.
    mock.pool.intercept(QUERY).reply(200, { results: ROWS });
    clock.t += 29_000;
    const round = await Promise.all([1, 2, 3].map(() => svc.getToolMetrics('a', '7d')));
    clock.t += 3_000;
    round.push(await svc.getToolMetrics('a', '7d'));
    expect(round.every((a) => a.ok && a.stale === undefined)).toBe(true);
    expect(mock.requests()).toBe(3);
  });

  it('waits out Retry-After before asking again', async () => {
    const clock = { t: 1_000_000 };
    const svc = service(configured, clock);
    mock.pool.intercept(QUERY).reply(429, { detail: 'throttled' }, { headers: { 'Retry-After': '30' } });
    expect(await svc.getToolMetrics('a', '7d')).toMatchObject({ ok: false, error: { kind: 'rate_limited' } });
    clock.t += 10_000;
    // No interceptor is left: a request now would fail as a network error, not a rate limit.
    expect(await svc.getToolMetrics('a', '7d')).toMatchObject({ ok: false, error: { kind: 'rate_limited', message: expect.stringContaining('20 s') } });
    clock.t += 21_000;
    mock.pool.intercept(QUERY).reply(200, { results: ROWS });
    expect(await svc.getToolMetrics('a', '7d')).toMatchObject({ ok: true });
  });

  it('maps triage rows to links for the event and the session replay', async () => {
    mock.pool.intercept(QUERY).reply(200, {
      results: [
        ['failure', 'u-2', Date.parse('2026-11-25T10:00:00Z'), 'j2', 30000, 's2', 'ph-2', 'timeout'],
        ['slow', 'u-1', Date.parse('2026-11-25T09:00:00Z'), 'j1', 90000, 's1', null, 'false'],
      ],
    });
    const answer = await service().getTriage('a', '7d');
    expect(answer).toMatchObject({
      ok: true,
      triage: {
        slowest: [
          {
            jobId: 'j1',
            durationMs: 90000,
            at: '2026-11-25T09:00:00.000Z',
            replayUrl: null,
            eventUrl: `${BASE}/project/7/events/u-1/2026-11-25T09%3A00%3A00.000Z`,
          },
        ],
        failures: [{ jobId: 'j2', detail: 'timeout', replayUrl: `${BASE}/project/7/replay/ph-2` }],
      },
    });
  });
});

/**
 * The fault matrix, with undici's MockAgent: for each fault, the last good figures stay (marked
 * stale, with their as-of time) with a message naming the fault, exactly one request reaches
 * PostHog, and the next refresh after the fault clears answers fresh figures.
 */
describe('fault matrix (unit)', () => {
  type Fault = (pool: ReturnType<typeof mockPostHog>['pool']) => void;
  const reply =
    (status: number, body: unknown, headers: Record<string, string> = {}): Fault =>
    (pool) =>
      void pool.intercept(QUERY).reply(status, body as object, { headers });
  const FAULTS: Array<[string, Fault, string, RegExp]> = [
    [
      '401 revoked key',
      reply(401, { type: 'authentication_error', code: 'authentication_failed', detail: 'Personal API key found in request Authorization header is invalid.' }),
      'unauthorized',
      /rejected the personal API key \(401\)/,
    ],
    [
      '403 missing scope',
      reply(403, { type: 'authentication_error', code: 'permission_denied', detail: "API key missing required scope 'query:read'" }),
      'forbidden',
      /not allowed.*\(403\).*query:read/,
    ],
    ['404 wrong project', reply(404, { detail: 'Not found.' }), 'not_found', /Project 7 was not found on ph\.test \(404\)/],
    [
      '429 rate limited',
      reply(429, { detail: 'Request was throttled.' }, { 'Retry-After': '30' }),
      'rate_limited',
      /rate limiting this key.*; retrying in 30 s/,
    ],
    ['500', reply(500, { detail: 'A server error occurred.' }), 'server', /server error \(HTTP 500\)/],
    ['502', reply(502, '<html>Bad gateway</html>'), 'server', /HTTP 502/],
    ['503', reply(503, 'Service Unavailable'), 'server', /HTTP 503/],
    ['timeout', (pool) => void pool.intercept(QUERY).reply(200, { results: ROWS }).delay(400), 'timeout', /did not answer within/],
    [
      'connection refused',
      (pool) => void pool.intercept(QUERY).replyWithError(new Error('connect ECONNREFUSED 127.0.0.1:443')),
      'network',
      /Could not reach ph\.test/,
    ],
    ['malformed JSON', reply(200, '{"results": [["funnel"'), 'bad_response', /body that is not JSON/],
    ['drifted shape', reply(200, { result: ROWS }), 'bad_response', /PostHog answered in an unexpected shape: results: /],
    [
      'drifted row',
      reply(200, { results: [['funnel', 1, [1, 10]]] }),
      'bad_response',
      /PostHog answered in an unexpected shape: (results\.)?0\.1: .*expected string/,
    ],
    [
      'HogQL error',
      reply(400, { type: 'validation_error', code: 'hogql_query_error', detail: 'Unable to resolve field: tool_nam' }),
      'query_error',
      /could not run the query: Unable to resolve field/,
    ],
  ];

  it.each(FAULTS)('%s: keeps the last figures as stale, names the fault, sends one request, recovers', async (_name, fault, kind, message) => {
    const clock = { t: 1_000_000 };
    // A PostHog of its own: nothing another test left running can take this one's answers.
    const mock = mockPostHog();
    const logs: unknown[][] = [];
    const spies = (['log', 'warn', 'error', 'info', 'debug'] as const).map((level) => {
      const original = console[level];
      console[level] = (...args: unknown[]) => void logs.push(args);
      return () => (console[level] = original);
    });
    try {
      const svc = createServices({ loadSettings: async () => configured, fetch: mock.fetch, now: () => clock.t, store: memoryStore(), timeoutMs: 100 });
      mock.pool.intercept(QUERY).reply(200, { results: ROWS });
      const good = await svc.getToolMetrics('a', '7d');
      expect(good.ok).toBe(true);
      const asOf = good.ok ? good.metrics.asOf : '';

      clock.t += 120_000;
      fault(mock.pool);
      mock.resetRequests();
      const answers = await Promise.all([svc.getToolMetrics('a', '7d', true), svc.getToolMetrics('a', '7d'), svc.getToolMetrics('a', '7d')]);
      for (const answer of answers) {
        expect(answer).toMatchObject({ ok: true, stale: { kind, message: expect.stringMatching(message) } });
        expect(answer.ok && answer.metrics.asOf).toBe(asOf);
        expect(JSON.stringify(answer)).not.toContain(settings.apiKey);
      }
      expect(mock.requests()).toBe(1);
      // A fresh service (another tab, nothing cached): the same failure, as an error.
      fault(mock.pool);
      const uncached = await createServices({ loadSettings: async () => configured, fetch: mock.fetch, now: () => clock.t, timeoutMs: 100 }).getToolMetrics(
        'a',
        '7d',
      );
      expect(uncached).toMatchObject({ ok: false, error: { kind, message: expect.stringMatching(message) } });

      // The fault clears: the next refresh answers fresh figures (after Retry-After for a 429).
      if (kind === 'rate_limited') {
        clock.t += 29_000;
        mock.resetRequests();
        expect(await svc.getToolMetrics('a', '7d', true)).toMatchObject({ ok: true, stale: { kind: 'rate_limited' } });
        expect(mock.requests()).toBe(0);
        clock.t += 1_000;
      }
      mock.pool.intercept(QUERY).reply(200, { results: ROWS });
      const recovered = await svc.getToolMetrics('a', '7d', true);
      expect(recovered.ok && recovered.stale).toBeUndefined();
      expect(recovered.ok && recovered.metrics.asOf).not.toBe(asOf);
      expect(logs.flat().join(' ')).not.toContain(settings.apiKey);
    } finally {
      await mock.agent.close();
      spies.forEach((restore) => restore());
    }
  });

  it('never retries sooner than Retry-After, for any caller, even after a worker restart', async () => {
    const clock = { t: 1_000_000 };
    const store = memoryStore();
    const make = () => createServices({ loadSettings: async () => configured, fetch: mock.fetch, now: () => clock.t, store });
    mock.pool.intercept(QUERY).reply(429, { detail: 'throttled' }, { headers: { 'Retry-After': '120' } });
    await make().getToolMetrics('a', '7d');
    await new Promise((r) => setTimeout(r, 0));
    expect(await store.get(retryAfterItem)).toBe(1_000_000 + 120_000);
    clock.t += 60_000;
    const restarted = make();
    expect(await restarted.getToolMetrics('a', '7d', true)).toMatchObject({
      ok: false,
      error: { kind: 'rate_limited', message: expect.stringContaining('60 s') },
    });
    expect(await restarted.getTriage('a', '7d')).toMatchObject({ ok: false, error: { kind: 'rate_limited' } });
    expect(await restarted.fetchAutoMap()).toBeNull();
    expect(await restarted.testConnection()).toMatchObject({
      ok: false,
      checks: [{ step: 'user', ok: false, detail: expect.stringContaining('rate limiting') }],
    });
    expect(await restarted.detectProjectSchema()).toMatchObject({ ok: false, error: { kind: 'rate_limited' } });
    expect(mock.requests()).toBe(1);
  });

  it('when the request budget is spent: serves the cache as stale, says when it refills, sends nothing', async () => {
    const clock = { t: 1_000_000 };
    const budget = createRequestBudget({ now: () => clock.t, options: { capacity: 2, refillPerHour: 60 } });
    const svc = createServices({ loadSettings: async () => configured, fetch: mock.fetch, now: () => clock.t, budget });
    mock.pool.intercept(QUERY).reply(200, { results: ROWS }).times(2);
    await svc.getToolMetrics('a', '7d');
    await svc.getToolMetrics('b', '7d');
    expect(mock.requests()).toBe(2);
    const spent = await svc.getToolMetrics('a', '7d', true);
    expect(spent).toMatchObject({ ok: true, stale: { kind: 'rate_limited', message: expect.stringMatching(/request budget is spent.*available in 60 s/) } });
    expect(await svc.getToolMetrics('c', '7d')).toMatchObject({ ok: false, error: { message: expect.stringContaining('budget is spent') } });
    // Every caller spends from the same budget.
    expect(await svc.getTriage('a', '7d')).toMatchObject({ ok: false, error: { message: expect.stringContaining('budget is spent') } });
    expect(await svc.fetchAutoMap()).toBeNull();
    expect(await svc.detectProjectSchema()).toMatchObject({ ok: false, error: { message: expect.stringContaining('budget is spent') } });
    expect(mock.requests()).toBe(2);
    // Only HogQL queries spend it (PostHog's query limit): the connection test still checks the key and
    // the project (endpoints under PostHog's API-wide limits), and its event count says the budget is spent.
    mock.pool.intercept({ path: '/api/users/@me/', method: 'GET' }).reply(200, { email: 'pm@example.com' });
    mock.pool.intercept({ path: '/api/projects/7/', method: 'GET' }).reply(200, { id: 7, name: 'Tools' });
    const test = await svc.testConnection();
    expect(test.checks.map((c) => c.ok)).toEqual([true, true, false]);
    expect(test.checks[2]?.detail).toContain('budget is spent');
    expect(mock.requests()).toBe(4);
    expect((await svc.budgetStatus()).summary).toMatch(/^0 of 2 PostHog requests left \(60 an hour\); next in 60 s$/);
    clock.t += 60_000;
    mock.pool.intercept(QUERY).reply(200, { results: ROWS });
    const recovered = await svc.getToolMetrics('a', '7d', true);
    expect(recovered.ok && recovered.stale).toBeUndefined();
    expect(mock.requests()).toBe(5);
  });

  it('keeps the triage tab bounded whatever PostHog sends (100 000 rows)', async () => {
    const rows = Array.from({ length: 100_000 }, (_, i) => [
      i % 2 ? 'slow' : 'failure',
      `u-${i}`,
      1_700_000_000_000 + i * 1000,
      `j${i}`,
      i,
      null,
      null,
      'timeout',
    ]);
    mock.pool.intercept(QUERY).reply(200, { results: rows });
    const answer = await service().getTriage('a', '7d');
    expect(answer.ok && [answer.triage.slowest.length, answer.triage.failures.length]).toEqual([8, 8]);
    expect(answer.ok && answer.triage.slowest[0]?.durationMs).toBe(99_999);
  }, 60_000); // 100 000 rows parsed: generous on a loaded machine
});

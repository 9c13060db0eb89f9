// @vitest-environment node
import { afterEach, describe, expect, it } from 'vitest';
import { createMetricsService, memoryCache, type CacheStore } from './metricsService';
import { DEFAULT_METRICS_OPTIONS, type SettingsState } from './settings';
import { BASE, mockPostHog } from './testing/mockPostHog';

const settings = { host: 'custom' as const, customHost: BASE, projectId: '7', apiKey: 'phx_k', ...DEFAULT_METRICS_OPTIONS };
const configured: SettingsState = { status: 'configured', settings };
const row = (section: string, period: string, label: string, n: number, ...rest: number[]) => [section, period, label, n, ...[...rest, 0, 0, 0, 0, 0].slice(0, 5)];
const ROWS = [row('funnel', 'current', '1', 10), row('latency', 'current', '', 4, 100, 200, 300, 150)];
const QUERY = { path: '/api/projects/7/query/', method: 'POST' } as const;
let mock = mockPostHog();
afterEach(async () => {
  await mock.agent.close();
  mock = mockPostHog();
});

function service(state: SettingsState = configured, clock = { t: 1_000_000 }, cache: CacheStore = memoryCache()) {
  return createMetricsService({ loadSettings: async () => state, fetch: mock.fetch, now: () => clock.t, cache });
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

  it('asks which tools have views when this one has none', async () => {
    mock.pool.intercept(QUERY).reply(200, { results: [row('latency', 'current', '', 0)] });
    mock.pool.intercept(QUERY).reply(200, { results: [['pdf-to-text', 12]] });
    const answer = await service().getToolMetrics('pdf2txt', '7d');
    expect(answer.ok && answer.metrics.toolsSeen).toEqual([{ tool: 'pdf-to-text', views: 12 }]);
  });

  it('shares one request among tabs asking at once, then serves the cache', async () => {
    let requests = 0;
    mock.pool
      .intercept(QUERY)
      .reply(() => {
        requests++;
        return { statusCode: 200, data: { results: ROWS } };
      })
      .delay(30)
      .persist();
    const svc = service();
    const answers = await Promise.all([1, 2, 3, 4, 5].map(() => svc.getToolMetrics('news-analyzer', '7d')));
    expect(requests).toBe(1);
    expect(answers.every((a) => a.ok && a.metrics.funnel.steps[0]!.current === 10)).toBe(true);
    await svc.getToolMetrics('news-analyzer', '7d');
    expect(requests).toBe(1);
    await svc.getToolMetrics('news-analyzer', '24h');
    expect(requests).toBe(2);
    await svc.getToolMetrics('news-analyzer', '7d', true);
    expect(requests).toBe(3);
  });

  it('keeps answers in the given store, so a restarted worker answers from it', async () => {
    const store = memoryCache();
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

  it('ignores a corrupted cache entry instead of failing', async () => {
    const store: CacheStore = { get: async () => ({ at: 'yesterday', response: '<b>' }), set: async () => undefined };
    mock.pool.intercept(QUERY).reply(200, { results: ROWS });
    expect((await service(configured, { t: 1 }, store).getToolMetrics('a', '7d')).ok).toBe(true);
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
        ['failure', 'u-2', '2026-11-25T10:00:00Z', 'j2', 30000, 's2', 'ph-2', 'timeout'],
        ['slow', 'u-1', '2026-11-25T09:00:00Z', 'j1', 90000, 's1', null, 'false'],
      ],
    });
    const answer = await service().getTriage('a', '7d');
    expect(answer).toMatchObject({
      ok: true,
      triage: {
        slowest: [{ jobId: 'j1', durationMs: 90000, replayUrl: null, eventUrl: `${BASE}/project/7/events/u-1/2026-11-25T09%3A00%3A00Z` }],
        failures: [{ jobId: 'j2', detail: 'timeout', replayUrl: `${BASE}/project/7/replay/ph-2` }],
      },
    });
  });

  it('connection test names the step that failed', async () => {
    mock.pool.intercept({ path: '/api/users/@me/', method: 'GET' }).reply(200, { email: 'pm@example.com' });
    mock.pool.intercept({ path: '/api/projects/7/', method: 'GET' }).reply(404, { detail: 'Not found.' });
    const answer = await service().testConnection();
    expect(answer.ok).toBe(false);
    expect(answer.checks).toEqual([
      { step: 'user', ok: true, detail: 'Key accepted (user pm@example.com)' },
      { step: 'project', ok: false, detail: expect.stringContaining('Project 7 was not found') },
    ]);
  });
});

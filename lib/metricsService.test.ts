// @vitest-environment node
import { afterEach, describe, expect, it } from 'vitest';
import { createMetricsService } from './metricsService';
import type { SettingsState } from './settings';
import { BASE, mockPostHog } from './testing/mockPostHog';

const configured: SettingsState = { status: 'configured', settings: { host: 'custom', customHost: BASE, projectId: '7', apiKey: 'phx_k' } };
const ROWS = [
  ['funnel', '1', 10, 0, 0, 0],
  ['latency', '', 4, 100, 200, 300],
];
let mock = mockPostHog();
afterEach(async () => {
  await mock.agent.close();
  mock = mockPostHog();
});

function service(state: SettingsState = configured, clock = { t: 1_000_000 }) {
  return createMetricsService({ loadSettings: async () => state, fetch: mock.fetch, now: () => clock.t });
}

describe('metrics service', () => {
  it('says "not configured" without asking PostHog', async () => {
    const answer = await service({ status: 'missing' }).getToolMetrics('a', '7d');
    expect(answer).toMatchObject({ ok: false, error: { kind: 'not_configured' } });
    const invalid = await service({ status: 'invalid', message: 'projectId: bad' }).getToolMetrics('a', '7d');
    expect(invalid).toMatchObject({ ok: false, error: { kind: 'not_configured', message: expect.stringContaining('projectId: bad') } });
  });

  it('shares one request among tabs asking at once, then serves the cache', async () => {
    let requests = 0;
    mock.pool
      .intercept({ path: '/api/projects/7/query/', method: 'POST' })
      .reply(() => {
        requests++;
        return { statusCode: 200, data: { results: ROWS } };
      })
      .delay(30)
      .persist();
    const svc = service();
    const answers = await Promise.all([1, 2, 3, 4, 5].map(() => svc.getToolMetrics('news-analyzer', '7d')));
    expect(requests).toBe(1);
    expect(answers.every((a) => a.ok && a.metrics.funnel[0]!.sessions === 10)).toBe(true);
    await svc.getToolMetrics('news-analyzer', '7d');
    expect(requests).toBe(1);
    await svc.getToolMetrics('news-analyzer', '24h');
    expect(requests).toBe(2);
    await svc.getToolMetrics('news-analyzer', '7d', true);
    expect(requests).toBe(3);
  });

  it('waits out Retry-After before asking again', async () => {
    const clock = { t: 1_000_000 };
    const svc = service(configured, clock);
    mock.pool.intercept({ path: '/api/projects/7/query/', method: 'POST' }).reply(429, { detail: 'throttled' }, { headers: { 'Retry-After': '30' } });
    expect(await svc.getToolMetrics('a', '7d')).toMatchObject({ ok: false, error: { kind: 'rate_limited' } });
    clock.t += 10_000;
    // No interceptor is left: a request now would fail as a network error, not a rate limit.
    expect(await svc.getToolMetrics('a', '7d')).toMatchObject({ ok: false, error: { kind: 'rate_limited', message: expect.stringContaining('20 s') } });
    clock.t += 21_000;
    mock.pool.intercept({ path: '/api/projects/7/query/', method: 'POST' }).reply(200, { results: ROWS });
    expect(await svc.getToolMetrics('a', '7d')).toMatchObject({ ok: true });
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

// @vitest-environment node
import { afterEach, describe, expect, it } from 'vitest';
import { memoryStore } from '../storage/store';
import { spellingFor } from './projectService';
import { servicesFor } from '../testing/services';
import { DEFAULT_SCHEMA } from '../model/events';
import { DEFAULT_METRICS_OPTIONS, type SettingsState } from '../settings/settings';
import { BASE, mockPostHog } from '../testing/mockPostHog';

const settings: SettingsState = {
  status: 'configured',
  settings: { host: 'custom', customHost: BASE, projectId: '7', apiKey: 'phx_k', ...DEFAULT_METRICS_OPTIONS },
};
let mock = mockPostHog();
afterEach(async () => {
  await mock.agent.close();
  mock = mockPostHog();
});
const memory = () => memoryStore();
const dashboards = (list: Array<[number, string, boolean]>) => ({
  count: list.length,
  next: null,
  results: list.map(([id, name, pinned]) => ({ id, name, pinned, description: '', tags: [] })),
});

describe('project service', () => {
  it('turns the schema mapping into the dashboard spelling', () => {
    const schema = { ...DEFAULT_SCHEMA, properties: { ...DEFAULT_SCHEMA.properties, tool_name: ['$tool_name'], job_id: ['job_id'] } };
    expect(spellingFor(schema)).toMatchObject({ tool_name: '$tool_name', job_id: 'job_id', session_id: 'both' });
  });

  it('lists dashboards pinned first, then recently opened, then by name; caches them', async () => {
    mock.pool
      .intercept({ path: /\/api\/projects\/7\/dashboards\/\?/, method: 'GET' })
      .reply(
        200,
        dashboards([
          [1, 'Zeta', false],
          [2, 'Alpha', false],
          [3, 'Pinned', true],
          [4, 'Recent', false],
        ]),
      )
      .times(2);
    const store = memory();
    const svc = servicesFor({ loadSettings: async () => settings, store, fetch: mock.fetch, now: () => 1000 }).project;
    expect(await svc.cachedDashboards()).toBeNull();
    await svc.dashboardOpened(4);
    const answer = await svc.fetchDashboards();
    expect(answer.ok && answer.dashboards.map((d) => [d.name, d.recent])).toEqual([
      ['Pinned', false],
      ['Recent', true],
      ['Alpha', false],
      ['Zeta', false],
    ]);
    expect(answer.ok && answer.dashboards[0]!.url).toBe(`${BASE}/project/7/dashboard/3`);
    expect((await svc.cachedDashboards())?.dashboards.map((d) => d.id)).toEqual([3, 4, 2, 1]);
  });

  it('keeps the last tools in trouble when a check fails, and says so', async () => {
    const store = memory();
    const svc = servicesFor({ loadSettings: async () => settings, store, fetch: mock.fetch, now: () => 5 }).project;
    mock.pool.intercept({ path: '/api/projects/7/query/', method: 'POST' }).reply(200, { results: [['pdf', 12, 50, 38, 1000, 2000]] });
    expect((await svc.checkAlerts())?.tools.map((t) => t.tool)).toEqual(['pdf']);
    mock.pool.intercept({ path: '/api/projects/7/query/', method: 'POST' }).reply(503, 'down');
    const after = await svc.checkAlerts();
    expect(after).toMatchObject({ error: expect.stringContaining('503'), tools: [{ tool: 'pdf' }] });
  });

  it('honours the Retry-After a card got: no dashboards, connection or alert request until it has passed, and vice versa', async () => {
    const clock = { t: 1_000_000 };
    const store = memoryStore();
    const { card: cards, project: popup, connection } = servicesFor({ loadSettings: async () => settings, fetch: mock.fetch, now: () => clock.t, store });
    mock.pool.intercept({ path: '/api/projects/7/query/', method: 'POST' }).reply(429, { detail: 'throttled' }, { headers: { 'Retry-After': '120' } });
    // The card is told to come back just after the wait.
    expect(await cards.getToolMetrics('pdf', '7d')).toMatchObject({ ok: false, error: { kind: 'rate_limited', retryInMs: 121_000 } });
    expect(mock.requests()).toBe(1);
    clock.t += 30_000;
    expect(await popup.fetchDashboards()).toMatchObject({
      ok: false,
      error: { kind: 'rate_limited', message: expect.stringContaining('90 s'), retryInMs: 90_000 },
    });
    expect(await connection.connectionStatus()).toMatchObject({ ok: false, error: { kind: 'rate_limited' } });
    expect(await popup.checkAlerts()).toMatchObject({ error: expect.stringContaining('rate limiting') });
    expect(mock.requests()).toBe(1);
    // Once it has passed, the popup asks again; a 429 the popup gets holds the cards back in turn.
    clock.t += 90_000;
    mock.pool
      .intercept({ path: /\/api\/projects\/7\/dashboards\/\?/, method: 'GET' })
      .reply(429, { detail: 'throttled' }, { headers: { 'Retry-After': '45' } });
    expect(await popup.fetchDashboards()).toMatchObject({ ok: false, error: { kind: 'rate_limited', retryInMs: 45_000 } });
    expect(mock.requests()).toBe(2);
    expect(await cards.getToolMetrics('pdf', '7d', true)).toMatchObject({ ok: false, error: { kind: 'rate_limited', retryInMs: 45_000 } });
    expect(mock.requests()).toBe(2);
  });
});

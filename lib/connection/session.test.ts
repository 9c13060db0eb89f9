// @vitest-environment node
import { afterEach, describe, expect, it } from 'vitest';
import { createRequestBudget } from '../posthog/budget';
import { DEFAULT_METRICS_OPTIONS, type SettingsState } from '../settings/settings';
import { memoryStore } from '../storage/store';
import { BASE, mockPostHog } from '../testing/mockPostHog';
import { createSession } from './session';

const SETTINGS = { host: 'custom' as const, customHost: BASE, projectId: '7', apiKey: 'phx_k', ...DEFAULT_METRICS_OPTIONS };
const configured: SettingsState = { status: 'configured', settings: SETTINGS };
const ME = { path: '/api/users/@me/', method: 'GET' } as const;
let mock = mockPostHog();
afterEach(async () => {
  await mock.agent.close();
  mock = mockPostHog();
});

describe('PostHog session', () => {
  it('says why there is no connection: no settings, or settings that do not hold', async () => {
    const missing = await createSession({ loadSettings: async () => ({ status: 'missing' }) }).connect();
    expect(missing).toEqual({
      ok: false,
      error: { kind: 'not_configured', message: expect.stringContaining('Open the options to add your host, project and key') },
    });
    const invalid = await createSession({ loadSettings: async () => ({ status: 'invalid', message: 'apiKey: required' }) }).connect();
    expect(invalid).toMatchObject({ ok: false, error: { kind: 'not_configured', message: expect.stringContaining('apiKey: required') } });
    expect(await createSession({ loadSettings: async () => ({ status: 'missing' }) }).project()).toBeNull();
  });

  it('says the PostHog host is not granted, and sends nothing, when the browser has not given it', async () => {
    const asked: string[] = [];
    const session = createSession({ loadSettings: async () => configured, fetch: mock.fetch, hasHostAccess: async (p) => (asked.push(p), false) });
    expect(await session.connect()).toEqual({
      ok: false,
      error: {
        kind: 'not_configured',
        message: expect.stringMatching(/may not reach ph\.test \(no permission for https:\/\/ph\.test\/\*\)\. Open the options/),
      },
    });
    expect(asked).toEqual(['https://ph.test/*']);
    expect(mock.requests()).toBe(0);
    const granted = createSession({ loadSettings: async () => configured, hasHostAccess: async () => true });
    expect((await granted.connect()).ok).toBe(true);
  });

  it("runs work with the connection, and answers the protocol's failure when there is none or the work throws", async () => {
    let ran = 0;
    const work = async () => (ran++, { ok: true as const });
    const missing = await createSession({ loadSettings: async () => ({ status: 'missing' }) }).run(work);
    expect(missing).toMatchObject({ ok: false, error: { kind: 'not_configured' } });
    expect(ran).toBe(0);
    const session = createSession({ loadSettings: async () => configured, fetch: mock.fetch });
    expect(await session.run(work)).toEqual({ ok: true });
    mock.pool.intercept(ME).reply(401, { detail: 'Invalid personal API key.' });
    expect(await session.run(async ({ client }) => ({ ok: true as const, user: (await client.me()).email }))).toMatchObject({
      ok: false,
      error: { kind: 'unauthorized' },
    });
  });

  it('names the project by host and id, whatever the key', async () => {
    const session = createSession({ loadSettings: async () => configured });
    const connected = await session.connect();
    expect(connected.ok && connected.connection.project).toBe(`${BASE}|7`);
    expect(await session.project()).toBe(`${BASE}|7`);
  });

  it('spends one request from the budget for each HogQL query, or one for a whole run; other endpoints spend nothing', async () => {
    const clock = { t: 1_000_000 };
    const budget = createRequestBudget({ now: () => clock.t, options: { capacity: 3, refillPerHour: 1 } });
    const session = createSession({ loadSettings: async () => configured, fetch: mock.fetch, now: () => clock.t, budget });
    const QUERY = { path: '/api/projects/7/query/', method: 'POST' } as const;
    mock.pool.intercept(QUERY).reply(200, { results: [] }).times(4);

    const once = await session.connect({ spend: 'once' });
    if (!once.ok) throw new Error('not connected');
    await once.connection.client.hogql({ query: 'SELECT 1', values: {} });
    await once.connection.client.hogql({ query: 'SELECT 1', values: {} });
    expect((await budget.status()).available).toBe(2);

    const each = await session.connect();
    if (!each.ok) throw new Error('not connected');
    await each.connection.client.hogql({ query: 'SELECT 1', values: {} });
    await each.connection.client.hogql({ query: 'SELECT 1', values: {} });
    expect((await budget.status()).available).toBe(0);
    await expect(each.connection.client.hogql({ query: 'SELECT 1', values: {} })).rejects.toMatchObject({
      kind: 'rate_limited',
      message: expect.stringContaining('budget is spent'),
    });
    expect(await session.connect({ spend: 'once' })).toMatchObject({ ok: false, error: { kind: 'rate_limited', retryInMs: expect.any(Number) } });
    expect(mock.requests()).toBe(4);

    // PostHog's query limit counts HogQL queries only; its other endpoints (480 a minute, 4,800 an hour:
    // posthog/rate_limit.py) are sent with the budget spent, and spend nothing.
    mock.pool.intercept(ME).reply(200, { email: 'pm@example.com' }).times(2);
    expect((await each.connection.client.me()).email).toBe('pm@example.com');
    expect((await each.connection.client.me()).email).toBe('pm@example.com');
    expect(mock.requests()).toBe(6);
    expect((await budget.status()).available).toBe(0);
  });

  it('holds every request back after a 429, and forgets the wait for other settings', async () => {
    const clock = { t: 1_000_000 };
    const session = createSession({ loadSettings: async () => configured, fetch: mock.fetch, now: () => clock.t, store: memoryStore() });
    mock.pool.intercept(ME).reply(429, { detail: 'Request was throttled. Expected available in 62 seconds.' });
    const connected = await session.connect();
    if (!connected.ok) throw new Error('not connected');
    await expect(connected.connection.client.me()).rejects.toMatchObject({ kind: 'rate_limited' });
    expect(await session.blocked()).toMatchObject({ retryInMs: 62_000 });
    expect((await session.budgetStatus()).summary).toContain('PostHog asked to wait 62 s');
    await expect(connected.connection.client.project()).rejects.toMatchObject({ kind: 'rate_limited', message: expect.stringContaining('retrying in 62 s') });
    expect(mock.requests()).toBe(1);
    session.forgetRetryAfter();
    expect(await session.blocked()).toBeNull();
  });
});

// @vitest-environment node
import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_METRICS_OPTIONS, type SettingsState } from '../settings/settings';
import { BASE, mockPostHog } from '../testing/mockPostHog';
import { servicesFor } from '../testing/services';
import { missingScopes } from './connectionService';

const settings: SettingsState = {
  status: 'configured',
  settings: { host: 'custom', customHost: BASE, projectId: '7', apiKey: 'phx_k', ...DEFAULT_METRICS_OPTIONS },
};
let mock = mockPostHog();
afterEach(async () => {
  await mock.agent.close();
  mock = mockPostHog();
});
const connection = (state: SettingsState = settings) => servicesFor({ loadSettings: async () => state, fetch: mock.fetch }).connection;

describe('connection service', () => {
  it('names the scopes a key lacks and what for', () => {
    expect(missingScopes(['*'])).toEqual([]);
    expect(missingScopes(['query:read', 'project:read', 'user:read', 'dashboard:write', 'insight:write', 'annotation:read', 'group:read'])).toEqual([]);
    expect(missingScopes(['query:read']).map((m) => m.scope)).toEqual([
      'project:read',
      'user:read',
      'dashboard:read',
      'annotation:read',
      'group:read',
      'dashboard:write',
      'insight:write',
    ]);
    // The segment picker reads the project's group types (posthog/api/group.py GroupsTypesViewSet.scope_object = "group").
    expect(missingScopes(['query:read', 'project:read', 'user:read', 'dashboard:read', 'annotation:read'])[0]).toEqual({
      scope: 'group:read',
      for: 'the group type names in the segment picker',
    });
    expect(missingScopes(['query:read', 'project:read', 'user:read', 'dashboard:read'])[0]).toEqual({
      scope: 'annotation:read',
      for: 'annotations on the card',
    });
  });

  it('reports the key’s missing scopes from /api/personal_api_keys/@current/', async () => {
    mock.pool.intercept({ path: '/api/users/@me/', method: 'GET' }).reply(200, { email: 'pm@example.com' });
    mock.pool
      .intercept({ path: '/api/personal_api_keys/@current/', method: 'GET' })
      .reply(200, { scopes: ['query:read', 'project:read', 'user:read', 'dashboard:read'] });
    const status = await connection().connectionStatus();
    expect(status).toMatchObject({
      ok: true,
      user: 'pm@example.com',
      missing: [{ scope: 'annotation:read' }, { scope: 'group:read' }, { scope: 'dashboard:write' }, { scope: 'insight:write' }],
    });
  });

  it('says the scopes are unknown, not missing, where PostHog has no key endpoint', async () => {
    mock.pool.intercept({ path: '/api/users/@me/', method: 'GET' }).reply(200, { email: 'pm@example.com' });
    mock.pool.intercept({ path: '/api/personal_api_keys/@current/', method: 'GET' }).reply(404, { detail: 'Not found.' });
    expect(await connection().connectionStatus()).toEqual({ ok: true, via: 'key', user: 'pm@example.com', scopes: null, missing: [] });
  });

  it('names the step that failed in the connection test', async () => {
    mock.pool.intercept({ path: '/api/users/@me/', method: 'GET' }).reply(200, { email: 'pm@example.com' });
    mock.pool.intercept({ path: '/api/projects/7/', method: 'GET' }).reply(404, { detail: 'Not found.' });
    const answer = await connection().testConnection();
    expect(answer.ok).toBe(false);
    expect(answer.checks).toEqual([
      { step: 'user', ok: true, detail: 'Key accepted (user pm@example.com)' },
      { step: 'project', ok: false, detail: expect.stringContaining('Project 7 was not found') },
    ]);
  });

  it('stops at the settings, without asking PostHog, when there are none', async () => {
    expect(await connection({ status: 'missing' }).testConnection()).toEqual({
      ok: false,
      checks: [{ step: 'settings', ok: false, detail: expect.stringContaining('not connected to PostHog yet') }],
    });
    expect(await connection({ status: 'invalid', message: 'projectId: bad' }).detectProjectSchema()).toMatchObject({
      ok: false,
      error: { kind: 'not_configured', message: expect.stringContaining('projectId: bad') },
    });
    expect(mock.requests()).toBe(0);
  });
});

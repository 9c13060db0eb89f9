/**
 * The first run against the local server, as PostHog answers it: a pasted key's projects by
 * organisation, the failures a new user meets (a bad key, a key lacking a scope, a key that sees no
 * project), and the sites proposed from the project's own tool_viewed events.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOnboardingService } from '../lib/onboarding/onboardingService';
import { createSession } from '../lib/connection/session';
import { DEFAULT_METRICS_OPTIONS, type SettingsState } from '../lib/settings/settings';
import { memoryStore } from '../lib/storage/store';
import { startLocalPostHog, type LocalPostHog } from './server';

const OTHER_ORG = '01900000-0000-0000-0000-0000000000c3';
const KEYS = { noUser: 'phx_no_user_read', nowhere: 'phx_scoped_to_a_gone_project', one: 'phx_scoped_to_project_5' };
let ph: LocalPostHog;

beforeAll(async () => {
  ph = await startLocalPostHog({
    seed: { seed: 21, days: 3, events: 1500 },
    organizations: [{ id: OTHER_ORG, name: 'Acme Labs' }],
    projects: [
      { id: 5, name: 'Staging' },
      { id: 7, name: 'Labs', organizationId: OTHER_ORG },
    ],
    apiKeys: [
      { key: KEYS.noUser, scopes: ['query:read', 'project:read'] },
      { key: KEYS.nowhere, scopes: ['*'], scopedTeams: [404] },
      { key: KEYS.one, scopes: ['*'], scopedTeams: [5] },
    ],
  });
});
afterAll(() => ph?.close());

const onboarding = (state: SettingsState = { status: 'missing' }) =>
  createOnboardingService(createSession({ loadSettings: async () => state, store: memoryStore(), budget: { capacity: 100, refillPerHour: 100 } }));
const projectsFor = (apiKey: string) => onboarding().projectsFor({ host: 'custom', customHost: ph.url, apiKey });

describe('first run on the local server', () => {
  it("lists the key's projects by organisation, the current one first", async () => {
    expect(await projectsFor(ph.apiKey)).toEqual({
      ok: true,
      user: 'dev@tool-lens.local',
      organizations: [
        {
          id: expect.any(String),
          name: 'Tool Lens (local)',
          problem: null,
          projects: [
            { id: '5', name: 'Staging', timezone: 'UTC' },
            { id: '1', name: 'Tool Lens (local)', timezone: 'UTC' },
          ],
        },
        { id: OTHER_ORG, name: 'Acme Labs', problem: null, projects: [{ id: '7', name: 'Labs', timezone: 'UTC' }] },
      ],
    });
  });

  it('offers a key limited to one project just that project', async () => {
    const answer = await projectsFor(KEYS.one);
    expect(answer.ok && answer.organizations.flatMap((o) => o.projects.map((p) => p.id))).toEqual(['5']);
  });

  it('says what is wrong with a bad key, a key without user:read, a key that sees no project', async () => {
    expect(await projectsFor('phx_not_a_key')).toMatchObject({
      ok: false,
      error: { kind: 'unauthorized', message: expect.stringContaining('rejected the personal API key (401)') },
    });
    expect(await projectsFor(KEYS.noUser)).toMatchObject({
      ok: false,
      error: { kind: 'forbidden', message: expect.stringContaining("API key missing required scope 'user:read'") },
    });
    expect(await projectsFor(KEYS.nowhere)).toMatchObject({
      ok: false,
      error: { kind: 'not_found', message: expect.stringMatching(/^This key \(dev@tool-lens\.local\) can see no project/) },
    });
  });

  it("proposes the sites the project's tool_viewed events happened on, with views and tools", async () => {
    const settings: SettingsState = {
      status: 'configured',
      settings: { host: 'custom', customHost: ph.url, projectId: '1', apiKey: ph.apiKey, ...DEFAULT_METRICS_OPTIONS },
    };
    const answer = await onboarding(settings).proposeSites();
    expect(answer.ok).toBe(true);
    if (!answer.ok) return;
    const [seeded] = answer.sites;
    // The seed's pages are on https://tools.example.com (local-posthog/seed.ts).
    expect(seeded).toMatchObject({
      origin: 'https://tools.example.com',
      tools: expect.any(Number),
      example: expect.stringMatching(/^https:\/\/tools\.example\.com\/tools\//),
    });
    expect(seeded!.views).toBeGreaterThan(10);
    expect(seeded!.tools).toBeGreaterThan(1);
  });
});

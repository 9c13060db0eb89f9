// @vitest-environment node
import { afterEach, describe, expect, it } from 'vitest';
import { createPostHogClient } from '../posthog/client';
import { BASE, mockPostHog } from '../testing/mockPostHog';
import { listKeyProjects } from './projects';

let mock = mockPostHog();
afterEach(async () => {
  await mock.agent.close();
  mock = mockPostHog();
});
const client = () => createPostHogClient({ baseUrl: BASE, projectId: '', apiKey: 'phx_k', fetch: mock.fetch });
const ORG_A = '0190-a';
const ORG_B = '0190-b';
// The shapes of posthog/api/user.py (UserSerializer) and posthog/api/shared.py (TeamBasicSerializer, OrganizationBasicSerializer).
const team = (id: number, name: string, organization = ORG_A) => ({
  id,
  uuid: `u-${id}`,
  organization,
  project_id: id,
  api_token: `phc_${id}`,
  name,
  timezone: 'Europe/Berlin',
  ingested_event: true,
  is_demo: false,
  access_control: false,
});
const me = {
  email: 'pm@example.com',
  team: team(2, 'Web'),
  organization: {
    id: ORG_A,
    name: 'Acme',
    slug: 'acme',
    teams: [team(2, 'Web'), team(3, 'Mobile')],
    projects: [{ id: 2, organization_id: ORG_A, name: 'Web' }],
  },
  organizations: [
    { id: ORG_A, name: 'Acme', slug: 'acme' },
    { id: ORG_B, name: 'Side project', slug: 'side' },
  ],
};
const page = (results: unknown[], next: string | null = null) => ({ count: results.length, next, previous: null, results });

describe('the projects a key can see', () => {
  it('lists each organisation of the user with its projects, the current one first', async () => {
    mock.pool.intercept({ path: '/api/users/@me/', method: 'GET' }).reply(200, me);
    mock.pool.intercept({ path: `/api/organizations/${ORG_A}/projects/`, method: 'GET' }).reply(200, page([team(3, 'Mobile'), team(2, 'Web')]));
    mock.pool.intercept({ path: `/api/organizations/${ORG_B}/projects/`, method: 'GET' }).reply(200, page([team(9, 'Blog', ORG_B)]));
    expect(await listKeyProjects(client())).toEqual({
      user: 'pm@example.com',
      organizations: [
        {
          id: ORG_A,
          name: 'Acme',
          problem: null,
          projects: [
            { id: '3', name: 'Mobile', timezone: 'Europe/Berlin' },
            { id: '2', name: 'Web', timezone: 'Europe/Berlin' },
          ],
        },
        { id: ORG_B, name: 'Side project', problem: null, projects: [{ id: '9', name: 'Blog', timezone: 'Europe/Berlin' }] },
      ],
    });
  });

  it('follows the pages of a long list', async () => {
    mock.pool.intercept({ path: '/api/users/@me/', method: 'GET' }).reply(200, { ...me, organizations: [me.organizations[0]] });
    mock.pool
      .intercept({ path: `/api/organizations/${ORG_A}/projects/`, method: 'GET' })
      .reply(200, page([team(2, 'Web')], `${BASE}/api/organizations/${ORG_A}/projects/?limit=100&offset=100`));
    mock.pool.intercept({ path: `/api/organizations/${ORG_A}/projects/?limit=100&offset=100`, method: 'GET' }).reply(200, page([team(3, 'Mobile')]));
    const found = await listKeyProjects(client());
    expect(found.organizations[0]!.projects.map((p) => p.id)).toEqual(['3', '2']);
  });

  it("with a key limited to some projects, offers those of @me's organisation that the key may read", async () => {
    // posthog/permissions.py: a key with scoped_teams may not list projects.
    const scoped = {
      type: 'authentication_error',
      code: 'permission_denied',
      detail: 'API keys with scoped projects are only supported on project-based endpoints.',
      attr: null,
    };
    mock.pool.intercept({ path: '/api/users/@me/', method: 'GET' }).reply(200, { ...me, organizations: [me.organizations[0]] });
    mock.pool.intercept({ path: `/api/organizations/${ORG_A}/projects/`, method: 'GET' }).reply(403, scoped);
    mock.pool.intercept({ path: '/api/projects/2/', method: 'GET' }).reply(200, team(2, 'Web'));
    mock.pool
      .intercept({ path: '/api/projects/3/', method: 'GET' })
      .reply(403, { ...scoped, detail: 'API key does not have access to the requested project: ID 3.' });
    const found = await listKeyProjects(client());
    expect(found.organizations).toEqual([{ id: ORG_A, name: 'Acme', problem: null, projects: [{ id: '2', name: 'Web', timezone: 'Europe/Berlin' }] }]);
  });

  it('says why an organisation has none, and stops at a key PostHog rejects', async () => {
    mock.pool.intercept({ path: '/api/users/@me/', method: 'GET' }).reply(200, me);
    mock.pool.intercept({ path: `/api/organizations/${ORG_A}/projects/`, method: 'GET' }).reply(200, page([team(2, 'Web')]));
    mock.pool
      .intercept({ path: `/api/organizations/${ORG_B}/projects/`, method: 'GET' })
      .reply(403, { detail: `API key does not have access to the requested organization: ID ${ORG_B}.` });
    const found = await listKeyProjects(client());
    expect(found.organizations[1]).toEqual({
      id: ORG_B,
      name: 'Side project',
      projects: [],
      problem: expect.stringContaining('does not have access to the requested organization'),
    });

    mock.pool
      .intercept({ path: '/api/users/@me/', method: 'GET' })
      .reply(401, { detail: 'Personal API key found in request Authorization header is invalid.' });
    await expect(listKeyProjects(client())).rejects.toMatchObject({ kind: 'unauthorized' });
  });
});

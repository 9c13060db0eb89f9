/**
 * Lists longer than a page, read by the extension's own code against the local server, which pages
 * them as PostHog does (LimitOffsetPagination, 100 a page, every filter kept in `next`: posthog/settings/web.py,
 * rest_framework/pagination.py): an organisation with 150 projects for the first run's project picker
 * (lib/onboarding/projects.ts), and a project whose newest annotations are insights' marks, so the card's
 * own (lib/project/annotations.ts) are on later pages.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listKeyProjects } from '../lib/onboarding/projects';
import { ANNOTATIONS_MAX, fetchAnnotations } from '../lib/project/annotations';
import { createPostHogClient, type PostHogClient } from '../lib/posthog/client';
import { startLocalPostHog, type LocalPostHog } from './server';

const BIG_ORG = '01900000-0000-0000-0000-0000000000d4';
const MANY = 150;
const DAY = 86_400_000;
let ph: LocalPostHog;
let client: PostHogClient;
/** Every request the extension's code made, by path. */
const asked: string[] = [];

beforeAll(async () => {
  ph = await startLocalPostHog({
    organizations: [{ id: BIG_ORG, name: 'Big Co' }],
    projects: Array.from({ length: MANY }, (_, i) => ({ id: 100 + i, name: `Big ${String(i).padStart(3, '0')}`, organizationId: BIG_ORG })),
  });
  const counting: typeof fetch = async (input, init) => {
    asked.push(new URL(String(input instanceof Request ? input.url : input)).pathname + new URL(String(input instanceof Request ? input.url : input)).search);
    return fetch(input, init);
  };
  client = createPostHogClient({ baseUrl: ph.url, projectId: String(ph.projectId), apiKey: ph.apiKey, fetch: counting });
  const annotate = async (content: string, daysAgo: number, scope: string) => {
    const res = await fetch(`${ph.url}/api/projects/${ph.projectId}/annotations/`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ph.apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ content, date_marker: new Date(Date.now() - daysAgo * DAY).toISOString(), scope }),
    });
    expect(res.status).toBe(200);
  };
  // The seed's two (3 and 9 days ago), 120 insight marks newer than both, 8 project notes between them, and one older than the range.
  for (let i = 0; i < 120; i++) await annotate(`insight mark ${i}`, 1 + i / 1000, 'dashboard_item');
  for (let i = 0; i < 8; i++) await annotate(`release ${i}`, 4 + i / 2, 'project');
  await annotate('long ago', 40, 'project');
});
afterAll(() => ph?.close());

describe('lists across pages', () => {
  it("lists all 150 of an organisation's projects, page after page, for the project picker", async () => {
    asked.length = 0;
    const { organizations } = await listKeyProjects(client);
    const big = organizations.find((o) => o.id === BIG_ORG)!;
    expect(big.problem).toBeNull();
    expect(big.projects).toHaveLength(MANY);
    expect(big.projects.map((p) => p.id)).toEqual(Array.from({ length: MANY }, (_, i) => String(100 + i)));
    // Two pages of PostHog's 100, the second found by the first's next.
    expect(asked.filter((p) => p.startsWith(`/api/organizations/${BIG_ORG}/projects/`))).toEqual([
      `/api/organizations/${BIG_ORG}/projects/`,
      `/api/organizations/${BIG_ORG}/projects/?limit=100&offset=100`,
    ]);
  });

  it("finds the project's annotations behind a page of insight marks, following next with the range kept", async () => {
    asked.length = 0;
    const month = await fetchAnnotations(client, Date.now() - 30 * DAY, Date.now());
    expect(month.map((a) => a.content)).toEqual([
      'Upstream storage incident: uploads slow for 2 h',
      ...Array.from({ length: 8 }, (_, i) => `release ${7 - i}`),
      'Deployed OCR engine v2 (pdf-to-text, news-analyzer)',
    ]);
    const pages = asked.filter((p) => p.includes('/annotations/'));
    expect(pages).toHaveLength(2);
    // DRF's next carries date_from and date_to: the second page holds only the range's (the 40-day-old one is not in it).
    const second = new URL(pages[1]!, ph.url).searchParams;
    expect([second.get('offset'), second.get('limit'), second.get('date_from'), second.get('date_to')]).toEqual([
      '100',
      '100',
      new URL(pages[0]!, ph.url).searchParams.get('date_from'),
      new URL(pages[0]!, ph.url).searchParams.get('date_to'),
    ]);
  });

  it('stops once the newest the card shows are in: no page beyond', async () => {
    for (let i = 0; i < ANNOTATIONS_MAX + 10; i++) {
      const res = await fetch(`${ph.url}/api/projects/${ph.projectId}/annotations/`, {
        method: 'POST',
        headers: { authorization: `Bearer ${ph.apiKey}`, 'content-type': 'application/json' },
        body: JSON.stringify({ content: `deploy ${i}`, date_marker: new Date(Date.now() - 3_600_000 - i * 60_000).toISOString() }),
      });
      expect(res.status).toBe(200);
    }
    asked.length = 0;
    const week = await fetchAnnotations(client, Date.now() - 7 * DAY, Date.now());
    expect(week).toHaveLength(ANNOTATIONS_MAX);
    expect(week.at(-1)?.content).toBe('deploy 0');
    expect(asked.filter((p) => p.includes('/annotations/'))).toHaveLength(1);
  });
});

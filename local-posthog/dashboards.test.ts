import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalPostHog, type LocalPostHog } from './server.js';
import { hogql } from './test-helpers.js';
import { createPostHogClient, type PostHogClient } from '../lib/posthog/client';
import { ensureToolUsageDashboard, getDashboard, listDashboards, type EnsureProgress } from '../lib/project/dashboards';
import { buildToolUsageDashboard, insightHogQL, type InsightQuery } from '../lib/project/dashboardDefinition';
import { detectSchema } from '../lib/instrumentation/detect';

let ph: LocalPostHog;
let client: PostHogClient;

beforeAll(async () => {
  ph = await startLocalPostHog({ seed: { seed: 42, days: 30, events: 12_000 } });
  client = createPostHogClient({ baseUrl: ph.url, projectId: String(ph.projectId), apiKey: ph.apiKey });
});
afterAll(async () => {
  await ph?.close();
});

async function api(method: string, path: string, body?: unknown, key: string | null = ph.apiKey) {
  const res = await fetch(`${ph.url}/api/projects/${ph.projectId}/${path}`, {
    method,
    headers: { 'content-type': 'application/json', ...(key ? { authorization: `Bearer ${key}` } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as Record<string, any> };
}

describe('local PostHog: dashboards and insights API', () => {
  it('starts with seeded dashboards, pinned first, with tiles', async () => {
    const { status, body } = await api('GET', 'dashboards/');
    expect(status).toBe(200);
    expect(body.count).toBeGreaterThanOrEqual(3);
    const names = body.results.map((d: any) => d.name);
    expect(names.slice(0, 3)).toEqual(['Product overview', 'Errors triage', 'Growth']);
    expect(body.results[0]).toMatchObject({ pinned: true, deleted: false, tags: ['product'], team_id: 1 });
    expect(body.results[0]).not.toHaveProperty('tiles'); // the list is DashboardBasicSerializer
    const one = await api('GET', `dashboards/${body.results[0].id}/`);
    expect(one.body.tiles.length).toBeGreaterThan(0);
    for (const tile of one.body.tiles) {
      const res = await hogql(ph, tile.insight.query.source.query);
      expect(res.results.length).toBeGreaterThan(0);
    }
  });

  it('paginates, and ignores ?search= as PostHog does (posthog/api/dashboards/dashboard.py@4f7b4308 filters only ?tags=)', async () => {
    const page = await api('GET', 'dashboards/?limit=1&offset=1');
    expect(page.body.results).toHaveLength(1);
    expect(page.body.next).toBe(`${ph.url}/api/projects/1/dashboards/?limit=1&offset=2`);
    expect(page.body.previous).toBe(`${ph.url}/api/projects/1/dashboards/?limit=1&offset=0`);
    const all = await api('GET', 'dashboards/');
    const found = await api('GET', 'dashboards/?search=errors');
    expect(found.body.results.map((d: any) => d.name)).toEqual(all.body.results.map((d: any) => d.name));
    expect(all.body.results.length).toBeGreaterThan(1);
  });

  it('creates, patches (tags, pinned, tile layouts), soft deletes and restores', async () => {
    const created = await api('POST', 'dashboards/', { name: 'Scratch', description: 'tmp', tags: ['Tool-Lens ', 'x'] });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ name: 'Scratch', pinned: false, tags: ['tool-lens', 'x'], tiles: [] });
    const id = created.body.id;
    const insight = await api('POST', 'insights/', {
      name: 'Views',
      query: { kind: 'DataVisualizationNode', source: { kind: 'HogQLQuery', query: 'SELECT count() FROM events' } },
      dashboards: [id],
    });
    expect(insight.status).toBe(201);
    expect(insight.body).toMatchObject({ name: 'Views', dashboards: [id], short_id: expect.any(String) });
    const tileId = insight.body.dashboard_tiles[0].id;
    const patched = await api('PATCH', `dashboards/${id}/`, { pinned: true, tiles: [{ id: tileId, layouts: { sm: { x: 0, y: 0, w: 6, h: 5 } } }] });
    expect(patched.body).toMatchObject({ pinned: true, tiles: [{ id: tileId, layouts: { sm: { w: 6 } }, insight: { name: 'Views' } }] });
    // detaching an insight soft-deletes its tile
    await api('PATCH', `insights/${insight.body.id}/`, { dashboards: [] });
    expect((await api('GET', `dashboards/${id}/`)).body.tiles).toEqual([]);
    expect((await api('DELETE', `dashboards/${id}/`)).status).toBe(405);
    expect((await api('PATCH', `dashboards/${id}/`, { deleted: true })).body.deleted).toBe(true);
    expect((await api('GET', `dashboards/${id}/`)).status).toBe(404);
    expect((await api('GET', 'dashboards/')).body.results.map((d: any) => d.name)).not.toContain('Scratch');
    expect((await api('PATCH', `dashboards/${id}/`, { deleted: false })).body).toMatchObject({ deleted: false, name: 'Scratch' });
    await api('PATCH', `dashboards/${id}/`, { deleted: true });
  });

  it("answers errors in PostHog's DRF shape, with the same auth as the other routes", async () => {
    expect(await api('GET', 'dashboards/', undefined, null)).toMatchObject({ status: 401, body: { type: 'authentication_error', code: 'not_authenticated' } });
    expect(await api('GET', 'insights/', undefined, 'phx_wrong')).toMatchObject({ status: 401, body: { code: 'authentication_failed' } });
    expect((await api('GET', 'dashboards/99999/')).body).toEqual({ type: 'invalid_request', code: 'not_found', detail: 'Not found.', attr: null });
    expect(await api('POST', 'insights/', { name: 'x', dashboards: [99999] })).toMatchObject({
      status: 400,
      body: { type: 'validation_error', attr: 'dashboards' },
    });
    expect(await api('POST', 'insights/', { name: 'x', query: { source: {} } })).toMatchObject({ status: 400, body: { attr: 'query' } });
    expect(await api('PATCH', 'dashboards/1/', { tags: 'nope' })).toMatchObject({ status: 400, body: { attr: 'tags' } });
    const other = await fetch(`${ph.url}/api/projects/2/dashboards/`, { headers: { authorization: `Bearer ${ph.apiKey}` } });
    expect(other.status).toBe(404);
  });
});

describe('Tool Usage Analytics on the local server', () => {
  it('detects both spellings of tool_name in the seed, and all six events', async () => {
    const d = await detectSchema(client);
    expect(d.missingEvents).toEqual([]);
    expect(d.properties.tool_name.usage).toBe('both'); // csv-cleaner sends $tool_name
    expect(d.properties.tool_name.dollar).toBeGreaterThan(0);
    expect(d.properties.tool_name.plain).toBeGreaterThan(d.properties.tool_name.dollar);
    expect(d.properties.processing_duration_ms.usage).toBe('both');
    expect(d.properties.error_type).toMatchObject({ usage: 'plain', dollar: 0 });
    expect(d.spelling).toMatchObject({ tool_name: 'both', session_id: 'session_id', error_type: 'error_type' });
  });

  it('creating twice leaves exactly one dashboard with 12 insights in 4 rows', async () => {
    const { spelling } = await detectSchema(client);
    const progress: EnsureProgress[] = [];
    const first = await ensureToolUsageDashboard(client, spelling, (p) => progress.push(p));
    const second = await ensureToolUsageDashboard(client, spelling);
    expect(first).toMatchObject({ created: true, failed: 0 });
    expect(second).toMatchObject({ created: false, failed: 0, dashboardId: first.dashboardId });
    expect(progress.filter((p) => p.type === 'insight' && p.action === 'created')).toHaveLength(12);

    const found = (await listDashboards(client)).filter((d) => d.name === 'Tool Usage Analytics');
    expect(found).toHaveLength(1);
    expect(found[0]).toMatchObject({ id: first.dashboardId, tags: ['tool-lens'] });

    const dash = await getDashboard(client, first.dashboardId);
    expect(dash.tiles).toHaveLength(12);
    const rows = new Map<number, number>();
    for (const t of dash.tiles) rows.set(t.layouts.sm!.y!, (rows.get(t.layouts.sm!.y!) ?? 0) + t.layouts.sm!.w!);
    expect(rows.size).toBe(4);
    expect([...rows.values()]).toEqual([12, 12, 12, 12]);
    expect(new Set(dash.tiles.map((t) => t.insight!.name))).toEqual(new Set(buildToolUsageDashboard().insights.map((i) => i.name)));
    const all = await api('GET', 'insights/?search=&limit=500');
    expect(all.body.results.filter((i: any) => i.tags.includes('tool-lens'))).toHaveLength(12);
  });

  it('every created HogQL insight runs on the query endpoint with the seeded data', async () => {
    const [found] = (await listDashboards(client)).filter((d) => d.name === 'Tool Usage Analytics' && d.tags.includes('tool-lens'));
    const dash = await getDashboard(client, found!.id);
    let ran = 0;
    for (const tile of dash.tiles) {
      const q = insightHogQL(tile.insight!.query as InsightQuery);
      if (!q) continue;
      const res = await client.hogql({ query: q, values: {} });
      expect(res.results.length, tile.insight!.name!).toBeGreaterThan(0);
      if (q.includes('AS tool_name')) {
        const tools = res.results.map((r) => r[0]);
        expect(tools, tile.insight!.name!).not.toContain(null); // coalesce reads csv-cleaner's $tool_name
      }
      ran++;
    }
    expect(ran).toBe(10);
  });
});

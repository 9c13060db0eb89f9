// @vitest-environment node
import { describe, expect, it } from 'vitest';
import { createPostHogClient, PostHogError } from '../posthog/client';
import { BASE, mockPostHog } from '../testing/mockPostHog';
import { ensureToolUsageDashboard, listDashboards, type EnsureProgress } from './dashboards';
import { buildToolUsageDashboard, DASHBOARD_MARKER } from './dashboardDefinition';

type Json = Record<string, any>;
interface Call {
  method: string;
  path: string;
  body: Json | null;
}

/**
 * A minimal PostHog behind undici's MockAgent: dashboards and insights in memory, every call recorded.
 * `failInsight` makes creating/updating the insight of that name answer 400.
 */
function fakePostHog(opts: { dashboards?: Json[]; insights?: Json[]; tiles?: Json[]; failInsight?: string } = {}) {
  const { agent, pool, fetch } = mockPostHog();
  const dashboards: Json[] = opts.dashboards ?? [];
  const insights: Json[] = opts.insights ?? [];
  const tiles: Json[] = opts.tiles ?? [];
  const calls: Call[] = [];
  let nextId = 100;
  const detail = (d: Json) => ({
    ...d,
    tiles: tiles.filter((t) => t.dashboard === d.id).map((t) => ({ id: t.id, layouts: t.layouts, insight: insights.find((i) => i.id === t.insight) ?? null })),
  });
  pool
    .intercept({ path: () => true, method: () => true })
    .reply((req) => {
      const url = new URL(req.path, BASE);
      const body = typeof req.body === 'string' && req.body ? (JSON.parse(req.body) as Json) : null;
      const method = req.method.toUpperCase();
      calls.push({ method, path: url.pathname, body });
      const json = (statusCode: number, data: unknown) => ({
        statusCode,
        data: JSON.stringify(data),
        responseOptions: { headers: { 'content-type': 'application/json' } },
      });
      const m = /^\/api\/projects\/1\/(dashboards|insights)\/(?:(\d+)\/)?$/.exec(url.pathname);
      if (!m) return json(404, { type: 'invalid_request', code: 'not_found', detail: 'Not found.', attr: null });
      const [, kind, idText] = m;
      const id = idText ? Number(idText) : undefined;
      if (kind === 'dashboards') {
        if (method === 'GET' && id === undefined) {
          const search = (url.searchParams.get('search') ?? '').toLowerCase();
          const results = dashboards.filter((d) => !d.deleted && d.name.toLowerCase().includes(search));
          return json(200, { count: results.length, next: null, previous: null, results });
        }
        if (method === 'POST') {
          const d = { id: nextId++, pinned: false, deleted: false, tags: [], description: '', ...body };
          dashboards.push(d);
          return json(201, detail(d));
        }
        const d = dashboards.find((x) => x.id === id);
        if (!d) return json(404, { detail: 'Not found.' });
        if (method === 'PATCH') {
          const { tiles: tileChanges, ...rest } = body ?? {};
          Object.assign(d, rest);
          for (const c of (tileChanges as Json[] | undefined) ?? [])
            Object.assign(
              tiles.find((t) => t.id === c.id)!,
              { layouts: c.layouts },
            );
        }
        return json(200, detail(d));
      }
      if (method === 'POST' || method === 'PATCH') {
        const name = body?.name ?? insights.find((i) => i.id === id)?.name;
        if (name === opts.failInsight) return json(400, { type: 'validation_error', code: 'invalid_input', detail: 'Query is invalid', attr: 'query' });
      }
      if (method === 'POST') {
        const ins = { id: nextId++, short_id: `s${nextId}`, tags: [], ...body };
        insights.push(ins);
        for (const dash of (body?.dashboards as number[] | undefined) ?? []) tiles.push({ id: nextId++, dashboard: dash, insight: ins.id, layouts: {} });
        return json(201, ins);
      }
      const ins = insights.find((i) => i.id === id)!;
      if (method === 'PATCH') Object.assign(ins, body);
      return json(200, ins);
    })
    .persist();
  const client = createPostHogClient({ baseUrl: BASE, projectId: '1', apiKey: 'phx_test', fetch });
  return { agent, client, calls, dashboards, insights, tiles };
}

describe('ensureToolUsageDashboard', () => {
  it('creates the dashboard with its 12 insights and lays them out', async () => {
    const ph = fakePostHog();
    const progress: EnsureProgress[] = [];
    const result = await ensureToolUsageDashboard(ph.client, { tool_name: 'both' }, (p) => progress.push(p));
    expect(result.created).toBe(true);
    expect(result.failed).toBe(0);
    expect(result.url).toBe(`${BASE}/project/1/dashboard/${result.dashboardId}`);
    expect(ph.dashboards).toHaveLength(1);
    expect(ph.dashboards[0]).toMatchObject({ name: 'Tool Usage Analytics', tags: ['tool-lens'] });
    expect(ph.dashboards[0]!.description).toContain(DASHBOARD_MARKER);
    const posts = ph.calls.filter((c) => c.method === 'POST' && c.path.endsWith('/insights/'));
    expect(posts).toHaveLength(12);
    for (const p of posts) expect(p.body).toMatchObject({ dashboards: [result.dashboardId], tags: ['tool-lens'], saved: true });
    expect(JSON.stringify(posts.map((p) => p.body!.query))).toContain('coalesce(toString(properties.tool_name), toString(properties.$tool_name))');
    // progress: dashboard, 12 insights in order, layout
    expect(progress[0]).toMatchObject({ type: 'dashboard', action: 'created' });
    expect(progress.filter((p) => p.type === 'insight').map((p) => (p as { index: number }).index)).toEqual(Array.from({ length: 12 }, (_, i) => i + 1));
    expect(progress.at(-1)).toEqual({ type: 'layout', action: 'updated', tiles: 12 });
    const layout = ph.calls.filter((c) => c.method === 'PATCH' && c.body?.tiles).at(-1)!;
    expect(layout.body!.tiles).toHaveLength(12);
    expect(new Set(ph.tiles.map((t) => t.layouts.sm.y)).size).toBe(4);
    await ph.agent.close();
  });

  it('is idempotent: a second run updates the same dashboard and insights', async () => {
    const ph = fakePostHog();
    const first = await ensureToolUsageDashboard(ph.client, {});
    const callsBefore = ph.calls.length;
    const second = await ensureToolUsageDashboard(ph.client, { tool_name: '$tool_name' });
    expect(second.created).toBe(false);
    expect(second.dashboardId).toBe(first.dashboardId);
    expect(second.insights.map((i) => i.action)).toEqual(Array(12).fill('updated'));
    const secondCalls = ph.calls.slice(callsBefore);
    expect(secondCalls.filter((c) => c.method === 'POST')).toEqual([]);
    expect(ph.dashboards).toHaveLength(1);
    expect(ph.insights).toHaveLength(12);
    expect(ph.tiles).toHaveLength(12);
    // updated to the new spelling
    expect(JSON.stringify(ph.insights.map((i) => i.query))).toContain('properties.$tool_name');
    expect(JSON.stringify(ph.insights.map((i) => i.query))).not.toContain('properties.tool_name');
    await ph.agent.close();
  });

  it("leaves a same-named dashboard that is not Tool Lens's alone, and finds its own by the marker when tags were dropped", async () => {
    const def = buildToolUsageDashboard();
    const ph = fakePostHog({
      dashboards: [
        { id: 1, name: def.name, description: 'made by hand', pinned: false, tags: [], deleted: false },
        { id: 2, name: def.name, description: `old. ${DASHBOARD_MARKER}`, pinned: false, tags: [], deleted: false },
      ],
      insights: [{ id: 10, name: 'Cache Hit Rate', tags: [], query: null }],
      tiles: [{ id: 20, dashboard: 2, insight: 10, layouts: { xs: { x: 0, y: 0, w: 1, h: 5 } } }],
    });
    const result = await ensureToolUsageDashboard(ph.client, {});
    expect(result).toMatchObject({ created: false, dashboardId: 2 });
    expect(ph.calls.filter((c) => c.path === '/api/projects/1/dashboards/1/')).toEqual([]);
    expect(ph.dashboards.find((d) => d.id === 2)!.tags).toEqual(['tool-lens']);
    expect(result.insights.filter((i) => i.action === 'updated').map((i) => i.name)).toEqual(['Cache Hit Rate']);
    expect(result.insights.filter((i) => i.action === 'created')).toHaveLength(11);
    // the existing tile keeps its other layouts
    expect(ph.tiles.find((t) => t.id === 20)!.layouts).toMatchObject({ xs: { w: 1 }, sm: { x: 8, w: 4 } });
    await ph.agent.close();
  });

  it('reports which insight failed and why, and goes on with the others', async () => {
    const ph = fakePostHog({ failInsight: 'Error Types Breakdown' });
    const progress: EnsureProgress[] = [];
    const result = await ensureToolUsageDashboard(ph.client, {}, (p) => progress.push(p));
    expect(result.failed).toBe(1);
    const failed = result.insights.find((i) => i.action === 'failed')!;
    expect(failed.name).toBe('Error Types Breakdown');
    expect(failed.error).toMatch(/rejected the request \(400\): Query is invalid/);
    expect(progress.find((p) => p.type === 'insight' && p.action === 'failed')).toMatchObject({ name: 'Error Types Breakdown', error: failed.error });
    expect(ph.insights).toHaveLength(11);
    expect(progress.at(-1)).toEqual({ type: 'layout', action: 'updated', tiles: 11 });
    await ph.agent.close();
  });
});

describe('listDashboards', () => {
  it('returns a typed list, pinned first then by name, without deleted ones', async () => {
    const ph = fakePostHog({
      dashboards: [
        { id: 1, name: 'b', description: null, pinned: false, tags: ['x'], deleted: false, created_at: '2024-01-01T00:00:00Z', tiles: null },
        { id: 2, name: 'a', description: 'first', pinned: false, tags: [], deleted: false },
        { id: 3, name: 'z', description: '', pinned: true, tags: null, deleted: false },
      ],
    });
    const list = await listDashboards(ph.client);
    expect(list.map((d) => d.id)).toEqual([3, 2, 1]);
    expect(list[0]).toEqual({ id: 3, name: 'z', description: '', pinned: true, tags: [], deleted: false });
    expect(list[2]!.description).toBe('');
    await ph.agent.close();
  });

  it('follows pagination and sends no search (PostHog ignores it: posthog/api/dashboards/dashboard.py)', async () => {
    const { agent, pool, fetch } = mockPostHog();
    const seen: string[] = [];
    const page = (ids: number[], next: boolean) => ({
      count: 150,
      next: next ? `${BASE}/next` : null,
      previous: null,
      results: ids.map((id) => ({ id, name: `d${id}`, pinned: false, tags: [] })),
    });
    pool
      .intercept({ path: (p) => p.startsWith('/api/projects/1/dashboards/'), method: 'GET' })
      .reply((req) => {
        seen.push(req.path);
        const offset = new URL(req.path, BASE).searchParams.get('offset');
        return {
          statusCode: 200,
          data: JSON.stringify(
            offset === '0'
              ? page(
                  Array.from({ length: 100 }, (_, i) => i + 1),
                  true,
                )
              : page([101, 102], false),
          ),
        };
      })
      .persist();
    const client = createPostHogClient({ baseUrl: BASE, projectId: '1', apiKey: 'k', fetch });
    const list = await listDashboards(client);
    expect(list).toHaveLength(102);
    expect(seen).toEqual(['/api/projects/1/dashboards/?limit=100&offset=0', '/api/projects/1/dashboards/?limit=100&offset=100']);
    await agent.close();
  });

  it('rejects an answer of another shape with a clear error', async () => {
    const { agent, pool, fetch } = mockPostHog();
    pool.intercept({ path: (p) => p.startsWith('/api/projects/1/dashboards/'), method: 'GET' }).reply(200, { results: [{ id: 'one' }] });
    const client = createPostHogClient({ baseUrl: BASE, projectId: '1', apiKey: 'k', fetch });
    const err = await listDashboards(client).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PostHogError);
    expect((err as PostHogError).kind).toBe('bad_response');
    expect((err as PostHogError).message).toMatch(/results\.0\.id/);
    await agent.close();
  });
});

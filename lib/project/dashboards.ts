/**
 * PostHog dashboards through the REST API (`/api/projects/:id/dashboards/`, `/insights/`), with the
 * shared client's `request` (auth, timeout, error mapping, zod validation).
 */
import * as z from 'zod/mini';
import { PostHogError, type PostHogClient } from '../posthog/client';
import { buildToolUsageDashboard, DASHBOARD_MARKER, TOOL_LENS_TAG, type DashboardDefinition, type InsightDefinition } from './dashboardDefinition';
import { type PropertySpelling } from '../model/events';

type Client = Pick<PostHogClient, 'request' | 'projectId' | 'baseUrl'>;

// Schemas: only the fields Tool Lens reads; PostHog sends many more (zod drops them).

/** A field PostHog may leave out or null, read as `fallback` then. */
const orElse = <T>(schema: z.ZodMiniType<T>, fallback: T) =>
  z.pipe(
    z.nullish(schema),
    z.transform((value: T | null | undefined): T => value ?? fallback),
  );
const tagsSchema = orElse(z.array(z.string()), []);

export const dashboardSummarySchema = z.object({
  id: z.number(),
  name: orElse(z.string(), ''),
  description: orElse(z.string(), ''),
  pinned: orElse(z.boolean(), false),
  tags: tagsSchema,
  created_at: z.nullish(z.string()),
  deleted: z.nullish(z.boolean()),
});
export type DashboardSummary = z.infer<typeof dashboardSummarySchema>;

const dashboardPageSchema = z.object({
  count: z.nullish(z.number()),
  next: z.nullish(z.string()),
  results: z.array(dashboardSummarySchema),
});

export const insightSchema = z.object({
  id: z.number(),
  short_id: z.nullish(z.string()),
  name: z.nullish(z.string()),
  description: z.nullish(z.string()),
  query: z.nullish(z.unknown()),
  tags: tagsSchema,
  dashboards: z.nullish(z.array(z.number())),
});
export type Insight = z.infer<typeof insightSchema>;

/** A tile's place on one of the grid's sizes; PostHog's other layout fields are kept as they are. */
const layoutSchema = z.looseObject({ x: z.optional(z.number()), y: z.optional(z.number()), w: z.optional(z.number()), h: z.optional(z.number()) });

export const dashboardTileSchema = z.object({
  id: z.number(),
  layouts: orElse(z.record(z.string(), layoutSchema), {}),
  insight: z.nullish(insightSchema),
});

export const dashboardDetailSchema = z.extend(dashboardSummarySchema, {
  tiles: orElse(z.array(dashboardTileSchema), []),
});
export type DashboardDetail = z.infer<typeof dashboardDetailSchema>;

const PAGE = 100;
const MAX_PAGES = 20;

export const projectPath = (client: Pick<PostHogClient, 'projectId'>, rest: string) => `/api/projects/${encodeURIComponent(client.projectId)}/${rest}`;

/**
 * Dashboards of the project (not deleted), pinned first then by name — all of them, page by page: PostHog's
 * dashboards list ignores `?search=` in its releases (posthog/api/dashboards/dashboard.py), so any search is
 * the caller's, on this list.
 */
export async function listDashboards(client: Client): Promise<DashboardSummary[]> {
  const all: DashboardSummary[] = [];
  for (let page = 0; page < MAX_PAGES; page++) {
    const q = new URLSearchParams({ limit: String(PAGE), offset: String(page * PAGE) });
    const res = await client.request(projectPath(client, `dashboards/?${q}`), dashboardPageSchema);
    all.push(...res.results);
    if (!res.next || res.results.length === 0) break;
  }
  return all.filter((d) => !d.deleted).sort((a, b) => Number(b.pinned) - Number(a.pinned) || a.name.localeCompare(b.name));
}

export function getDashboard(client: Client, id: number): Promise<DashboardDetail> {
  return client.request(projectPath(client, `dashboards/${id}/`), dashboardDetailSchema);
}

/** A dashboard's link in the PostHog app. */
export function dashboardUrl(client: Client, id: number): string {
  return `${client.baseUrl}/project/${encodeURIComponent(client.projectId)}/dashboard/${id}`;
}

export type EnsureProgress =
  | { type: 'dashboard'; action: 'created' | 'found'; id: number; name: string; url: string }
  | { type: 'insight'; index: number; total: number; name: string; action: 'created' | 'updated' | 'failed'; id?: number; error?: string }
  | { type: 'layout'; action: 'updated' | 'failed'; tiles: number; error?: string };

export interface EnsureResult {
  dashboardId: number;
  url: string;
  created: boolean;
  insights: Array<{ name: string; action: 'created' | 'updated' | 'failed'; id?: number; error?: string }>;
  failed: number;
  layoutError?: string;
}

/** Tool Lens's own dashboard: same name, and the tool-lens tag (or the marker, where PostHog drops tags). */
export function isToolLensDashboard(d: DashboardSummary, name: string): boolean {
  return d.name === name && (d.tags.includes(TOOL_LENS_TAG) || d.description.includes(DASHBOARD_MARKER));
}

function message(e: unknown): string {
  return e instanceof PostHogError || e instanceof Error ? e.message : String(e);
}

/**
 * Creates the "Tool Usage Analytics" dashboard, or updates the one Tool Lens created before (never a
 * second one): each insight is updated in place (matched by name on the dashboard) or created on it,
 * then the tiles are laid out in the definition's 4 rows. An insight that fails is reported and the
 * others go on. Errors finding or creating the dashboard itself are thrown (PostHogError).
 */
export async function ensureToolUsageDashboard(
  client: Client,
  spelling: Partial<PropertySpelling>,
  onProgress: (p: EnsureProgress) => void = () => {},
  definition: DashboardDefinition = buildToolUsageDashboard(spelling),
): Promise<EnsureResult> {
  const candidates = (await listDashboards(client)).filter((d) => isToolLensDashboard(d, definition.name)).sort((a, b) => a.id - b.id);
  let dashboardId: number;
  let created = false;
  const existing = candidates[0];
  if (existing) {
    dashboardId = existing.id;
    // Keep its description and tag current (PostHog may have dropped the tag on plans without tagging).
    await client.request(projectPath(client, `dashboards/${dashboardId}/`), dashboardDetailSchema, {
      method: 'PATCH',
      body: JSON.stringify({ description: definition.description, tags: [...new Set([...existing.tags, ...definition.tags])] }),
    });
  } else {
    const d = await client.request(projectPath(client, 'dashboards/'), dashboardDetailSchema, {
      method: 'POST',
      body: JSON.stringify({ name: definition.name, description: definition.description, tags: definition.tags, pinned: false }),
    });
    dashboardId = d.id;
    created = true;
  }
  const url = dashboardUrl(client, dashboardId);
  onProgress({ type: 'dashboard', action: created ? 'created' : 'found', id: dashboardId, name: definition.name, url });

  const current = created ? [] : (await getDashboard(client, dashboardId)).tiles;
  const byName = new Map<string, Insight>();
  for (const tile of current) {
    const ins = tile.insight;
    if (ins?.name && !byName.has(ins.name)) byName.set(ins.name, ins);
  }

  const results: EnsureResult['insights'] = [];
  const total = definition.insights.length;
  for (const [i, def] of definition.insights.entries()) {
    const payload = insightPayload(def);
    const found = byName.get(def.name);
    try {
      const saved = found
        ? await client.request(projectPath(client, `insights/${found.id}/`), insightSchema, {
            method: 'PATCH',
            body: JSON.stringify({ ...payload, tags: [...new Set([...found.tags, ...payload.tags])] }),
          })
        : await client.request(projectPath(client, 'insights/'), insightSchema, {
            method: 'POST',
            body: JSON.stringify({ ...payload, dashboards: [dashboardId], saved: true }),
          });
      const action = found ? 'updated' : 'created';
      results.push({ name: def.name, action, id: saved.id });
      onProgress({ type: 'insight', index: i + 1, total, name: def.name, action, id: saved.id });
    } catch (e) {
      results.push({ name: def.name, action: 'failed', error: message(e) });
      onProgress({ type: 'insight', index: i + 1, total, name: def.name, action: 'failed', error: message(e) });
    }
  }

  // Lay the tiles out: the tile of each defined insight gets its place on the `sm` (12-column) grid.
  let layoutError: string | undefined;
  try {
    const tiles = (await getDashboard(client, dashboardId)).tiles;
    const layoutByName = new Map(definition.insights.map((d) => [d.name, d.layout]));
    const placed = new Set<string>();
    const updates: Array<{ id: number; layouts: Record<string, unknown> }> = [];
    for (const tile of tiles) {
      const name = tile.insight?.name;
      const layout = name ? layoutByName.get(name) : undefined;
      if (!name || !layout || placed.has(name)) continue;
      placed.add(name);
      updates.push({ id: tile.id, layouts: { ...tile.layouts, sm: { ...(tile.layouts.sm ?? {}), ...layout } } });
    }
    if (updates.length) {
      await client.request(projectPath(client, `dashboards/${dashboardId}/`), dashboardDetailSchema, {
        method: 'PATCH',
        body: JSON.stringify({ tiles: updates }),
      });
    }
    onProgress({ type: 'layout', action: 'updated', tiles: updates.length });
  } catch (e) {
    layoutError = message(e);
    onProgress({ type: 'layout', action: 'failed', tiles: 0, error: layoutError });
  }

  return {
    dashboardId,
    url,
    created,
    insights: results,
    failed: results.filter((r) => r.action === 'failed').length,
    ...(layoutError ? { layoutError } : {}),
  };
}

function insightPayload(def: InsightDefinition) {
  return { name: def.name, description: def.description, query: def.query, tags: [TOOL_LENS_TAG] };
}

/**
 * Dashboards and insights of the local PostHog server, in memory (it is a dev tool), with the
 * request and response shapes of PostHog's REST API:
 *
 *   GET    /api/projects/:id/dashboards/?tags=&limit=&offset=           list (no tiles), pinned first then by name; ?search= ignored
 *   POST   /api/projects/:id/dashboards/                                 create {name, description, pinned, tags}
 *   GET    /api/projects/:id/dashboards/:id/                             one, with tiles (insight tiles)
 *   PATCH  /api/projects/:id/dashboards/:id/                             name, description, pinned, tags, deleted,
 *                                                                        tiles: [{id, layouts, color, deleted}]
 *   DELETE /api/projects/:id/dashboards/:id/                             405, as PostHog (soft delete: PATCH deleted)
 *   GET    /api/projects/:id/insights/?search=&short_id=&saved=&limit=&offset=
 *   POST   /api/projects/:id/insights/                                   {name, description, query, tags, dashboards}
 *   GET    /api/projects/:id/insights/:id/
 *   PATCH  /api/projects/:id/insights/:id/                               same fields; `dashboards` adds/removes tiles
 *
 * Errors are PostHog's DRF body ({type, code, detail, attr}).
 */

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly type: string,
    readonly code: string,
    detail: string,
    readonly attr: string | null = null,
  ) {
    super(detail);
  }
}

/** A response with a status other than 200 (201 Created). */
export class ApiResponse {
  constructor(
    readonly status: number,
    readonly body: unknown,
  ) {}
}

type Json = Record<string, unknown>;
type Layouts = Record<string, { x?: number; y?: number; w?: number; h?: number; [k: string]: unknown }>;

interface Dashboard {
  id: number;
  name: string;
  description: string;
  pinned: boolean;
  tags: string[];
  deleted: boolean;
  created_at: string;
  filters: Json;
}

interface Insight {
  id: number;
  short_id: string;
  name: string | null;
  description: string | null;
  query: Json | null;
  tags: string[];
  deleted: boolean;
  saved: boolean;
  favorited: boolean;
  created_at: string;
  last_modified_at: string;
}

interface Tile {
  id: number;
  dashboard_id: number;
  insight_id: number;
  layouts: Layouts;
  color: string | null;
  deleted: boolean;
}

const invalid = (detail: string, attr: string | null, code = 'invalid_input') => new ApiError(400, 'validation_error', code, detail, attr);
const notFound = () => new ApiError(404, 'invalid_request', 'not_found', 'Not found.');
const methodNotAllowed = (m: string) => new ApiError(405, 'invalid_request', 'method_not_allowed', `Method "${m}" not allowed.`);

const SHORT_ID_CHARS = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';

function str(body: Json, key: string, opts: { max?: number; allowBlank?: boolean; nullable?: boolean } = {}): string | null | undefined {
  if (!(key in body)) return undefined;
  const v = body[key];
  if (v === null && opts.nullable) return null;
  if (typeof v !== 'string') throw invalid('Not a valid string.', key, 'invalid');
  if (!opts.allowBlank && !v.trim()) throw invalid('This field may not be blank.', key, 'blank');
  if (opts.max && v.length > opts.max) throw invalid(`Ensure this field has no more than ${opts.max} characters.`, key, 'max_length');
  return v;
}

function bool(body: Json, key: string): boolean | undefined {
  if (!(key in body)) return undefined;
  const v = body[key];
  if (typeof v === 'boolean') return v;
  if (v === 'true' || v === 'false') return v === 'true';
  throw invalid('Must be a valid boolean.', key, 'invalid');
}

function tags(body: Json): string[] | undefined {
  if (!('tags' in body)) return undefined;
  const v = body.tags;
  if (!Array.isArray(v) || v.some((t) => typeof t !== 'string')) throw invalid('Expected a list of items.', 'tags', 'not_a_list');
  // PostHog lower-cases, trims and de-duplicates tags.
  return [...new Set((v as string[]).map((t) => t.trim().toLowerCase()).filter(Boolean))];
}

function intParam(params: URLSearchParams, key: string, fallback: number, max = 1000): number {
  const raw = params.get(key);
  if (raw === null || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0) throw invalid(`A valid integer is required.`, key, 'invalid');
  return Math.min(n, max);
}

export interface DashboardApiOptions {
  projectId: number;
  /** The server's base URL (for pagination links), read when a request is handled. */
  baseUrl: () => string;
  user: () => Json;
  now?: () => Date;
}

export class DashboardApi {
  private dashboards = new Map<number, Dashboard>();
  private insights = new Map<number, Insight>();
  private tiles = new Map<number, Tile>();
  private nextId = { dashboard: 1, insight: 1, tile: 1 };
  private shortIdCounter = 0;

  constructor(private readonly opts: DashboardApiOptions) {}

  private now(): string {
    return (this.opts.now?.() ?? new Date()).toISOString();
  }

  private createdBy(): Json {
    const u = this.opts.user();
    return { id: u.id, uuid: u.uuid, distinct_id: u.distinct_id, first_name: u.first_name, last_name: u.last_name, email: u.email, is_email_verified: true };
  }

  private shortId(): string {
    // Deterministic, 8 characters, unique per server.
    let n = ++this.shortIdCounter * 2654435761;
    let s = '';
    for (let i = 0; i < 8; i++) {
      s += SHORT_ID_CHARS[n % SHORT_ID_CHARS.length];
      n = Math.floor(n / SHORT_ID_CHARS.length) + i * 7919;
    }
    return s;
  }

  // Serialization -------------------------------------------------------------------------------

  private basic(d: Dashboard): Json {
    return {
      id: d.id,
      name: d.name,
      description: d.description,
      pinned: d.pinned,
      created_at: d.created_at,
      created_by: this.createdBy(),
      last_accessed_at: null,
      last_viewed_at: null,
      is_shared: false,
      deleted: d.deleted,
      creation_mode: 'default',
      tags: d.tags,
      restriction_level: 21,
      effective_restriction_level: 21,
      effective_privilege_level: 37,
      user_access_level: 'editor',
      access_control_version: 'v2',
      last_refresh: null,
      team_id: this.opts.projectId,
    };
  }

  private liveTiles(dashboardId: number): Tile[] {
    const tiles = [...this.tiles.values()].filter((t) => t.dashboard_id === dashboardId && !t.deleted && !this.insights.get(t.insight_id)?.deleted);
    // PostHog orders tiles by their position on the `sm` layout (y, then x); unplaced tiles last.
    const pos = (t: Tile) => [t.layouts.sm?.y ?? 100, t.layouts.sm?.x ?? 100, t.id] as const;
    return tiles.sort((a, b) => {
      const [ay, ax, ai] = pos(a);
      const [by, bx, bi] = pos(b);
      return ay - by || ax - bx || ai - bi;
    });
  }

  private detail(d: Dashboard): Json {
    return {
      ...this.basic(d),
      filters: d.filters,
      variables: {},
      breakdown_colors: [],
      data_color_theme_id: null,
      persisted_filters: Object.keys(d.filters).length ? d.filters : null,
      persisted_variables: null,
      quick_filter_ids: [],
      tiles: this.liveTiles(d.id).map((t, order) => {
        const insight = this.insights.get(t.insight_id);
        return {
          id: t.id,
          layouts: t.layouts,
          color: t.color,
          insight: insight ? this.insightJson(insight) : null,
          text: null,
          button_tile: null,
          filters_overrides: {},
          show_description: null,
          transparent_background: null,
          order,
          last_refresh: null,
          is_cached: false,
        };
      }),
    };
  }

  private insightJson(i: Insight): Json {
    const tiles = [...this.tiles.values()].filter((t) => t.insight_id === i.id);
    const live = tiles.filter((t) => !t.deleted && !this.dashboards.get(t.dashboard_id)?.deleted);
    return {
      id: i.id,
      short_id: i.short_id,
      name: i.name,
      derived_name: null,
      query: i.query,
      order: null,
      deleted: i.deleted,
      dashboards: live.map((t) => t.dashboard_id),
      dashboard_tiles: live.map((t) => ({ id: t.id, dashboard_id: t.dashboard_id, deleted: t.deleted })),
      last_refresh: null,
      cache_target_age: null,
      next_allowed_client_refresh: null,
      result: null,
      hasMore: null,
      columns: null,
      created_at: i.created_at,
      created_by: this.createdBy(),
      description: i.description,
      updated_at: i.last_modified_at,
      tags: i.tags,
      favorited: i.favorited,
      last_modified_at: i.last_modified_at,
      last_modified_by: this.createdBy(),
      is_sample: false,
      effective_restriction_level: 21,
      effective_privilege_level: 37,
      user_access_level: 'editor',
      timezone: 'UTC',
      is_cached: false,
      query_status: null,
      hogql: null,
      types: null,
      saved: i.saved,
      alerts: [],
    };
  }

  private page(items: Json[], params: URLSearchParams, path: string): Json {
    const limit = intParam(params, 'limit', 100) || 100;
    const offset = intParam(params, 'offset', 0, Number.MAX_SAFE_INTEGER);
    const link = (o: number) => {
      const q = new URLSearchParams(params);
      q.set('limit', String(limit));
      q.set('offset', String(o));
      return `${this.opts.baseUrl()}${path}?${q.toString()}`;
    };
    return {
      count: items.length,
      next: offset + limit < items.length ? link(offset + limit) : null,
      previous: offset > 0 ? link(Math.max(0, offset - limit)) : null,
      results: items.slice(offset, offset + limit),
    };
  }

  // Dashboards ----------------------------------------------------------------------------------

  private getDashboard(id: string, includeDeleted = false): Dashboard {
    const d = /^\d+$/.test(id) ? this.dashboards.get(Number(id)) : undefined;
    if (!d || (d.deleted && !includeDeleted)) throw notFound();
    return d;
  }

  createDashboard(body: Json): Dashboard {
    const name = str(body, 'name', { max: 400, allowBlank: true }) ?? '';
    const description = str(body, 'description', { allowBlank: true }) ?? '';
    const filters = body.filters;
    if (filters !== undefined && (typeof filters !== 'object' || filters === null || Array.isArray(filters)))
      throw invalid('Filters must be a dictionary', 'filters');
    if (body.use_template || body.use_dashboard)
      throw invalid('Templates and duplication are not supported by the local PostHog server.', body.use_template ? 'use_template' : 'use_dashboard');
    const d: Dashboard = {
      id: this.nextId.dashboard++,
      name,
      description,
      pinned: bool(body, 'pinned') ?? false,
      tags: tags(body) ?? [],
      deleted: false,
      created_at: this.now(),
      filters: (filters as Json | undefined) ?? {},
    };
    this.dashboards.set(d.id, d);
    return d;
  }

  private updateDashboard(d: Dashboard, body: Json): void {
    const name = str(body, 'name', { max: 400, allowBlank: true });
    const description = str(body, 'description', { allowBlank: true });
    const pinned = bool(body, 'pinned');
    const deleted = bool(body, 'deleted');
    const newTags = tags(body);
    const tiles = body.tiles;
    if (tiles !== undefined && !Array.isArray(tiles)) throw invalid('Expected a list of items.', 'tiles', 'not_a_list');
    // Validate every tile change before applying any.
    const tileChanges: Array<{ tile: Tile; data: Json }> = [];
    for (const raw of (tiles as unknown[] | undefined) ?? []) {
      if (!raw || typeof raw !== 'object' || Array.isArray(raw)) throw invalid('Expected a dictionary of items.', 'tiles');
      const data = raw as Json;
      if (data.text || data.button_tile) throw invalid('Text and button tiles are not supported by the local PostHog server.', 'tiles');
      const tile = typeof data.id === 'number' ? this.tiles.get(data.id) : undefined;
      if (!tile || tile.dashboard_id !== d.id) throw notFound();
      if ('layouts' in data && (typeof data.layouts !== 'object' || data.layouts === null || Array.isArray(data.layouts)))
        throw invalid('Layouts must be a dictionary.', 'layouts');
      if ('color' in data && data.color !== null && typeof data.color !== 'string') throw invalid('Not a valid string.', 'color');
      if ('deleted' in data && typeof data.deleted !== 'boolean') throw invalid('Must be a valid boolean.', 'deleted');
      tileChanges.push({ tile, data });
    }
    if (name !== undefined && name !== null) d.name = name;
    if (description !== undefined && description !== null) d.description = description;
    if (pinned !== undefined) d.pinned = pinned;
    if (newTags !== undefined) d.tags = newTags;
    if (deleted !== undefined) {
      d.deleted = deleted;
      // PostHog soft-deletes (and restores) the dashboard's tiles with it.
      for (const t of this.tiles.values()) if (t.dashboard_id === d.id) t.deleted = deleted;
    }
    for (const { tile, data } of tileChanges) {
      if ('layouts' in data) tile.layouts = data.layouts as Layouts;
      if ('color' in data) tile.color = data.color as string | null;
      if ('deleted' in data) tile.deleted = data.deleted as boolean;
    }
  }

  /**
   * PostHog's list: `?tags=` filters; `?search=` is ignored, as the dashboards viewset of PostHog's
   * releases does (posthog/api/dashboards/dashboard.py@4f7b4308 `filter_queryset` reads only `tags`).
   */
  private listDashboards(params: URLSearchParams): Json {
    const wanted = params.getAll('tags').map((t) => t.toLowerCase());
    const items = [...this.dashboards.values()]
      .filter((d) => !d.deleted)
      .filter((d) => !wanted.length || d.tags.some((t) => wanted.includes(t)))
      .sort((a, b) => Number(b.pinned) - Number(a.pinned) || a.name.localeCompare(b.name) || a.id - b.id)
      .map((d) => this.basic(d));
    return this.page(items, params, `/api/projects/${this.opts.projectId}/dashboards/`);
  }

  // Insights ------------------------------------------------------------------------------------

  private getInsight(id: string): Insight {
    const i = /^\d+$/.test(id) ? this.insights.get(Number(id)) : undefined;
    if (!i || i.deleted) throw notFound();
    return i;
  }

  private validateQuery(body: Json): Json | null | undefined {
    if (!('query' in body)) return undefined;
    const q = body.query;
    if (q === null) return null;
    if (typeof q !== 'object' || Array.isArray(q) || typeof (q as Json).kind !== 'string') throw invalid('Query must be an object with a "kind".', 'query');
    const kind = (q as Json).kind as string;
    const source = (q as Json).source as Json | undefined;
    if (kind === 'DataVisualizationNode' || kind === 'InsightVizNode' || kind === 'DataTableNode') {
      if (!source || typeof source !== 'object' || typeof source.kind !== 'string') throw invalid(`${kind} needs a "source" query.`, 'query');
      if (source.kind === 'HogQLQuery' && (typeof source.query !== 'string' || !source.query.trim()))
        throw invalid('HogQLQuery.query must be a non-empty string.', 'query');
    }
    if (body.filters && typeof body.filters === 'object' && Object.keys(body.filters).length) {
      throw invalid('Legacy insight filters are not supported by the local PostHog server: send a query.', 'filters');
    }
    return q as Json;
  }

  private dashboardIds(body: Json): number[] | undefined {
    if (!('dashboards' in body)) return undefined;
    const v = body.dashboards;
    if (!Array.isArray(v)) throw invalid('Expected a list of items but got type "' + typeof v + '".', 'dashboards', 'not_a_list');
    const ids: number[] = [];
    for (const x of v) {
      const id = typeof x === 'number' ? x : typeof x === 'string' && /^\d+$/.test(x) ? Number(x) : NaN;
      const d = this.dashboards.get(id);
      if (!d) throw invalid(`Invalid pk "${String(x)}" - object does not exist.`, 'dashboards', 'does_not_exist');
      if (d.deleted) throw invalid('Dashboard not found', 'dashboards');
      ids.push(id);
    }
    return [...new Set(ids)];
  }

  /** Attaches the insight to exactly these dashboards: new tiles for new ones, soft delete for the others. */
  private setDashboards(insight: Insight, ids: number[]): void {
    for (const t of this.tiles.values()) {
      if (t.insight_id === insight.id && !ids.includes(t.dashboard_id)) t.deleted = true;
    }
    for (const id of ids) {
      const existing = [...this.tiles.values()].find((t) => t.insight_id === insight.id && t.dashboard_id === id);
      if (existing) existing.deleted = false;
      else this.addTile(id, insight.id, {});
    }
  }

  private addTile(dashboardId: number, insightId: number, layouts: Layouts): Tile {
    const t: Tile = { id: this.nextId.tile++, dashboard_id: dashboardId, insight_id: insightId, layouts, color: null, deleted: false };
    this.tiles.set(t.id, t);
    return t;
  }

  createInsight(body: Json): Insight {
    const query = this.validateQuery(body);
    const dashboards = this.dashboardIds(body);
    const now = this.now();
    const i: Insight = {
      id: this.nextId.insight++,
      short_id: this.shortId(),
      name: str(body, 'name', { max: 400, allowBlank: true, nullable: true }) ?? null,
      description: str(body, 'description', { max: 400, allowBlank: true, nullable: true }) ?? null,
      query: query ?? null,
      tags: tags(body) ?? [],
      deleted: false,
      saved: bool(body, 'saved') ?? false,
      favorited: bool(body, 'favorited') ?? false,
      created_at: now,
      last_modified_at: now,
    };
    this.insights.set(i.id, i);
    if (dashboards) this.setDashboards(i, dashboards);
    return i;
  }

  private updateInsight(i: Insight, body: Json): void {
    const query = this.validateQuery(body);
    const dashboards = this.dashboardIds(body);
    const name = str(body, 'name', { max: 400, allowBlank: true, nullable: true });
    const description = str(body, 'description', { max: 400, allowBlank: true, nullable: true });
    const newTags = tags(body);
    const saved = bool(body, 'saved');
    const favorited = bool(body, 'favorited');
    const deleted = bool(body, 'deleted');
    if (name !== undefined) i.name = name;
    if (description !== undefined) i.description = description;
    if (query !== undefined) i.query = query;
    if (newTags !== undefined) i.tags = newTags;
    if (saved !== undefined) i.saved = saved;
    if (favorited !== undefined) i.favorited = favorited;
    if (deleted !== undefined) i.deleted = deleted;
    if (dashboards !== undefined) this.setDashboards(i, dashboards);
    i.last_modified_at = this.now();
  }

  private listInsights(params: URLSearchParams): Json {
    const search = (params.get('search') ?? '').trim().toLowerCase();
    const shortId = params.get('short_id');
    const saved = params.get('saved');
    const items = [...this.insights.values()]
      .filter((i) => !i.deleted)
      .filter((i) => !search || (i.name ?? '').toLowerCase().includes(search) || (i.description ?? '').toLowerCase().includes(search))
      .filter((i) => !shortId || i.short_id === shortId)
      .filter((i) => saved === null || i.saved === (saved === 'true' || saved === '1'))
      .sort((a, b) => b.last_modified_at.localeCompare(a.last_modified_at) || b.id - a.id)
      .map((i) => this.insightJson(i));
    return this.page(items, params, `/api/projects/${this.opts.projectId}/insights/`);
  }

  // Routing -------------------------------------------------------------------------------------

  /**
   * The handler for `/api/{projects,environments}/:project/{dashboards,insights}[/:id]`, or null when
   * the path is not one of these. `rest` is the path after the project id.
   */
  /** Whether a path under /api/projects/:id/ is one of these routes. */
  static handles(rest: string[]): boolean {
    const [collection, , extra] = rest;
    return (collection === 'dashboards' || collection === 'insights') && extra === undefined;
  }

  route(rest: string[], method: string, params: URLSearchParams, body: Json | null): (() => unknown) | null {
    const [collection, id] = rest;
    if (!DashboardApi.handles(rest)) return null;
    const b = body ?? {};
    if (collection === 'dashboards') {
      if (id === undefined) {
        if (method === 'GET') return () => this.listDashboards(params);
        if (method === 'POST') return () => new ApiResponse(201, this.detail(this.createDashboard(b)));
        return () => {
          throw methodNotAllowed(method);
        };
      }
      if (method === 'GET') return () => this.detail(this.getDashboard(id));
      if (method === 'PATCH' || method === 'PUT') {
        return () => {
          // A deleted dashboard can be restored by PATCHing {deleted: false}.
          const d = this.getDashboard(id, b.deleted === false || b.deleted === 'false');
          this.updateDashboard(d, b);
          return this.detail(d);
        };
      }
      return () => {
        throw methodNotAllowed(method); // PostHog forbids DELETE: soft delete with PATCH {deleted: true}
      };
    }
    if (id === undefined) {
      if (method === 'GET') return () => this.listInsights(params);
      if (method === 'POST') return () => new ApiResponse(201, this.insightJson(this.createInsight(b)));
      return () => {
        throw methodNotAllowed(method);
      };
    }
    if (method === 'GET') return () => this.insightJson(this.getInsight(id));
    if (method === 'PATCH' || method === 'PUT') {
      return () => {
        const i = this.getInsight(id);
        this.updateInsight(i, b);
        return this.insightJson(i);
      };
    }
    return () => {
      throw methodNotAllowed(method);
    };
  }

  // Seed ----------------------------------------------------------------------------------------

  /** A few realistic dashboards so a list is never empty. */
  seed(): void {
    const hogqlInsight = (dashboardId: number, name: string, description: string, query: string, layout: { x: number; y: number; w: number; h: number }) => {
      const i = this.createInsight({
        name,
        description,
        saved: true,
        query: { kind: 'DataVisualizationNode', source: { kind: 'HogQLQuery', query } },
      });
      this.addTile(dashboardId, i.id, { sm: { ...layout, minW: 3, minH: 5 } });
    };
    const overview = this.createDashboard({
      name: 'Product overview',
      description: 'Daily health of the tools: views, processing and downloads.',
      pinned: true,
      tags: ['product'],
    });
    hogqlInsight(
      overview.id,
      'Tool views per day',
      'tool_viewed events per day, last 14 days.',
      `SELECT toDate(timestamp) AS day, count() AS views
FROM events
WHERE event = 'tool_viewed' AND timestamp >= now() - INTERVAL 14 DAY
GROUP BY day
ORDER BY day`,
      { x: 0, y: 0, w: 6, h: 5 },
    );
    hogqlInsight(
      overview.id,
      'Jobs completed (7 days)',
      'Processing jobs that completed in the last 7 days.',
      `SELECT count() AS completed
FROM events
WHERE event = 'tool_processing_completed' AND timestamp >= now() - INTERVAL 7 DAY`,
      { x: 6, y: 0, w: 6, h: 5 },
    );
    const growth = this.createDashboard({ name: 'Growth', description: 'Who comes to the tools, and who comes back.', tags: ['growth'] });
    hogqlInsight(
      growth.id,
      'Weekly visitors',
      'Distinct visitors per week (distinct_id), last 8 weeks.',
      `SELECT toStartOfWeek(timestamp) AS week, count(DISTINCT distinct_id) AS visitors
FROM events
WHERE event = 'tool_viewed' AND timestamp >= now() - INTERVAL 8 WEEK
GROUP BY week
ORDER BY week`,
      { x: 0, y: 0, w: 12, h: 5 },
    );
    const errors = this.createDashboard({ name: 'Errors triage', description: 'Failed processing jobs, newest first.', tags: ['engineering'] });
    hogqlInsight(
      errors.id,
      'Recent failures',
      'The last 50 failed processing jobs.',
      `SELECT timestamp, event, coalesce(properties.tool_name, properties.$tool_name) AS tool, properties.error_type AS error_type
FROM events
WHERE event = 'tool_processing_failed'
ORDER BY timestamp DESC
LIMIT 50`,
      { x: 0, y: 0, w: 12, h: 6 },
    );
  }
}

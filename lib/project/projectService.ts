/**
 * The project's own things: its dashboards (cached, recently opened first), the Tool Usage dashboard,
 * the page path → tool pairs its data shows (auto-mapping), and the periodic threshold check over all
 * tools. PostHog is reached through the session (lib/connection/session.ts); storage is the Store.
 */
import * as z from 'zod/mini';
import { alertRowsSchema, alertRules, buildAlertsQuery, evaluateAlerts } from './alerts';
import { type AlertState } from '../model/alerts';
import type { PropertySpelling, SchemaMapping } from '../model/events';
import { dashboardUrl, ensureToolUsageDashboard, listDashboards, type EnsureProgress, type EnsureResult } from './dashboards';
import { buildAutoMapQuery } from '../card/query';
import type { Connection, Session } from '../connection/session';
import { fromStoredForm } from '../model/events';
import { buildAutoMap, type AutoMap } from '../matching/toolMatch';
import { describeZodError, PostHogError } from '../posthog/client';
import { toFailure } from '../posthog/failure';
import type { AnnotationsResponse, DashboardsResponse, GroupTypesResponse, RankingResponse } from '../protocol/messages';
import type { DashboardEntry } from '../model/project';
import type { Failure } from '../model/failure';
import { fetchAnnotations } from './annotations';
import { fetchGroupTypes } from './groupTypes';
import { RANGES } from '../model/ranges';
import { buildRankingQuery, rankingRowsSchema, rankTools, toToolFigures } from './ranking';
import { runHogQL } from '../posthog/asyncQuery';
import { autoRetryDelayMs } from '../card/autoRetry';
import { FAILURE_QUIET_MS } from '../card/cardService';
import { createAnswerCache } from '../helpers/answerCache';
import type { RangeKey } from '../model/ranges';
import { alertsItem, dashboardsItem, recentDashboardsItem } from '../storage/items';
import type { Store } from '../storage/store';

export interface ProjectServiceDeps {
  session: Session;
  store: Store;
  now?: () => number;
  /** Projects the sites name besides the connection's own: the alert check covers each. */
  otherProjects?: () => Promise<string[]>;
}

const RECENT_MAX = 8;
/** How long a ranking serves before it is asked again: like the card's figures, minutes matter little here. */
export const RANKING_TTL_MS = 5 * 60_000;

/** The schema mapping's spellings in the form the dashboard definition takes. */
export function spellingFor(schema: SchemaMapping): Partial<PropertySpelling> {
  const out: Record<string, string> = {};
  for (const [name, spellings] of Object.entries(schema.properties)) {
    const plain = spellings.includes(name);
    const dollar = spellings.includes(`$${name}`);
    out[name] = plain && dollar ? 'both' : dollar ? `$${name}` : name;
  }
  return out as Partial<PropertySpelling>;
}

export type ProjectService = ReturnType<typeof createProjectService>;

export function createProjectService(deps: ProjectServiceDeps) {
  const now = deps.now ?? Date.now;
  const { session, store } = deps;

  async function recent(project: string): Promise<number[]> {
    return (await store.get(recentDashboardsItem))
      .filter((r) => r.project === project)
      .sort((a, b) => b.at - a.at)
      .map((r) => r.id);
  }

  /** Pinned first, then recently opened through Tool Lens, then the rest by name. */
  function order(list: DashboardEntry[], recentIds: number[]): DashboardEntry[] {
    const rank = (d: DashboardEntry) => (d.pinned ? 0 : recentIds.includes(d.id) ? 1 : 2);
    return list
      .map((d) => ({ ...d, recent: recentIds.includes(d.id) }))
      .sort((a, b) => rank(a) - rank(b) || (a.recent && b.recent ? recentIds.indexOf(a.id) - recentIds.indexOf(b.id) : 0) || a.name.localeCompare(b.name));
  }

  /** The cached list, at once; null when there is none for this project. */
  async function cachedDashboards() {
    const project = await session.project();
    if (!project) return null;
    const cache = await store.get(dashboardsItem);
    if (!cache || cache.project !== project) return null;
    return { at: cache.at, dashboards: order(cache.dashboards, await recent(project)) };
  }

  async function fetchDashboards(): Promise<DashboardsResponse> {
    return session.run(async ({ client, project }) => {
      const list = (await listDashboards(client)).map((d) => ({
        id: d.id,
        name: d.name || `Dashboard ${d.id}`,
        description: d.description,
        pinned: d.pinned,
        url: dashboardUrl(client, d.id),
        recent: false,
      }));
      await store.set(dashboardsItem, { project, at: now(), dashboards: list });
      return { ok: true, at: now(), fromCache: false, dashboards: order(list, await recent(project)) };
    });
  }

  async function dashboardOpened(id: number) {
    const project = await session.project();
    if (!project) return;
    const list = (await store.get(recentDashboardsItem)).filter((r) => !(r.project === project && r.id === id));
    await store.set(recentDashboardsItem, [{ project, id, at: now() }, ...list].slice(0, RECENT_MAX * 4));
  }

  async function ensureDashboard(onProgress: (p: EnsureProgress) => void): Promise<{ ok: true; result: EnsureResult } | { ok: false; error: Failure }> {
    // One request from the budget for the whole run: it is a deliberate click, and a half-made dashboard helps nobody.
    return session.run(
      async ({ client, settings }) => {
        const result = await ensureToolUsageDashboard(client, spellingFor(settings.schema), onProgress);
        await fetchDashboards();
        return { ok: true as const, result };
      },
      { spend: 'once' },
    );
  }

  /** page_path → tool from the project's data; null when not configured or PostHog fails (auto-mapping then waits). */
  async function fetchAutoMap(): Promise<{ map: AutoMap; settings: string } | null> {
    const connected = await session.connect();
    if (!connected.ok) return null;
    const { client, settings, project } = connected.connection;
    try {
      const rows = autoMapRowsSchema.safeParse((await client.hogql(buildAutoMapQuery(settings.schema))).results);
      if (!rows.success) return null;
      return {
        map: buildAutoMap(rows.data.map(([path, tool, views]) => ({ path: fromStoredForm(path), tool: fromStoredForm(tool), views }))),
        settings: project,
      };
    } catch {
      return null;
    }
  }

  // Answers every card and the popup share (lib/helpers/answerCache.ts): one request per key at a
  // time, kept RANKING_TTL_MS, a failure held on the card's retry schedule.
  const cacheOptions = {
    now,
    freshForMs: RANKING_TTL_MS,
    maxEntries: 20,
    maxAgeMs: RANKING_TTL_MS,
    retryDelayMs: (failure: Failure, attempt: number) => autoRetryDelayMs(failure, attempt, () => 0) ?? FAILURE_QUIET_MS,
    toFailure,
  };
  const annotations = createAnswerCache<AnnotationsResponse>(cacheOptions);
  const rankings = createAnswerCache<RankingResponse>(cacheOptions);

  /** The project's annotations in a range, for the card's line: kept as long as a ranking; none when the key may not read them. */
  async function getAnnotations(range: RangeKey): Promise<AnnotationsResponse> {
    return session.run(({ client, project }) =>
      annotations.ask(`${project}|${range}`, async () => {
        const until = now();
        return { ok: true, annotations: await fetchAnnotations(client, until - RANGES[range].seconds * 1000, until) };
      }),
    );
  }

  /** The project's group types, for the segment picker (asked for when the picker opens; not kept). */
  async function getGroupTypes(): Promise<GroupTypesResponse> {
    return session.run(async ({ client }) => ({ ok: true, groupTypes: await fetchGroupTypes(client) }));
  }

  /** The standing of every tool per range (and project): one query shared by every card and the popup. */
  async function getRanking(range: RangeKey): Promise<RankingResponse> {
    return session.run(({ client, settings, project }) =>
      rankings.ask(`${project}|${range}|${settings.funnelUnit}|${settings.funnelWindowHours}`, async () => {
        // Every tool of a big project: past PostHog's API ceiling it runs as an async query, shared all the same.
        const rows = rankingRowsSchema.safeParse((await runHogQL(client, buildRankingQuery(range, settings), { slots: client.slots, now })).response.results);
        if (!rows.success) throw new PostHogError('bad_response', describeZodError(rows.error));
        const tools = toToolFigures(rows.data);
        const standings = new Map(rankTools(tools).map((st) => [st.tool, st]));
        return { ok: true, ranking: { range, at: now(), tools: tools.map((t) => ({ ...t, standing: standings.get(t.tool)! })) } };
      }),
    );
  }

  /**
   * One query for every tool; the result is kept so the popup, badge and cards read it at once.
   * `refresh`: the user asked ("check now"), so PostHog runs the query rather than answer from its cache.
   */
  async function checkAlerts(refresh = false): Promise<AlertState | null> {
    const connected = await session.connect();
    if (!connected.ok) return connected.error.kind === 'not_configured' ? null : keepLast(connected.error);
    const { settings } = connected.connection;
    /** One query over every tool of a project; the tools over a rule, named with their project when it is not the connection's. */
    const toolsIn = async (c: Pick<Connection, 'client' | 'settings'>, project?: string) => {
      const response = await c.client.hogql(buildAlertsQuery(c.settings.schema), { refresh });
      const rows = alertRowsSchema.safeParse(response.results);
      if (!rows.success) throw new PostHogError('bad_response', describeZodError(rows.error));
      return evaluateAlerts(rows.data, alertRules(c.settings)).map((t) => (project ? { ...t, project } : t));
    };
    try {
      const tools = await toolsIn(connected.connection);
      for (const project of (await deps.otherProjects?.()) ?? []) {
        if (project === settings.projectId) continue;
        const other = await session.connect({ projectId: project });
        if (!other.ok) throw new PostHogError('not_configured', other.error.message);
        tools.push(...(await toolsIn(other.connection, project)));
      }
      const state: AlertState = { checkedAt: now(), error: null, tools };
      await store.set(alertsItem, state);
      return state;
    } catch (error) {
      return keepLast(toFailure(error));
    }
  }
  /** The check failed: keep the last known tools in trouble, and say why. */
  async function keepLast(failure: Failure): Promise<AlertState> {
    const previous = await store.get(alertsItem);
    const state: AlertState = { checkedAt: now(), error: failure.message, tools: previous?.tools ?? [] };
    await store.set(alertsItem, state);
    return state;
  }

  async function alertState(): Promise<AlertState | null> {
    return store.get(alertsItem);
  }

  return {
    cachedDashboards,
    fetchDashboards,
    dashboardOpened,
    ensureDashboard,
    fetchAutoMap,
    checkAlerts,
    alertState,
    getRanking,
    getAnnotations,
    getGroupTypes,
  };
}

const autoMapRowsSchema = z.array(z.tuple([z.string(), z.string(), z.number()]));

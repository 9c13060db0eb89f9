/**
 * Background logic behind the popup and the alerts: the project's dashboards (cached, searchable,
 * recently opened first), the Tool Usage dashboard, the connection and key scopes, and the periodic
 * threshold check over all tools. Pure of browser APIs: storage and settings come in as dependencies.
 */
import { z as zod } from 'zod';
import * as z from 'zod/mini';
import { alertRowsSchema, alertRules, buildAlertsQuery, evaluateAlerts, type AlertState } from './alerts';
import type { RequestBudget } from '../posthog/budget';
import type { PropertySpelling } from './dashboardDefinition';
import { dashboardUrl, ensureToolUsageDashboard, listDashboards, type EnsureProgress, type EnsureResult } from './dashboards';
import { createPostHogClient, describeZodError, PostHogError } from '../posthog/client';
import { toFailure } from '../card/service';
import { createRetryAfter, NotSentError, type RetryAfter } from '../posthog/retryAfter';
import type { SchemaMapping } from '../instrumentation/schema';
import { postHogBaseUrl, type Settings, type SettingsState } from '../settings/settings';
import type { DashboardEntry, Failure } from '../protocol/messages';
import { alertsItem, dashboardsItem, recentDashboardsItem } from '../storage/items';
import type { Store } from '../storage/store';

export interface ProjectServiceDeps {
  loadSettings: () => Promise<SettingsState>;
  store: Store;
  fetch?: typeof fetch;
  now?: () => number;
  /** The request budget shared with the cards (lib/budget.ts); none in tests that do not need one. */
  budget?: RequestBudget;
  /** PostHog's Retry-After, shared with the cards (default: one of its own, kept in `store`). */
  retryAfter?: RetryAfter;
}

const RECENT_MAX = 8;

/** What Tool Lens does, and the scope each needs. */
export const NEEDED_SCOPES = [
  { scope: 'query:read', for: 'the card, alerts and auto-mapping' },
  { scope: 'project:read', for: 'the connection check' },
  { scope: 'user:read', for: 'the connection check' },
  { scope: 'dashboard:read', for: 'dashboard shortcuts' },
  { scope: 'dashboard:write', for: 'creating the Tool Usage dashboard' },
  { scope: 'insight:write', for: 'creating the Tool Usage dashboard' },
] as const;

const keyInfoSchema = zod.object({ scopes: zod.array(zod.string()) });

/** Scopes a key lacks: `*` grants all, `x:write` implies `x:read`. */
export function missingScopes(scopes: string[]): Array<{ scope: string; for: string }> {
  if (scopes.includes('*')) return [];
  return NEEDED_SCOPES.filter(({ scope }) => !scopes.includes(scope) && !(scope.endsWith(':read') && scopes.includes(scope.replace(':read', ':write'))));
}

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

/** PostHog's errors as the cards word them (lib/card/service.ts); anything else by its own message. */
const failureOf = (error: unknown): Failure =>
  error instanceof PostHogError ? toFailure(error) : { kind: 'bad_response', message: (error as Error)?.message ?? String(error) };

export function createProjectService(deps: ProjectServiceDeps) {
  const now = deps.now ?? Date.now;
  const retryAfter = deps.retryAfter ?? createRetryAfter({ store: deps.store, now });

  async function configured(): Promise<Settings | Failure> {
    const state = await deps.loadSettings();
    if (state.status === 'configured') return state.settings;
    return { kind: 'not_configured', message: state.status === 'missing' ? 'Not connected to PostHog yet: open the options.' : `Settings need attention: ${state.message}` };
  }
  /** Before asking PostHog: honour its Retry-After, then spend from the shared budget; a failure to show instead. */
  async function spend(): Promise<Failure | null> {
    const blocked = await retryAfter.blocked();
    if (blocked) return { kind: 'rate_limited', message: blocked.message, retryInMs: blocked.retryInMs };
    const taken = await deps.budget?.take();
    return taken && !taken.ok ? { kind: 'rate_limited', message: taken.message, retryInMs: taken.retryInMs } : null;
  }
  /** A failure to show, after noting any Retry-After it carries for every caller. */
  const failed = (error: unknown): Failure => (retryAfter.note(error), failureOf(error));
  const clientFor = (s: Settings) => createPostHogClient({ baseUrl: postHogBaseUrl(s), projectId: s.projectId, apiKey: s.apiKey, fetch: deps.fetch });
  const projectOf = (s: Settings) => `${postHogBaseUrl(s)}|${s.projectId}`;

  async function recent(project: string): Promise<number[]> {
    return (await deps.store.get(recentDashboardsItem)).filter((r) => r.project === project).sort((a, b) => b.at - a.at).map((r) => r.id);
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
    const settings = await configured();
    if ('kind' in settings) return null;
    const cache = await deps.store.get(dashboardsItem);
    if (!cache || cache.project !== projectOf(settings)) return null;
    return { at: cache.at, dashboards: order(cache.dashboards, await recent(projectOf(settings))) };
  }

  async function fetchDashboards() {
    const settings = await configured();
    if ('kind' in settings) return { ok: false as const, error: settings };
    const spent = await spend();
    if (spent) return { ok: false as const, error: spent };
    try {
      const client = clientFor(settings);
      const list = (await listDashboards(client)).map((d) => ({
        id: d.id,
        name: d.name || `Dashboard ${d.id}`,
        description: d.description,
        pinned: d.pinned,
        url: dashboardUrl(client, d.id),
        recent: false,
      }));
      await deps.store.set(dashboardsItem, { project: projectOf(settings), at: now(), dashboards: list });
      return { ok: true as const, at: now(), dashboards: order(list, await recent(projectOf(settings))) };
    } catch (error) {
      return { ok: false as const, error: failed(error) };
    }
  }

  async function dashboardOpened(id: number) {
    const settings = await configured();
    if ('kind' in settings) return;
    const list = (await deps.store.get(recentDashboardsItem)).filter((r) => !(r.project === projectOf(settings) && r.id === id));
    await deps.store.set(recentDashboardsItem, [{ project: projectOf(settings), id, at: now() }, ...list].slice(0, RECENT_MAX * 4));
  }

  async function ensureDashboard(onProgress: (p: EnsureProgress) => void): Promise<{ ok: true; result: EnsureResult } | { ok: false; error: Failure }> {
    const settings = await configured();
    if ('kind' in settings) return { ok: false, error: settings };
    // One unit for the whole run: it is a deliberate click, and a half-made dashboard helps nobody.
    const spent = await spend();
    if (spent) return { ok: false, error: spent };
    try {
      const result = await ensureToolUsageDashboard(clientFor(settings), spellingFor(settings.schema), onProgress);
      await fetchDashboards();
      return { ok: true, result };
    } catch (error) {
      return { ok: false, error: failed(error) };
    }
  }

  /** Host, project, whether the key works and which scopes it lacks for what Tool Lens does. */
  async function connectionStatus() {
    const settings = await configured();
    if ('kind' in settings) return { ok: false as const, error: settings };
    const spent = await spend();
    if (spent) return { ok: false as const, error: spent };
    const client = clientFor(settings);
    try {
      const user = await client.me();
      const info = await client.request('/api/personal_api_keys/@current/', keyInfoSchema).catch(() => null);
      return { ok: true as const, user: user.email, scopes: info?.scopes ?? null, missing: info ? missingScopes(info.scopes) : [] };
    } catch (error) {
      return { ok: false as const, error: failed(error) };
    }
  }

  /**
   * One query for every tool; the result is kept so the popup, badge and cards read it at once.
   * `refresh`: the user asked ("check now"), so PostHog runs the query rather than answer from its cache.
   */
  async function checkAlerts(refresh = false): Promise<AlertState | null> {
    const settings = await configured();
    if ('kind' in settings) return null;
    let state: AlertState;
    const spent = await spend();
    try {
      if (spent) throw new NotSentError(spent.message, spent.retryInMs ?? 0);
      const response = await clientFor(settings).hogql(buildAlertsQuery(settings.schema), { refresh });
      const rows = alertRowsSchema.safeParse(response.results);
      if (!rows.success) throw new PostHogError('bad_response', describeZodError(rows.error));
      state = { checkedAt: now(), error: null, tools: evaluateAlerts(rows.data, alertRules(settings)) };
    } catch (error) {
      // Keep the last known tools in trouble; say the check failed.
      const previous = await deps.store.get(alertsItem);
      state = { checkedAt: now(), error: failed(error).message, tools: previous?.tools ?? [] };
    }
    await deps.store.set(alertsItem, state);
    return state;
  }

  async function alertState(): Promise<AlertState | null> {
    return deps.store.get(alertsItem);
  }

  return { cachedDashboards, fetchDashboards, dashboardOpened, ensureDashboard, connectionStatus, checkAlerts, alertState };
}

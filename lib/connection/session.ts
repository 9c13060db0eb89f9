/**
 * One PostHog session for everything the worker asks (cards, triage, popup, alerts, auto-mapping,
 * the options' checks): settings → a client whose every request honours PostHog's Retry-After and
 * spends from the request budget → the project it names; or the Failure that says why there is none.
 * A 429 from any request holds back all of them (lib/posthog/retryAfter.ts).
 */
import { createPostHogClient, type PostHogClient } from '../posthog/client';
import { slotsFor } from '../posthog/querySlots';
import { createRequestBudget, describeWait, type BudgetStatus, type RequestBudget } from '../posthog/budget';
import type { BudgetOptions } from '../model/limits';
import { createRetryAfter, NotSentError, type RetryAfter } from '../posthog/retryAfter';
import type { Failure } from '../model/failure';
import { toFailure } from '../posthog/failure';
import { checkCustomHost, postHogBaseUrl, type Settings, type SettingsState } from '../settings/settings';
import { memoryStore, type Store } from '../storage/store';
import { matchPatternFor } from '../matching/siteRegistration';

/** POST /query/: a HogQL query, what PostHog's query limit counts (not an async query's status: /query/<id>/). */
const QUERY_PATH = /^\/api\/(projects|environments)\/[^/]+\/query\/?(\?|$)/;

export interface SessionDeps {
  loadSettings: () => Promise<SettingsState>;
  /** Where the budget and Retry-After are kept (default: in memory). */
  store?: Store;
  fetch?: typeof fetch;
  now?: () => number;
  /** How long a PostHog request may take (default 20 s). */
  timeoutMs?: number;
  /** The request budget (default: lib/posthog/budget.ts's, kept in `store`), or options for one. */
  budget?: RequestBudget | Partial<BudgetOptions>;
  /** The budget of another project than the settings' (a site's own): by default, the one budget for all. */
  budgetFor?: (projectId: string) => RequestBudget;
  /** PostHog's Retry-After (default: one of its own, kept in `store`). */
  retryAfter?: RetryAfter;
  /** Whether the browser lets Tool Lens reach a host (a match pattern); unchecked when absent (Node). */
  hasHostAccess?: (pattern: string) => Promise<boolean>;
  /** The sign-in's access token for a host (lib/connection/signIn.ts), for settings with `auth: 'signIn'`. */
  accessToken?: (baseUrl: string) => Promise<{ ok: true; token: string; identity?: string } | { ok: false; error: Failure }>;
}

export interface Connection {
  settings: Settings;
  client: PostHogClient;
  /** Which project's data this is (host and project id): what survives a new key but not a new project. */
  project: string;
  /** Whose credential reads it: the key (itself part of the settings) or one sign-in, the same across its renewals. */
  identity: string;
}
export type Connected = { ok: true; connection: Connection } | { ok: false; error: Failure };

export type Session = ReturnType<typeof createSession>;

/** Why there is no connection, from the stored settings' state. */
export function notConfigured(state: Exclude<SettingsState, { status: 'configured' }>): Failure {
  return state.status === 'missing'
    ? { kind: 'not_configured', message: 'Tool Lens is not connected to PostHog yet. Open the options to add your host, project and key.' }
    : { kind: 'not_configured', message: `Tool Lens settings are invalid (${state.message}). Open the options to fix them.` };
}

export const projectOf = (settings: Settings) => `${postHogBaseUrl(settings)}|${settings.projectId}`;

export function createSession(deps: SessionDeps) {
  const now = deps.now ?? Date.now;
  const store = deps.store ?? memoryStore();
  const budget: RequestBudget = deps.budget && 'take' in deps.budget ? deps.budget : createRequestBudget({ store, now, options: deps.budget });
  const retryAfter = deps.retryAfter ?? createRetryAfter({ store, now });

  /**
   * Honour Retry-After, then, for a HogQL query, spend one request from the budget; throws NotSentError
   * instead of sending. Only a query (POST …/query/) counts against PostHog's query limit (120 an hour);
   * its other endpoints (the dashboards list, annotations, group types, the connection test) are under
   * its API-wide limits, 480 a minute and 4,800 an hour (posthog/rate_limit.py; ../shared/reference
   * posthog-api.md "Rate limits"), so they spend nothing: every opening of the popup asked for the
   * dashboards list and spent a query the cards needed. Polling or cancelling an async query spends
   * nothing either (query.py get_throttles: the ClickHouse throttles, 240 a minute); the poll's backoff
   * bounds them. A 429 from any endpoint holds every request back (Retry-After).
   */
  async function gate(path: string, method = 'POST', credential: 'key' | 'signIn' = 'key', from: RequestBudget = budget): Promise<void> {
    await notHeldBack(credential);
    if (method === 'POST' && QUERY_PATH.test(path)) await spendOne(from);
  }
  async function notHeldBack(credential: 'key' | 'signIn'): Promise<void> {
    const limited = await retryAfter.blocked(credential);
    if (limited) throw new NotSentError(limited.message, limited.retryInMs);
  }
  async function spendOne(from: RequestBudget): Promise<void> {
    const taken = await from.take();
    if (!taken.ok) throw new NotSentError(taken.message, taken.retryInMs);
  }

  /**
   * No host is granted at install: the options ask for the PostHog host when it is saved, and the
   * user may take it back. Without it a request would fail as an unexplained network error.
   */
  async function hostDenied(baseUrl: string): Promise<Failure | null> {
    const pattern = matchPatternFor(baseUrl);
    if (!deps.hasHostAccess || (await deps.hasHostAccess(pattern).catch(() => false))) return null;
    return {
      kind: 'not_configured',
      message: `Tool Lens may not reach ${new URL(baseUrl).host} (no permission for ${pattern}). Open the options and save the connection to grant it.`,
    };
  }

  /**
   * A client for a host and key, after checking the browser lets Tool Lens reach the host.
   * `spend: 'once'` spends one request for a whole run of them (a deliberate click, such as creating
   * the dashboard: half a dashboard helps nobody); by default each HogQL query spends one (gate).
   */
  async function clientFor(
    target: { baseUrl: string; apiKey: string; projectId: string; credential?: 'key' | 'signIn' },
    spend: 'each' | 'once',
    from: RequestBudget = budget,
  ): Promise<{ ok: true; client: PostHogClient } | { ok: false; error: Failure }> {
    const denied = await hostDenied(target.baseUrl);
    if (denied) return { ok: false, error: denied };
    if (spend === 'once') {
      try {
        await notHeldBack(target.credential ?? 'key');
        await spendOne(from);
      } catch (error) {
        return { ok: false, error: toFailure(error) };
      }
    }
    const client = createPostHogClient({
      ...target,
      fetch: deps.fetch,
      timeoutMs: deps.timeoutMs,
      beforeRequest: spend === 'once' ? undefined : (path, method) => gate(path, method, target.credential, from),
      onFailure: (error) => retryAfter.note(error),
      slots: slotsFor(target.baseUrl, target.projectId),
    });
    return { ok: true, client };
  }

  /**
   * A client for the stored settings, with the project they name — or `projectId`, another project the
   * same key or sign-in reaches (a site's own: staging, production); or why there is none.
   */
  async function connect(opts: { spend?: 'each' | 'once'; projectId?: string } = {}): Promise<Connected> {
    const state = await deps.loadSettings();
    if (state.status !== 'configured') return { ok: false, error: notConfigured(state) };
    const settings = opts.projectId ? { ...state.settings, projectId: opts.projectId } : state.settings;
    const baseUrl = postHogBaseUrl(settings);
    let apiKey = settings.apiKey;
    let identity = 'key';
    if (settings.auth === 'signIn') {
      const denied = await hostDenied(baseUrl);
      if (denied) return { ok: false, error: denied };
      const token = deps.accessToken
        ? await deps.accessToken(baseUrl)
        : { ok: false as const, error: { kind: 'not_configured' as const, message: 'Sign-in is not available here.' } };
      if (!token.ok) return token;
      apiKey = token.token;
      identity = `signIn:${token.identity ?? ''}`;
    }
    // Another project than the settings' spends from its own budget.
    const from = opts.projectId && opts.projectId !== state.settings.projectId && deps.budgetFor ? deps.budgetFor(opts.projectId) : budget;
    const made = await clientFor({ baseUrl, projectId: settings.projectId, apiKey, credential: settings.auth ?? 'key' }, opts.spend ?? 'each', from);
    if (!made.ok) return made;
    return { ok: true, connection: { settings, client: made.client, project: projectOf(settings), identity } };
  }

  /**
   * Runs `work` with the stored settings' connection; a missing connection, or anything `work` throws
   * (PostHog's errors, a bad answer), is the protocol's failure answer.
   */
  async function run<T>(work: (connection: Connection) => Promise<T>, opts: Parameters<typeof connect>[0] = {}): Promise<T | { ok: false; error: Failure }> {
    const connected = await connect(opts);
    if (!connected.ok) return connected;
    try {
      return await work(connected.connection);
    } catch (error) {
      return { ok: false, error: toFailure(error) };
    }
  }

  /**
   * A client for a host and key not saved yet (the first run lists the key's projects before one is
   * chosen): the same host check, budget and Retry-After as every other request.
   */
  async function connectTo(target: { baseUrl: string; apiKey: string; credential?: 'key' | 'signIn' }) {
    const problem = checkCustomHost(target.baseUrl);
    if (problem) return { ok: false as const, error: { kind: 'bad_request' as const, message: problem } };
    return clientFor({ ...target, projectId: '' }, 'each');
  }

  /** The project the settings name; null when not configured. */
  async function project(): Promise<string | null> {
    const state = await deps.loadSettings();
    return state.status === 'configured' ? projectOf(state.settings) : null;
  }

  /** What the options page shows: requests left, the bucket, when the next one comes, and any Retry-After wait. */
  async function budgetStatus(): Promise<BudgetStatus & { retryAfterMs: number; summary: string }> {
    const status = await budget.status();
    const retryAfterMs = (await retryAfter.blocked())?.retryInMs ?? 0;
    const summary =
      `${status.available} of ${status.capacity} PostHog requests left (${status.refillPerHour} an hour)` +
      (status.available === 0 ? `; next in ${describeWait(status.nextInMs)}` : '') +
      (retryAfterMs > 0 ? `; PostHog asked to wait ${describeWait(retryAfterMs)}` : '');
    return { ...status, retryAfterMs, summary };
  }

  return {
    connect,
    run,
    connectTo,
    /** Why Tool Lens may not reach a host (no permission), or null. */
    hostDenied,
    project,
    budgetStatus,
    /** PostHog's wait still running, if any: a card serves its last figures rather than ask. */
    blocked: () => retryAfter.blocked(),
    /** Another host, project or key: PostHog's wait for the old one does not apply. */
    forgetRetryAfter: () => retryAfter.forget(),
    loadSettings: deps.loadSettings,
  };
}

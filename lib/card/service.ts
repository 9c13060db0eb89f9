/**
 * Background logic behind the card: settings → one HogQL query → validated figures.
 * Stale-while-revalidate: answers are cached (in extension storage, so they survive worker
 * restarts), one request is shared by all tabs asking for the same figures, PostHog's
 * Retry-After is honoured, and when a refresh fails the last good figures are served as stale.
 * Pure of browser APIs: settings and the Store come in as dependencies.
 */
import * as z from 'zod/mini';
import { buildAutoMapQuery, buildCardQuery, buildEventCountQuery, buildLatencyQuery, buildToolsSeenQuery, buildTriageQuery, TRIAGE_ROWS } from './query';
import { createRequestBudget, describeWait, type BudgetStatus, type RequestBudget } from '../posthog/budget';
import type { BudgetOptions } from '../posthog/limits';
import { buildAutoMap, type AutoMap } from '../matching/toolMatch';
import { toToolMetrics, toToolsSeen } from './metrics';
import { cardLinks, eventUrl, replayUrl } from '../posthog/deepLinks';
import { type DetectSchemaResponse, type Failure, type TestConnectionResponse, type ToolMetricsResponse, type TriageResponse } from '../protocol/messages';
import { detectSchema } from '../instrumentation/detect';
import { createPostHogClient, describeZodError, PostHogError } from '../posthog/client';
import type { RangeKey } from './ranges';
import { autoRetryDelayMs } from './autoRetry';
import { createRetryAfter, NotSentError, retryInMsOf, type RetryAfter } from '../posthog/retryAfter';
import { figureSettings } from '../settings/change';
import { postHogBaseUrl, type Settings, type SettingsState } from '../settings/settings';
import { fromStoredForm } from '../instrumentation/schema';
import { cachedFigures, type CachedFigures } from '../storage/items';
import { memoryStore, type Store } from '../storage/store';

type CacheEntry = CachedFigures;

export interface MetricsServiceDeps {
  loadSettings: () => Promise<SettingsState>;
  fetch?: typeof fetch;
  now?: () => number;
  /** Where figures, the budget and Retry-After are kept (default: in memory). */
  store?: Store;
  /** How long an answer is served without asking PostHog again. */
  freshForMs?: number;
  /** The request budget every PostHog request spends from (default: lib/posthog/budget.ts's, kept in `store`). */
  budget?: RequestBudget | Partial<BudgetOptions>;
  /** PostHog's Retry-After, shared with the popup and alerts (default: one of its own, kept in `store`). */
  retryAfter?: RetryAfter;
  /** How long a PostHog request may take (default 20 s). */
  timeoutMs?: number;
}


/** After a failed request, other callers (tabs, page loads) get the same answer at least this long without asking again (longer as failures repeat: lib/card/autoRetry.ts); a refresh asks. */
export const FAILURE_QUIET_MS = 10_000;


const NOT_CONFIGURED: Failure = {
  kind: 'not_configured',
  message: 'Tool Lens is not connected to PostHog yet. Open the options to add your host, project and key.',
};

export function toFailure(error: unknown): Failure {
  const retryInMs = retryInMsOf(error);
  if (error instanceof PostHogError) return { kind: error.kind, message: error.message, ...(retryInMs !== undefined ? { retryInMs } : {}) };
  return { kind: 'bad_response', message: `Unexpected error: ${(error as Error)?.message ?? String(error)}` };
}

/** Identifies settings without keeping the key itself: answers for one key are never served for another. */
async function fingerprint(settings: Settings): Promise<string> {
  const text = JSON.stringify(figureSettings(settings));
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text));
  return [...new Uint8Array(digest).slice(0, 12)].map((b) => b.toString(16).padStart(2, '0')).join('');
}

const projectKeyOf = (settings: Settings) => `${postHogBaseUrl(settings)}|${settings.projectId}`;

export function createMetricsService(deps: MetricsServiceDeps) {
  const now = deps.now ?? Date.now;
  const freshForMs = deps.freshForMs ?? 60_000;
  const store = deps.store ?? memoryStore();
  const inFlight = new Map<string, Promise<ToolMetricsResponse>>();
  /**
   * The last failure per key, and when it is worth asking PostHog again (the retry schedule of
   * lib/card/autoRetry.ts, without jitter): until then every tab gets it from memory, told that moment,
   * so the cards of N tabs retry together and are answered by one request.
   */
  const recentFailures = new Map<string, { failure: Failure; attempt: number; nextAt: number }>();
  /** The last answer per key, in memory: a tab that asks just after another got its answer uses it. */
  const recentAnswers = new Map<string, CacheEntry>();
  /** What each key's last request answered, stamped with a call counter (see getToolMetrics). */
  const settledAnswers = new Map<string, { tick: number; response: ToolMetricsResponse }>();
  let tick = 0;
  const budget: RequestBudget =
    deps.budget && 'take' in deps.budget ? deps.budget : createRequestBudget({ store, now, options: deps.budget as Partial<BudgetOptions> | undefined });
  const retryAfter = deps.retryAfter ?? createRetryAfter({ store, now });

  /** Before every PostHog request: honour Retry-After, then spend from the budget. Throws instead of sending. */
  async function gate(): Promise<void> {
    const limited = await retryAfter.blocked();
    if (limited) throw new NotSentError(limited.message, limited.retryInMs);
    const taken = await budget.take();
    if (!taken.ok) throw new NotSentError(taken.message, taken.retryInMs);
  }

  function clientFor(settings: Settings) {
    return createPostHogClient({
      baseUrl: postHogBaseUrl(settings),
      projectId: settings.projectId,
      apiKey: settings.apiKey,
      fetch: deps.fetch,
      timeoutMs: deps.timeoutMs,
      beforeRequest: gate,
    });
  }

  async function settingsOrFailure(): Promise<Settings | Failure> {
    const state = await deps.loadSettings();
    if (state.status === 'configured') return state.settings;
    if (state.status === 'missing') return NOT_CONFIGURED;
    return { kind: 'not_configured', message: `Tool Lens settings are invalid (${state.message}). Open the options to fix them.` };
  }

  async function fetchMetrics(settings: Settings, tool: string, range: RangeKey, refresh: boolean): Promise<ToolMetricsResponse> {
    const client = clientFor(settings);
    const input = { tool, range, options: settings };
    // A user's refresh asks PostHog to run the query now, not to answer from its own cache.
    const response = await client.hogql(buildCardQuery(input), { refresh });
    const metrics = toToolMetrics(response, input, new Date(now()));
    if ((metrics.funnel.steps[0]?.current ?? 0) === 0) {
      // No views: say which tools do have some, so the user can fix the mapping. Best effort.
      // At most 8 (the query's LIMIT), whatever PostHog sends.
      metrics.toolsSeen = await client.hogql(buildToolsSeenQuery(range, settings.schema)).then((r) => toToolsSeen(r).slice(0, 8), () => null);
    }
    return { ok: true, metrics, links: cardLinks(client.baseUrl, settings.projectId, tool, range, settings, buildLatencyQuery(input)) };
  }

  const readCache = (key: string): Promise<CacheEntry | null> => store.getEntry(cachedFigures, key).catch(() => null);

  async function getToolMetrics(tool: string, range: RangeKey, refresh = false): Promise<ToolMetricsResponse> {
    const asked = ++tick;
    const settings = await settingsOrFailure();
    if ('kind' in settings) return { ok: false, error: settings };

    const key = `${await fingerprint(settings)}:${range}:${tool}`;
    const cached = (await readCache(key)) ?? null;
    const blocked = await retryAfter.blocked();
    // From here to inFlight.set nothing awaits: tabs asking at the same moment see each other's
    // request, answer or failure, whatever order their awaits above finished in.
    const latest = recentAnswers.get(key) ?? cached;
    const serveStale = (failure: Failure): ToolMetricsResponse =>
      latest?.response.ok ? { ...latest.response, stale: failure } : { ok: false, error: failure };

    const pending = inFlight.get(key);
    if (pending) return pending;
    // A request that finished after this call began answers it too, even a refresh.
    const settled = settledAnswers.get(key);
    if (settled && settled.tick > asked) return settled.response;
    // A failure is always newer than the last answer (an answer clears it): once one is known, the
    // figures are served as stale to every tab, however fresh, until asking again is due.
    const failed = recentFailures.get(key);
    if (latest && !failed && !refresh && now() - latest.at < freshForMs) return latest.response;
    if (blocked) return serveStale({ kind: 'rate_limited', message: blocked.message, retryInMs: blocked.retryInMs });
    if (failed && !refresh && now() < failed.nextAt) return serveStale({ ...failed.failure, retryInMs: failed.nextAt - now() });

    const request = fetchMetrics(settings, tool, range, refresh)
      .then(async (response) => {
        recentFailures.delete(key);
        if (recentAnswers.size > 200) recentAnswers.clear();
        recentAnswers.set(key, { at: now(), response });
        await store.setEntries(cachedFigures, { [key]: { at: now(), response } }).catch(() => undefined);
        return response;
      })
      .catch((error: unknown) => {
        retryAfter.note(error);
        const raw = toFailure(error);
        const attempt = (recentFailures.get(key)?.attempt ?? -1) + 1;
        const waitMs = autoRetryDelayMs(raw, attempt, () => 0) ?? FAILURE_QUIET_MS;
        const failure = { ...raw, retryInMs: waitMs };
        if (recentFailures.size > 200) recentFailures.clear();
        recentFailures.set(key, { failure, attempt, nextAt: now() + waitMs });
        return serveStale(failure);
      })
      .then((response) => {
        if (settledAnswers.size > 200) settledAnswers.clear();
        settledAnswers.set(key, { tick: ++tick, response });
        return response;
      })
      .finally(() => inFlight.delete(key));
    inFlight.set(key, request);
    return request;
  }


  async function getTriage(tool: string, range: RangeKey): Promise<TriageResponse> {
    const settings = await settingsOrFailure();
    if ('kind' in settings) return { ok: false, error: settings };
    const client = clientFor(settings);
    try {
      const response = await client.hogql(buildTriageQuery({ tool, range, options: settings }));
      const rows = triageRowsSchema.safeParse(response.results);
      if (!rows.success) throw new PostHogError('bad_response', describeZodError(rows.error));
      const toRow = ([, uuid, atMs, jobId, durationMs, , replaySession, detail]: z.infer<typeof triageRowSchema>) => {
        const at = new Date(atMs).toISOString();
        return {
          jobId: decodeText(jobId),
          durationMs,
          at,
          detail: decodeText(detail),
          eventUrl: eventUrl(client.baseUrl, settings.projectId, uuid, at),
          replayUrl: replayUrl(client.baseUrl, settings.projectId, decodeText(replaySession)),
        };
      };
      // At most TRIAGE_ROWS of each, whatever PostHog sends: the card never gets an unbounded list.
      const slowest = rows.data.filter((r) => r[0] === 'slow').sort((a, b) => (b[4] ?? 0) - (a[4] ?? 0)).slice(0, TRIAGE_ROWS);
      const failures = rows.data.filter((r) => r[0] === 'failure').sort((a, b) => b[2] - a[2]).slice(0, TRIAGE_ROWS);
      return { ok: true, triage: { slowest: slowest.map(toRow), failures: failures.map(toRow) } };
    } catch (error) {
      retryAfter.note(error);
      return { ok: false, error: toFailure(error) };
    }
  }

  /** Checks each link of the chain and says exactly which one failed. */
  async function testConnection(): Promise<TestConnectionResponse> {
    const settings = await settingsOrFailure();
    if ('kind' in settings) return { ok: false, checks: [{ step: 'settings', ok: false, detail: settings.message }] };
    const client = clientFor(settings);
    const checks: TestConnectionResponse['checks'] = [];
    const steps: Array<[TestConnectionResponse['checks'][number]['step'], () => Promise<string>]> = [
      ['user', async () => `Key accepted (user ${(await client.me()).email})`],
      ['project', async () => `Project "${(await client.project()).name}" (${settings.projectId})`],
      [
        'query',
        async () => {
          const result = await client.hogql(buildEventCountQuery(7));
          const count = Number(result.results[0]?.[0] ?? 0);
          return `Query API works: ${count.toLocaleString('en-US')} events in the last 7 days`;
        },
      ],
    ];
    for (const [step, run] of steps) {
      try {
        checks.push({ step, ok: true, detail: await run() });
      } catch (error) {
        checks.push({ step, ok: false, detail: toFailure(error).message });
        return { ok: false, checks };
      }
    }
    return { ok: true, checks };
  }

  /** page_path → tool from the project's data; null when not configured or PostHog fails (auto-mapping then waits). */
  async function fetchAutoMap(): Promise<{ map: AutoMap; settings: string } | null> {
    const settings = await settingsOrFailure();
    if ('kind' in settings) return null;
    try {
      const response = await clientFor(settings).hogql(buildAutoMapQuery(settings.schema));
      const rows = autoMapRowsSchema.safeParse(response.results);
      if (!rows.success) return null;
      return { map: buildAutoMap(rows.data.map(([path, tool, views]) => ({ path: fromStoredForm(path), tool: fromStoredForm(tool), views }))), settings: projectKeyOf(settings) };
    } catch (error) {
      retryAfter.note(error);
      return null;
    }
  }

  /** Which project's data this is: the auto-mapping survives a new key, not a new host or project. */
  async function projectKey(): Promise<string | null> {
    const settings = await settingsOrFailure();
    return 'kind' in settings ? null : projectKeyOf(settings);
  }

  /** Which spelling of each property the project's data uses, to remember in the settings. */
  async function detectProjectSchema(): Promise<DetectSchemaResponse> {
    const settings = await settingsOrFailure();
    if ('kind' in settings) return { ok: false, error: settings };
    try {
      const detection = await detectSchema(clientFor(settings));
      const properties: Extract<DetectSchemaResponse, { ok: true }>['properties'] = {};
      for (const [name, found] of Object.entries(detection.properties)) {
        // Detection's choice: one spelling, or both; `$session_id` beside `session_id` is PostHog's own id, not a spelling.
        const spellings = found.usage === 'none' || found.spelling === 'both' ? [name, `$${name}`] : [found.spelling];
        properties[name] = { spellings, plain: found.plain, dollar: found.dollar };
      }
      return { ok: true, days: detection.days, properties, events: { ...detection.events } };
    } catch (error) {
      return { ok: false, error: toFailure(error) };
    }
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

  /** Settings changed: forget every answer and failure held in memory, as the stored cache is dropped. */
  function forgetAnswers() {
    recentAnswers.clear();
    recentFailures.clear();
    settledAnswers.clear();
  }

  return { getToolMetrics, getTriage, testConnection, detectProjectSchema, fetchAutoMap, projectKey, budgetStatus, forgetAnswers };
}

const text = z.nullable(z.string());
/** kind, event uuid, time (epoch ms), job id, duration, session id, PostHog session id, cached / error type. */
const triageRowSchema = z.tuple([z.enum(['slow', 'failure']), z.string(), z.number(), text, z.nullable(z.number()), text, text, text]);
const decodeText = (value: string | null) => (value === null ? null : fromStoredForm(value));
const triageRowsSchema = z.array(triageRowSchema);
const autoMapRowsSchema = z.array(z.tuple([z.string(), z.string(), z.number()]));

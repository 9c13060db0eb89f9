/**
 * The card's figures and triage: one HogQL query per tool and range → validated figures.
 * Stale-while-revalidate: answers are cached (in the Store, so they survive worker restarts), one
 * request is shared by all tabs asking for the same figures, PostHog's Retry-After is honoured (the
 * session's), and when a refresh fails the last good figures are served as stale.
 */
import * as z from 'zod/mini';
import { buildCardQuery, buildJobLookupQuery, buildLatencyQuery, buildToolsSeenQuery, buildTriageQuery, LOOKUP_ROWS, periodForSplit, TRIAGE_ROWS, type LookupBy } from './query';
import { toToolMetrics, toToolsSeen } from './metrics';
import { cardLinks, eventUrl, replayUrl } from '../posthog/deepLinks';
import type { Failure, LookedUpJob, LookupJobsResponse, ToolMetricsResponse, TriageResponse } from '../protocol/messages';
import { describeZodError, PostHogError } from '../posthog/client';
import { toFailure } from '../posthog/failure';
import type { RangeKey } from './ranges';
import { autoRetryDelayMs } from './autoRetry';
import { figureSettings } from '../settings/change';
import type { Settings } from '../settings/settings';
import { fromStoredForm } from '../instrumentation/schema';
import type { Connection, Session } from '../connection/session';
import type { CachedFigures } from '../storage/items';
import { memoryStore, type Store } from '../storage/store';
import { createFiguresCache } from './figuresCache';

type CacheEntry = CachedFigures;

export interface CardServiceDeps {
  /** How PostHog is reached (lib/connection/session.ts): settings, budget, Retry-After. */
  session: Session;
  /** Where figures are kept (default: in memory). */
  store?: Store;
  now?: () => number;
  /** How long an answer is served without asking PostHog again. */
  freshForMs?: number;
}

/** After a failed request, other callers (tabs, page loads) get the same answer at least this long without asking again (longer as failures repeat: lib/card/autoRetry.ts); a refresh asks. */
export const FAILURE_QUIET_MS = 10_000;

/** Identifies settings and credential without keeping the key itself: answers for one key or sign-in are never served for another. */
async function fingerprint(settings: Settings, identity: string): Promise<string> {
  const text = JSON.stringify([figureSettings(settings), identity]);
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text));
  return [...new Uint8Array(digest).slice(0, 12)].map((b) => b.toString(16).padStart(2, '0')).join('');
}

export type CardService = ReturnType<typeof createCardService>;

export function createCardService(deps: CardServiceDeps) {
  const now = deps.now ?? Date.now;
  const freshForMs = deps.freshForMs ?? 60_000;
  const store = deps.store ?? memoryStore();
  // Bounded in entries and age (figuresCache.ts): pages choose which tools are asked about.
  const figures = createFiguresCache({ store, now });
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
  const { session } = deps;

  async function fetchMetrics({ settings, client }: Connection, tool: string, range: RangeKey, refresh: boolean, split: { at: number; seconds: number } | null): Promise<ToolMetricsResponse> {
    const input = { tool, range, options: settings, ...(split ? { periodSeconds: split.seconds, splitAt: split.at } : {}) };
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

  const readCache = (key: string): Promise<CacheEntry | null> => figures.read(key);

  /** `since`: compare after that moment (an annotation's, epoch ms) with as long before it. */
  async function getToolMetrics(tool: string, range: RangeKey, refresh = false, since?: number): Promise<ToolMetricsResponse> {
    const asked = ++tick;
    const connected = await session.connect();
    if (!connected.ok) return connected;
    let split: { at: number; seconds: number } | null = null;
    if (since !== undefined) {
      const seconds = periodForSplit(since, now());
      if (seconds === null) return { ok: false, error: { kind: 'bad_request', message: 'A before / after comparison needs a moment between a minute and 30 days ago.' } };
      split = { at: since, seconds };
    }

    const key = `${await fingerprint(connected.connection.settings, connected.connection.identity)}:${range}:${tool}${split ? `:split:${split.at}` : ''}`;
    const cached = (await readCache(key)) ?? null;
    const blocked = await session.blocked();
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

    const request = fetchMetrics(connected.connection, tool, range, refresh, split)
      .then(async (response) => {
        recentFailures.delete(key);
        if (recentAnswers.size > 200) recentAnswers.clear();
        recentAnswers.set(key, { at: now(), response });
        await figures.write(key, { at: now(), response }).catch(() => undefined);
        return response;
      })
      .catch((error: unknown) => {
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
    const connected = await session.connect();
    if (!connected.ok) return connected;
    const { settings, client } = connected.connection;
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
      return { ok: false, error: toFailure(error) };
    }
  }

  /** One person's recent jobs on a tool, grouped by job id (the latest event says where the job is). Never cached. */
  async function lookupJobs(tool: string, range: RangeKey, by: LookupBy, value: string): Promise<LookupJobsResponse> {
    const connected = await session.connect();
    if (!connected.ok) return connected;
    const { settings, client } = connected.connection;
    try {
      const response = await client.hogql(buildJobLookupQuery({ tool, range, options: settings, by, value }));
      const rows = lookupRowsSchema.safeParse(response.results);
      if (!rows.success) throw new PostHogError('bad_response', describeZodError(rows.error));
      const { events } = settings.schema;
      const jobs = new Map<string, LookedUpJob>();
      // Newest first, at most LOOKUP_ROWS whatever PostHog sends.
      for (const [uuid, event, atMs, rawJob, durationMs, errorType, , replaySession] of [...rows.data].sort((a, b) => b[2] - a[2]).slice(0, LOOKUP_ROWS)) {
        const jobId = decodeText(rawJob);
        const key = jobId ?? `event:${uuid}`;
        const status = event === events.processingFailed ? 'failed' : event === events.processingCompleted ? 'completed' : 'started';
        const known = jobs.get(key);
        if (known) {
          known.durationMs ??= durationMs;
          // A replay is found by PostHog's own $session_id, never the tool's session_id.
          known.replayUrl ??= replayUrl(client.baseUrl, settings.projectId, decodeText(replaySession));
          continue;
        }
        const at = new Date(atMs).toISOString();
        jobs.set(key, {
          jobId,
          status,
          errorType: status === 'failed' ? (decodeText(errorType) ?? 'unknown') : null,
          durationMs: status === 'started' ? null : durationMs,
          at,
          eventUrl: eventUrl(client.baseUrl, settings.projectId, uuid, at),
          replayUrl: replayUrl(client.baseUrl, settings.projectId, decodeText(replaySession)),
        });
      }
      return { ok: true, jobs: [...jobs.values()] };
    } catch (error) {
      return { ok: false, error: toFailure(error) };
    }
  }

  /** Settings changed: forget every answer and failure held in memory, as the stored cache is dropped. */
  function forgetAnswers() {
    recentAnswers.clear();
    recentFailures.clear();
    settledAnswers.clear();
  }

  return { getToolMetrics, getTriage, lookupJobs, forgetAnswers, figures };
}

const text = z.nullable(z.string());
/** kind, event uuid, time (epoch ms), job id, duration, session id, PostHog session id, cached / error type. */
const triageRowSchema = z.tuple([z.enum(['slow', 'failure']), z.string(), z.number(), text, z.nullable(z.number()), text, text, text]);
const decodeText = (value: string | null) => (value === null ? null : fromStoredForm(value));
const triageRowsSchema = z.array(triageRowSchema);
/** uuid, event, time (epoch ms), job id, duration, error type, session id, PostHog session id. */
const lookupRowsSchema = z.array(z.tuple([z.string(), z.string(), z.number(), text, z.nullable(z.number()), text, text, text]));

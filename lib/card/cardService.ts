/**
 * The card's figures and triage: one HogQL query per tool and range → validated figures.
 * Stale-while-revalidate: answers are cached (in the Store, so they survive worker restarts), one
 * request is shared by all tabs asking for the same figures, PostHog's Retry-After is honoured (the
 * session's), and when a refresh fails the last good figures are served as stale.
 */
import * as z from 'zod/mini';
import { buildCardQuery, buildLatencyQuery, buildToolsSeenQuery, buildTriageQuery, periodForSplit, TRIAGE_ROWS } from './query';
import { toToolMetrics, toToolsSeen } from './metrics';
import { estimateEvents as estimateFromAnswers, sampleFactorFor, type SamplingRule } from './sampling';
import { ASYNC_GIVE_UP_MS, runHogQL, type QueryProgress } from '../posthog/asyncQuery';
import { cardLinks, eventUrl, replayUrl } from '../posthog/deepLinks';
import type { ToolFiguresAnswer, TriageResponse } from '../protocol/messages';
import { describeZodError, PostHogError } from '../posthog/client';
import { toFailure } from '../posthog/failure';
import { RANGE_KEYS, RANGES, type RangeKey } from '../model/ranges';
import { autoRetryDelayMs } from './autoRetry';
import { figureSettings } from '../settings/change';
import type { Settings } from '../settings/settings';
import { fromStoredForm } from '../model/events';
import type { Connection, Session } from '../connection/session';
import { pendingCardQueries, type CachedFigures } from '../storage/items';
import { memoryStore, type Store } from '../storage/store';
import { CACHED_FIGURES_MAX_AGE_MS, createFiguresCache } from './figuresCache';
import { createAnswerCache } from '../helpers/answerCache';

export interface CardServiceDeps {
  /** How PostHog is reached (lib/connection/session.ts): settings, budget, Retry-After. */
  session: Session;
  /** Where figures are kept (default: in memory). */
  store?: Store;
  now?: () => number;
  /** How long an answer is served without asking PostHog again. */
  freshForMs?: number;
  /** When a tool is read from a sample of its users (default: lib/card/sampling.ts's). */
  sampling?: SamplingRule;
  /** The wait before each poll of an async query (default: lib/posthog/asyncQuery.ts's backoff). */
  pollDelayMs?: (attempt: number) => number;
}

/** After a failed request, other callers (tabs, page loads) get the same answer at least this long without asking again (longer as failures repeat: lib/card/autoRetry.ts); a refresh asks. */
export const FAILURE_QUIET_MS = 10_000;

/** While PostHog computes a card as an async query, cards ask this often (each ask says a card still wants it). */
export const COMPUTING_ASK_MS = 3_000;
/**
 * No card asked for this long: nobody needs the figures any more (tabs closed or gone elsewhere), so the
 * query is cancelled at PostHog. Longer than a hidden tab's slowest timer (browsers run them once a minute).
 */
export const COMPUTING_LEASE_MS = 90_000;
/** PostHog's API ceiling until an answer names it (hogql_query_runner.py: 10 s for API queries). */
export const API_CEILING_MS = 10_000;
/** A card whose last run took more than this share of the ceiling starts as an async query at once. */
const NEAR_CEILING = 0.5;

/** Why a computing card query was dropped: no card asked for it within the lease. */
class NobodyAsked extends Error {}

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
  /**
   * The answers in memory (lib/helpers/answerCache.ts): one request shared by every tab asking, a
   * failure held until asking PostHog again is due (the retry schedule of lib/card/autoRetry.ts,
   * without jitter) so the cards of N tabs retry together and are answered by one request, and the
   * last figures served marked stale meanwhile.
   */
  const answers = createAnswerCache<ToolFiguresAnswer>({
    now,
    freshForMs,
    maxEntries: 200,
    maxAgeMs: CACHED_FIGURES_MAX_AGE_MS,
    retryDelayMs: (failure, attempt) => autoRetryDelayMs(failure, attempt, () => 0) ?? FAILURE_QUIET_MS,
    failed: (failure, last) => (last?.ok ? { ...last, stale: failure } : { ok: false, error: failure }),
    // Cancelled because no card asked: nobody to tell, nothing to hold against the next ask.
    toFailure: (error) =>
      error instanceof NobodyAsked ? { kind: 'timeout', message: 'No card asked for these figures any more; the query was cancelled.' } : toFailure(error),
    passing: (error) => error instanceof NobodyAsked,
  });
  /** Card queries PostHog is running as async queries: since when, its progress, and when a card last asked. */
  const computing = new Map<string, { since: number; progress: QueryProgress; askedAt: number; tabs: Set<number>; abort: AbortController }>();
  /** How long each key's last run took (ms), to start a slow card async at once. */
  const lastRunMs = new Map<string, number>();
  let ceilingMs = API_CEILING_MS;
  const { session } = deps;

  async function fetchMetrics(
    { settings, client }: Connection,
    job: {
      key: string;
      prefix: string;
      tool: string;
      range: RangeKey;
      refresh: boolean;
      split: { at: number; seconds: number } | null;
      allData: boolean;
      tab: number | undefined;
      onAsync: () => void;
    },
  ): Promise<ToolFiguresAnswer> {
    const { key, tool, range, refresh, split } = job;
    // A huge tool is read from a sample of its users (lib/card/sampling.ts), judged by its last answers:
    // worked out only when PostHog is asked, not for every card served from memory or storage.
    const sampleFactor = job.allData
      ? 1
      : sampleFactorFor(await estimateEvents(job.prefix, tool, 2 * (split?.seconds ?? RANGES[range].seconds)), deps.sampling);
    const input = { tool, range, options: settings, sampleFactor, ...(split ? { periodSeconds: split.seconds, splitAt: split.at } : {}) };
    const abort = new AbortController();
    // An async run of this card that a stopped worker left at PostHog is polled, not sent again.
    // (A refresh sends it anew, as the user asked.)
    const pending = await store.getEntry(pendingCardQueries, key).catch(() => null);
    const resume = pending && !refresh && now() - pending.at < ASYNC_GIVE_UP_MS ? pending : undefined;
    // A user's refresh asks PostHog to run the query now, not to answer from its own cache. Blocking
    // first; past PostHog's API ceiling (or near it last time) the same query runs async, polled.
    const run = await runHogQL(client, buildCardQuery(input), {
      refresh,
      preferAsync: (lastRunMs.get(key) ?? 0) > ceilingMs * NEAR_CEILING,
      resume,
      slots: client.slots,
      signal: abort.signal,
      now,
      pollDelayMs: deps.pollDelayMs,
      onAsync: ({ id, at }) => {
        computing.set(key, {
          since: at,
          progress: { rowsRead: null, rowsTotal: null },
          askedAt: now(),
          tabs: new Set(job.tab === undefined ? [] : [job.tab]),
          abort,
        });
        void store.setEntries(pendingCardQueries, { [key]: { id, at } }).catch(() => undefined);
        job.onAsync();
      },
      onProgress: (progress) => {
        const held = computing.get(key);
        if (!held) return;
        held.progress = progress;
        if (now() - held.askedAt > COMPUTING_LEASE_MS) abort.abort(new NobodyAsked());
      },
    }).finally(() => (pending || computing.has(key) ? store.removeEntries(pendingCardQueries, [key]).catch(() => undefined) : undefined));
    if (run.ceilingSeconds) ceilingMs = run.ceilingSeconds * 1000;
    if (lastRunMs.size > 200) lastRunMs.clear();
    lastRunMs.set(key, run.ms);
    const response = run.response;
    const metrics = toToolMetrics(response, input, new Date(now()));
    if ((metrics.funnel.steps[0]?.current ?? 0) === 0) {
      // No views: say which tools do have some, so the user can fix the mapping. Best effort.
      // At most 8 (the query's LIMIT), whatever PostHog sends.
      metrics.toolsSeen = await client.hogql(buildToolsSeenQuery(range, settings.schema)).then(
        (r) => toToolsSeen(r).slice(0, 8),
        () => null,
      );
    }
    return { ok: true, metrics, links: cardLinks(client.baseUrl, settings.projectId, tool, range, settings, buildLatencyQuery(input)) };
  }

  const readCache = (key: string): Promise<CachedFigures | null> => figures.read(key);

  /** What a card asking while PostHog computes is told: the last figures if any, and how far it is. */
  function computingAnswer(held: { since: number; progress: QueryProgress }, latest: ToolFiguresAnswer | null): ToolFiguresAnswer {
    const info = { since: held.since, rowsRead: held.progress.rowsRead, rowsTotal: held.progress.rowsTotal, askAgainInMs: COMPUTING_ASK_MS };
    if (latest?.ok) return { ...latest, computing: info };
    return {
      ok: false,
      error: { kind: 'computing', message: 'PostHog is computing these figures as an async query (too long for one request).', retryInMs: COMPUTING_ASK_MS },
      computing: info,
    };
  }

  /** The tool's events in a look-back, from the last answers for it (any range); null when none is known. */
  async function estimateEvents(prefix: string, tool: string, lookbackSeconds: number): Promise<number | null> {
    const known = [];
    for (const r of RANGE_KEYS) {
      const k = `${prefix}:${r}:${tool}`;
      const answer = answers.last(k)?.answer ?? (await readCache(k))?.response;
      if (answer?.ok) known.push({ ...answer.metrics, lookbackSeconds: 2 * RANGES[r].seconds });
    }
    return estimateFromAnswers(known, lookbackSeconds);
  }

  /**
   * `since`: compare after that moment (an annotation's, epoch ms) with as long before it. `allData`:
   * every event, however big the tool (otherwise a huge tool is read from a sample of its users).
   */
  async function getToolMetrics(
    tool: string,
    range: RangeKey,
    refresh = false,
    since?: number,
    opts: { allData?: boolean; tab?: number; projectId?: string } = {},
  ): Promise<ToolFiguresAnswer> {
    const ticket = answers.ticket();
    // The site's own project, if it names one: cached apart (the fingerprint holds the project).
    const connected = await session.connect({ projectId: opts.projectId });
    if (!connected.ok) return connected;
    let split: { at: number; seconds: number } | null = null;
    if (since !== undefined) {
      const seconds = periodForSplit(since, now());
      if (seconds === null)
        return { ok: false, error: { kind: 'bad_request', message: 'A before / after comparison needs a moment between a minute and 30 days ago.' } };
      split = { at: since, seconds };
    }

    const prefix = await fingerprint(connected.connection.settings, connected.connection.identity);
    const key = `${prefix}:${range}:${tool}${split ? `:split:${split.at}` : ''}${opts.allData ? ':all' : ''}`;
    const stored = await readCache(key);
    const cached = stored && { at: stored.at, answer: stored.response };
    const blocked = await session.blocked();
    // From here to the answer cache's ask nothing awaits: tabs asking at the same moment see each
    // other's request, answer or failure, whatever order their awaits above finished in.
    const latest = answers.last(key, cached)?.answer ?? null;

    // PostHog is computing it: say how far, and note that a card still wants it.
    const held = computing.get(key);
    if (held) {
      held.askedAt = now();
      if (opts.tab !== undefined) held.tabs.add(opts.tab);
      return computingAnswer(held, latest);
    }
    // The first answer is the figures, or — as soon as PostHog takes the query async — that it is computing.
    const job = { key, prefix, tool, range, refresh, split, allData: opts.allData ?? false, tab: opts.tab };
    return answers.ask(
      key,
      async (early) => {
        try {
          const response = await fetchMetrics(connected.connection, { ...job, onAsync: () => early(computingAnswer(computing.get(key)!, latest)) });
          await figures.write(key, { at: now(), response }).catch(() => undefined);
          return response;
        } finally {
          computing.delete(key);
        }
      },
      { refresh, ticket, known: cached, blocked: blocked && { kind: 'rate_limited', message: blocked.message, retryInMs: blocked.retryInMs } },
    );
  }

  async function getTriage(tool: string, range: RangeKey, projectId?: string): Promise<TriageResponse> {
    return session.run(
      async ({ settings, client }) => {
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
        const slowest = rows.data
          .filter((r) => r[0] === 'slow')
          .sort((a, b) => (b[4] ?? 0) - (a[4] ?? 0))
          .slice(0, TRIAGE_ROWS);
        const failures = rows.data
          .filter((r) => r[0] === 'failure')
          .sort((a, b) => b[2] - a[2])
          .slice(0, TRIAGE_ROWS);
        return { ok: true, triage: { slowest: slowest.map(toRow), failures: failures.map(toRow) } };
      },
      { projectId },
    );
  }

  /**
   * A tab was closed: it no longer waits for any card being computed. A card query every waiting tab
   * has closed is cancelled at once (cards in other pages are covered by the lease).
   */
  function tabClosed(tab: number) {
    for (const held of computing.values()) {
      if (!held.tabs.delete(tab) || held.tabs.size > 0) continue;
      held.abort.abort(new NobodyAsked());
    }
  }

  /** Settings changed: forget every answer and failure held in memory, as the stored cache is dropped. */
  function forgetAnswers() {
    answers.forget();
    lastRunMs.clear();
  }

  return { getToolMetrics, getTriage, forgetAnswers, tabClosed, figures };
}

const text = z.nullable(z.string());
/** kind, event uuid, time (epoch ms), job id, duration, session id, PostHog session id, cached / error type. */
const triageRowSchema = z.tuple([z.enum(['slow', 'failure']), z.string(), z.number(), text, z.nullable(z.number()), text, text, text]);
const decodeText = (value: string | null) => (value === null ? null : fromStoredForm(value));
const triageRowsSchema = z.array(triageRowSchema);

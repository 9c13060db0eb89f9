/**
 * A HogQL query that gets its answer however long it takes. PostHog's API stops a blocking query at
 * its time ceiling (504 "… Submit it as an async query to give it more time", hogql_query_runner.py);
 * an async query may run 600 s (posthog/api/query.py, execute_async.py). So: blocking first — unless
 * the query is known to be slow — and on that 504 the same query again as an
 * async query, polled with backoff, its progress reported, cancelled when the caller no longer needs it.
 */
import { PostHogError, type HogQLResponse, type PostHogClient, type QueryStatus } from './client';
import type { HogQLRequest } from './hogql';
import type { QuerySlots } from './querySlots';

/** PostHog's progress of a running query, as far as it says. */
export interface QueryProgress {
  rowsRead: number | null;
  rowsTotal: number | null;
}

export interface RunOptions {
  /** Ask PostHog to run it now, not answer from its cache. */
  refresh?: boolean;
  /** Start it async at once (its last run came close to the ceiling, or hit it). */
  preferAsync?: boolean;
  /** Aborting cancels the query at PostHog (DELETE) and rejects with the signal's reason. */
  signal?: AbortSignal;
  /** The query went async: PostHog's id, and when the query was first sent (its blocking attempt included). */
  onAsync?: (started: { id: string; at: number }) => void;
  onProgress?: (progress: QueryProgress) => void;
  /** The project's slots: an async query holds one until it is done (./querySlots.ts). */
  slots?: QuerySlots;
  now?: () => number;
  /** The wait before the `attempt`-th poll (tests shorten it). */
  pollDelayMs?: (attempt: number) => number;
  /**
   * An async query of this request already running at PostHog (its id and when it was first sent),
   * started before the worker stopped: polled rather than sent again. Gone at PostHog (its status lives
   * 20 minutes): the query is sent anew, async.
   */
  resume?: { id: string; at: number };
}

export interface RunResult {
  response: HogQLResponse;
  /** Whether it ran as an async query. */
  async: boolean;
  /** How long it took to get the answer. */
  ms: number;
  /** The API's time ceiling, when a blocking attempt ran into it and PostHog said how long it is. */
  ceilingSeconds?: number;
}

/** Polls: 1 s, then half again each time, at most 10 s apart. */
export const pollDelayMs = (attempt: number) => Math.min(1000 * 1.5 ** attempt, 10_000);
/** PostHog gives an async query 600 s, and it may wait for a worker first: after this, give up and cancel. */
export const ASYNC_GIVE_UP_MS = 15 * 60_000;

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal!.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

const progressOf = (status: QueryStatus): QueryProgress => ({
  rowsRead: status.query_progress?.rows_read ?? null,
  rowsTotal: status.query_progress?.estimated_rows_total ?? null,
});

/** Whether PostHog said that the query needs more time than a blocking request gets (its 504 advising an async query). */
export function needsAsync(error: unknown): boolean {
  return error instanceof PostHogError && error.detail.asyncAdvised === true;
}

export async function runHogQL(client: PostHogClient, request: HogQLRequest, opts: RunOptions = {}): Promise<RunResult> {
  const now = opts.now ?? Date.now;
  if (opts.resume) {
    try {
      return await pollAsync(client, opts.resume.id, opts.resume.at, opts);
    } catch (error) {
      if (!(error instanceof PostHogError && error.kind === 'not_found')) throw error;
      return runHogQL(client, request, { ...opts, resume: undefined, preferAsync: true });
    }
  }
  const started = now();
  let ceilingSeconds: number | undefined;
  if (!opts.preferAsync) {
    try {
      return { response: await client.hogql(request, { refresh: opts.refresh }), async: false, ms: now() - started };
    } catch (error) {
      if (!needsAsync(error)) throw error;
      ceilingSeconds = (error as PostHogError).detail.ceilingSeconds;
    }
  }
  const done = (response: HogQLResponse): RunResult => ({ response, async: true, ms: now() - started, ...(ceilingSeconds ? { ceilingSeconds } : {}) });
  opts.signal?.throwIfAborted();
  const release = opts.slots ? await opts.slots.acquire('async', opts.signal) : () => undefined;
  try {
    const start = await client.startAsync(request, { refresh: opts.refresh });
    if ('done' in start) return done(start.done);
    opts.onAsync?.({ id: start.running.id, at: started });
    opts.onProgress?.(progressOf(start.running));
    return done(await watch(client, start.running.id, now(), opts, { lookFirst: false }));
  } finally {
    release();
  }
}

/** Polls an async query started earlier (`resume`) until it is done, as runHogQL polls its own. */
async function pollAsync(client: PostHogClient, id: string, started: number, opts: RunOptions): Promise<RunResult> {
  const now = opts.now ?? Date.now;
  opts.signal?.throwIfAborted();
  const release = opts.slots ? await opts.slots.acquire('async', opts.signal) : () => undefined;
  try {
    opts.onAsync?.({ id, at: started });
    // The first look at once: the query may have finished while no worker watched it.
    return { response: await watch(client, id, started, opts, { lookFirst: true }), async: true, ms: now() - started };
  } finally {
    release();
  }
}

/**
 * Polls an async query with backoff until PostHog has its answer, reporting its progress. Past
 * ASYNC_GIVE_UP_MS, or when the caller gives up (its signal) or the polls fail, the query is
 * cancelled at PostHog, unless it is over there (done, failed, or gone).
 */
async function watch(client: PostHogClient, id: string, asyncAt: number, opts: RunOptions, { lookFirst }: { lookFirst: boolean }): Promise<HogQLResponse> {
  const now = opts.now ?? Date.now;
  let over = false;
  try {
    for (let attempt = 0; ; attempt++) {
      if (attempt > 0 || !lookFirst) await sleep((opts.pollDelayMs ?? pollDelayMs)(lookFirst ? attempt - 1 : attempt), opts.signal);
      const status = await client.queryStatus(id);
      if ('done' in status || 'failed' in status) {
        over = true;
        if ('failed' in status) throw status.failed;
        return status.done;
      }
      opts.onProgress?.(progressOf(status.running));
      if (now() - asyncAt > ASYNC_GIVE_UP_MS)
        throw new PostHogError(
          'too_slow',
          `PostHog had not finished the query after ${Math.round(ASYNC_GIVE_UP_MS / 60_000)} minutes; Tool Lens cancelled it. Try a shorter range.`,
        );
    }
  } catch (error) {
    if (error instanceof PostHogError && error.kind === 'not_found') over = true;
    // Not over at PostHog (the caller gave up, the network failed, too long): cancel it there.
    if (!over) await client.cancelQuery(id).catch(() => undefined);
    throw error;
  }
}

/**
 * One cache for the worker's answers from PostHog (the card's figures, the tools' ranking, the
 * annotations): tabs asking at once share one request, a fresh answer is served from memory, a
 * failure is held for a while (backing off as failures repeat) and meanwhile the last good answer is
 * served marked stale, and entries are bounded in number and age. Answers are the protocol's
 * `{ ok: true, … } | { ok: false, error }`; a thrown error is a failure too.
 */
import type { Failure } from '../model/failure';

type Answer = { ok: true } | { ok: false; error: Failure };

export interface AnswerCacheOptions<A extends Answer> {
  now: () => number;
  /** How long an answer is served without asking again. */
  freshForMs: number;
  /** Entries kept at most (the least recently written go first) and how old one may be, even as stale. */
  maxEntries: number;
  maxAgeMs: number;
  /** How long after the `attempt`-th failure in a row (0 first) asking again is due; the answer says so in `retryInMs`. */
  retryDelayMs: (failure: Failure, attempt: number) => number;
  /** What a failure answers: by default the failure itself; the card serves its last figures marked stale. */
  failed?: (failure: Failure, last: A | null) => A;
  /** Turns what a fetch threw into a failure (PostHog's errors: lib/posthog/failure.ts). */
  toFailure: (error: unknown) => Failure;
  /** What a fetch threw that is not held against the next ask (a request dropped because nobody waited for it). */
  passing?: (error: unknown) => boolean;
}

export interface AskOptions<A> {
  /** The user asked: PostHog is asked even when a fresh answer or a held failure would serve. */
  refresh?: boolean;
  /** An answer known outside memory (the card's stored figures): served while fresh, kept as the last good one. */
  known?: { at: number; answer: A } | null;
  /** A wait PostHog asked for (Retry-After): when nothing fresh or running can answer, this failure does, without asking. */
  blocked?: Failure | null;
  /**
   * When the caller began (`ticket()`), if it awaited anything before asking: a request that settled
   * since then answers it too, even a refresh, so callers that arrive together share one request
   * whatever order their awaits finished in.
   */
  ticket?: number;
}

/**
 * `fetch` may answer early (`early(answer)`: e.g. "PostHog is computing it") while it runs on: the
 * callers waiting get that at once, and the answer it finally returns is the one kept.
 */
export type Fetch<A> = (early: (answer: A) => void) => Promise<A>;

export type AnswerCache<A extends Answer> = ReturnType<typeof createAnswerCache<A>>;

export function createAnswerCache<A extends Answer>(options: AnswerCacheOptions<A>) {
  const { now } = options;
  const failed = options.failed ?? ((failure: Failure) => ({ ok: false, error: failure }) as A);
  /** The last good answer per key, and when it came. */
  const answers = new Map<string, { at: number; answer: A }>();
  /** The failure per key since the last good answer, and when asking again is due. */
  const failures = new Map<string, { failure: Failure; attempt: number; nextAt: number }>();
  const inFlight = new Map<string, Promise<A>>();
  /** What each key's last request answered, stamped with a call counter: it answers calls that began before it settled. */
  const settled = new Map<string, { tick: number; answer: A }>();
  let tick = 0;

  const bounded = <V>(map: Map<string, V>, key: string, value: V) => {
    map.delete(key);
    map.set(key, value);
    while (map.size > options.maxEntries) map.delete(map.keys().next().value!);
  };
  const young = <E extends { at: number }>(entry: E | null | undefined): E | null => (entry && now() - entry.at <= options.maxAgeMs ? entry : null);

  /** The last good answer for a key (from memory, else `known`), if not too old. */
  function last(key: string, known?: { at: number; answer: A } | null) {
    return young(answers.get(key)) ?? young(known) ?? null;
  }

  /**
   * The answer for `key`: shared with a request already running, from memory while fresh, the held
   * failure until asking again is due, else `fetch`'s. Nothing awaits between the checks and the
   * request being registered, so callers arriving together always share it.
   */
  function ask(key: string, fetch: Fetch<A>, opts: AskOptions<A> = {}): Promise<A> {
    const asked = opts.ticket ?? ++tick;
    const running = inFlight.get(key);
    if (running) return running;
    // A request that settled after this call began answers it too, even a refresh.
    const done = settled.get(key);
    if (done && done.tick > asked) return Promise.resolve(done.answer);
    const good = last(key, opts.known);
    const failure = failures.get(key);
    // A failure is newer than the last good answer (an answer clears it): until asking again is due,
    // every caller gets it, with the last good answer where there is one.
    if (good && !failure && !opts.refresh && now() - good.at < options.freshForMs) return Promise.resolve(good.answer);
    if (opts.blocked) return Promise.resolve(failed(opts.blocked, good?.answer ?? null));
    if (failure && !opts.refresh && now() < failure.nextAt)
      return Promise.resolve(failed({ ...failure.failure, retryInMs: failure.nextAt - now() }, good?.answer ?? null));

    let answerEarly: (answer: A) => void = () => {};
    const early = new Promise<A>((resolve) => (answerEarly = resolve));
    // Dropped because nobody waited: its callers are told, but it answers no one else (not even a
    // caller that began before it settled: that one still wants the figures, and asks anew).
    let dropped = false;
    const request = fetch((answer) => answerEarly(answer))
      .then((answer): A => {
        if (answer.ok) {
          failures.delete(key);
          bounded(answers, key, { at: now(), answer });
          return answer;
        }
        return hold(key, answer.error, good?.answer ?? null);
      })
      .catch((error: unknown) => {
        dropped = options.passing?.(error) ?? false;
        return dropped ? failed(options.toFailure(error), good?.answer ?? null) : hold(key, options.toFailure(error), good?.answer ?? null);
      })
      .then((answer) => {
        if (!dropped) bounded(settled, key, { tick: ++tick, answer });
        return answer;
      })
      .finally(() => inFlight.delete(key));
    const first = Promise.race([request, early]);
    inFlight.set(key, first);
    return first;
  }

  function hold(key: string, raw: Failure, lastGood: A | null): A {
    const attempt = (failures.get(key)?.attempt ?? -1) + 1;
    const waitMs = options.retryDelayMs(raw, attempt);
    const failure = { ...raw, retryInMs: waitMs };
    bounded(failures, key, { failure, attempt, nextAt: now() + waitMs });
    return failed(failure, lastGood);
  }

  /** Forgets every answer and failure (settings changed); requests running still answer their callers. */
  function forget() {
    answers.clear();
    failures.clear();
    settled.clear();
  }

  /** A mark of this moment, for a caller that awaits before it asks (AskOptions.ticket). */
  const ticket = () => ++tick;

  return { ask, ticket, last, forget };
}

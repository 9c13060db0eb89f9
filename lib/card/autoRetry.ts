/**
 * When a card whose figures failed (stale or missing) asks again by itself, so it recovers when
 * the fault clears without anyone clicking, and without a request storm: the delays back off, no
 * card asks before the moment the worker named (`retryInMs`: Retry-After, the budget's refill, or
 * the worker's own schedule for that tool, which it answers from memory until then), and every tab
 * draws its own jitter after that moment, so the first one asks and the others get its answer.
 */
import type { Failure } from '../model/failure';

/** Faults that clear on their own: PostHog down or slow, the network, a rate limit, the worker. */
const PASSING_STEPS_MS = [15_000, 30_000, 60_000, 120_000, 300_000];
/** Faults a person usually clears (key, scope, project, query, a query too heavy for PostHog): still asked again, but rarely. */
const LASTING_STEPS_MS = [60_000, 300_000, 900_000];
const LASTING = new Set<Failure['kind']>(['unauthorized', 'forbidden', 'not_found', 'query_error', 'too_slow', 'bad_request', 'bad_response']);
/** Each tab waits up to this much longer, so tabs that failed together do not ask together. */
const JITTER = 0.2;

/**
 * Milliseconds until the `attempt`-th automatic retry (0 for the first) after `failure`; null when
 * only the user can fix it (not configured: the card asks again when its tab comes back into view).
 * Never sooner than the worker said asking could help (Retry-After, the budget's refill).
 */
export function autoRetryDelayMs(failure: Failure, attempt: number, random: () => number = Math.random): number | null {
  if (failure.kind === 'not_configured') return null;
  const steps = LASTING.has(failure.kind) ? LASTING_STEPS_MS : PASSING_STEPS_MS;
  const base = steps[Math.min(Math.max(0, attempt), steps.length - 1)]!;
  // The worker's moment (Retry-After, the budget, its own schedule for this key) is shared by every
  // tab: wait for it, then spread the tabs out after it.
  const floor = failure.retryInMs !== undefined ? Math.max(base, failure.retryInMs + 1_000) : base;
  return Math.round(floor * (1 + JITTER * random()));
}

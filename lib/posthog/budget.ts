/**
 * The request budget: a token bucket shared by every HogQL query Tool Lens sends (cards, their
 * standing, the triage tab, lookups, auto-mapping, schema detection, the connection test's event
 * count, alerts), so one browser never spends its key's query allowance. PostHog's other endpoints
 * (the dashboards list, annotations, group types) are not under the query limit and spend nothing
 * (lib/connection/session.ts gate).
 *
 * PostHog limits HogQL queries per personal API key: 120 an hour (posthog/rate_limit.py
 * HogQLQueryThrottle; a team's `api_query_rate_limit` changes the rate), answered past it with a 429
 * whose text says when the next is available (no Retry-After header). Cache hits count too. The
 * default here — bursts of 60, then 60 an hour — stays within that, whatever the key's other uses; the
 * budget can never be set above the key's limit (POSTHOG_QUERY_LIMIT_PER_HOUR, or the team's own).
 *
 * The user can resize it in the options (within BUDGET_LIMITS). The options are read at every
 * take/status, so a new size applies at once, without restarting the worker.
 *
 * State lives in memory and is written to the Store (lib/storage/items.ts budgetStateItem), so a
 * restarted MV3 worker continues where it was instead of starting full.
 */
import type { Store } from '../storage/store';
import { budgetStateItem } from '../storage/items';
import { DEFAULT_BUDGET, type BudgetOptions } from '../model/limits';
export interface BudgetStatus {
  /** Whole requests available now. */
  available: number;
  capacity: number;
  refillPerHour: number;
  /** Milliseconds until the next request is available (0 when one is). */
  nextInMs: number;
}

export type TakeResult = { ok: true } | { ok: false; retryInMs: number; message: string };

export interface RequestBudget {
  /** Spends one request if there is one; never waits. */
  take(): Promise<TakeResult>;
  status(): Promise<BudgetStatus>;
}

interface State {
  tokens: number;
  at: number;
}

function validOptions(options: Partial<BudgetOptions> | undefined): BudgetOptions {
  const capacity = Math.floor(options?.capacity ?? DEFAULT_BUDGET.capacity);
  const refill = options?.refillPerHour ?? DEFAULT_BUDGET.refillPerHour;
  return {
    capacity: Number.isFinite(capacity) && capacity >= 1 ? Math.min(capacity, 10_000) : DEFAULT_BUDGET.capacity,
    refillPerHour: Number.isFinite(refill) && refill > 0 ? Math.min(refill, 100_000) : DEFAULT_BUDGET.refillPerHour,
  };
}

export function describeWait(ms: number): string {
  const s = Math.max(1, Math.ceil(ms / 1000));
  return s < 90 ? `${s} s` : `${Math.ceil(s / 60)} min`;
}

type MaybeOptions = Partial<BudgetOptions> | undefined;
/** Fixed options, or a function read at every take/status (e.g. the stored settings'). */
export type BudgetOptionsSource = MaybeOptions | (() => MaybeOptions | Promise<MaybeOptions>);

export function createRequestBudget(
  deps: { store?: Store; now?: () => number; options?: BudgetOptionsSource; item?: typeof budgetStateItem } = {},
): RequestBudget {
  const item = deps.item ?? budgetStateItem;
  const now = deps.now ?? Date.now;
  let state: State | null = null;
  let loading: Promise<State> | null = null;
  // Writes go out one after another, so an older state never lands after a newer one.
  let writing: Promise<void> = Promise.resolve();

  /** The options now; a source that fails means the defaults, never a budget that blocks everything. */
  async function options(): Promise<BudgetOptions> {
    const source = deps.options;
    if (typeof source !== 'function') return validOptions(source);
    try {
      return validOptions(await source());
    } catch {
      return validOptions(undefined);
    }
  }

  async function load(capacity: number): Promise<State> {
    if (state) return state;
    loading ??= (async () => {
      const stored = deps.store ? await deps.store.get(item).catch(() => null) : null;
      const t = now();
      // Nothing stored (or nonsense, or a clock from the future): a full bucket. settle() caps it.
      state ??=
        stored && Number.isFinite(stored.tokens) && Number.isFinite(stored.at) && stored.at <= t
          ? { tokens: stored.tokens, at: stored.at }
          : { tokens: capacity, at: t };
      return state;
    })();
    return loading;
  }

  const perMs = (o: BudgetOptions) => o.refillPerHour / 3_600_000;

  /**
   * Adds what accrued since the last look, at the current rate, and caps at the current capacity:
   * a lowered capacity drops the tokens above it at once; a raised one fills up by refill only.
   * Returns whether the cap removed tokens.
   */
  function settle(s: State, o: BudgetOptions): boolean {
    const t = now();
    if (t > s.at) {
      s.tokens += (t - s.at) * perMs(o);
      s.at = t;
    }
    const clamped = s.tokens > o.capacity;
    if (clamped) s.tokens = o.capacity;
    return clamped;
  }

  function persist(s: State) {
    if (!deps.store) return;
    const snapshot = { tokens: s.tokens, at: s.at };
    writing = writing.then(() => deps.store!.set(item, snapshot)).catch(() => undefined);
  }

  const waitFor = (s: State, o: BudgetOptions) => (s.tokens >= 1 ? 0 : Math.ceil((1 - s.tokens) / perMs(o)));

  // Each call awaits first, then reads and changes the shared state without awaiting: concurrent
  // callers never spend the same token.
  return {
    async take() {
      const o = await options();
      const s = await load(o.capacity);
      settle(s, o);
      if (s.tokens < 1) {
        const retryInMs = waitFor(s, o);
        return {
          ok: false,
          retryInMs,
          message: `Tool Lens's request budget is spent (${o.capacity} PostHog requests at once, ${o.refillPerHour} an hour); the next one is available in ${describeWait(retryInMs)}`,
        };
      }
      s.tokens -= 1;
      persist(s);
      return { ok: true };
    },
    async status() {
      const o = await options();
      const s = await load(o.capacity);
      // Tokens dropped by a lowered capacity stay dropped, even if it is raised again after a restart.
      if (settle(s, o)) persist(s);
      return { available: Math.floor(s.tokens), capacity: o.capacity, refillPerHour: o.refillPerHour, nextInMs: waitFor(s, o) };
    },
  };
}

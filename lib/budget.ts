/**
 * The request budget: a token bucket shared by every PostHog request Tool Lens makes (cards, the
 * triage tab, auto-mapping, schema detection, the connection test, alerts), so one browser never
 * spends a team's query allowance.
 *
 * PostHog rate-limits its query API per team (every key and user of the project shares it): its API
 * docs (https://posthog.com/docs/api, "Rate limiting") give 2,400 requests per hour for the query
 * endpoint /api/projects/:id/query/, and its repository's API docs list a default of 120 an hour for
 * HogQL queries; a spent limit answers 429 with Retry-After. The default here — bursts of 60, then
 * 60 an hour — stays at half of the lower figure in the long run and at 5% of the documented one,
 * leaving the rest to teammates, dashboards and other tools on the same team.
 *
 * State lives in memory and is written to a storage-like dependency (the worker passes
 * storage.local), so a restarted MV3 worker continues where it was instead of starting full.
 */
export interface BudgetOptions {
  /** Most requests at once (the bucket's size). */
  capacity: number;
  /** Tokens added per hour, spread evenly. */
  refillPerHour: number;
}

export const DEFAULT_BUDGET: BudgetOptions = { capacity: 60, refillPerHour: 60 };
export const BUDGET_STATE_KEY = 'budget:state';

export interface BudgetStore {
  get(key: string): Promise<unknown>;
  set(key: string, value: unknown): Promise<void>;
}

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

export function createRequestBudget(deps: { store?: BudgetStore; now?: () => number; options?: Partial<BudgetOptions> } = {}): RequestBudget {
  const now = deps.now ?? Date.now;
  const { capacity, refillPerHour } = validOptions(deps.options);
  const perMs = refillPerHour / 3_600_000;
  let state: State | null = null;
  let loading: Promise<State> | null = null;
  // Writes go out one after another, so an older state never lands after a newer one.
  let writing: Promise<void> = Promise.resolve();

  async function load(): Promise<State> {
    if (state) return state;
    loading ??= (async () => {
      const raw = deps.store ? await deps.store.get(BUDGET_STATE_KEY).catch(() => undefined) : undefined;
      const stored = raw as Partial<State> | undefined;
      const t = now();
      const valid =
        stored && typeof stored.tokens === 'number' && typeof stored.at === 'number' && Number.isFinite(stored.tokens) && Number.isFinite(stored.at) && stored.at <= t;
      // Nothing stored (or nonsense, or a clock from the future): a full bucket.
      state ??= valid ? { tokens: Math.min(Math.max(0, stored.tokens!), capacity), at: stored.at! } : { tokens: capacity, at: t };
      return state;
    })();
    return loading;
  }

  function refill(s: State) {
    const t = now();
    if (t > s.at) {
      s.tokens = Math.min(capacity, s.tokens + (t - s.at) * perMs);
      s.at = t;
    }
  }

  function persist(s: State) {
    if (!deps.store) return;
    const snapshot = { tokens: s.tokens, at: s.at };
    writing = writing.then(() => deps.store!.set(BUDGET_STATE_KEY, snapshot)).catch(() => undefined);
  }

  const waitFor = (s: State) => (s.tokens >= 1 ? 0 : Math.ceil((1 - s.tokens) / perMs));

  return {
    async take() {
      const s = await load();
      refill(s);
      if (s.tokens < 1) {
        const retryInMs = waitFor(s);
        return {
          ok: false,
          retryInMs,
          message: `Tool Lens's request budget is spent (${capacity} PostHog requests at once, ${refillPerHour} an hour); the next one is available in ${describeWait(retryInMs)}`,
        };
      }
      s.tokens -= 1;
      persist(s);
      return { ok: true };
    },
    async status() {
      const s = await load();
      refill(s);
      return { available: Math.floor(s.tokens), capacity, refillPerHour, nextInMs: waitFor(s) };
    },
  };
}

/**
 * PostHog's query limits and the bounds Tool Lens's request budget (./budget.ts) keeps within. No
 * imports: settings, the budget and the options page all read these.
 */
export interface BudgetOptions {
  /** Most requests at once (the bucket's size). */
  capacity: number;
  /** Tokens added per hour, spread evenly. */
  refillPerHour: number;
}

export const DEFAULT_BUDGET: BudgetOptions = { capacity: 60, refillPerHour: 60 };
/** HogQL queries an hour PostHog allows a personal API key by default (posthog/rate_limit.py HogQLQueryThrottle, "120/hour"). */
export const POSTHOG_QUERY_LIMIT_PER_HOUR = 120;
/**
 * What the options allow, whatever the key's limit: at least one request, and no more than PostHog's
 * default burst for its other endpoints (480 a minute) at once. The key's HogQL limit bounds both too.
 */
export const BUDGET_LIMITS = { capacity: { min: 1, max: 480 }, refillPerHour: { min: 1, max: 100_000 } } as const;

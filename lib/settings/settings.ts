import * as z from 'zod/mini';
import { alertRuleSchema } from '../model/alerts';
import { BUDGET_LIMITS, DEFAULT_BUDGET, POSTHOG_QUERY_LIMIT_PER_HOUR } from '../model/limits';
import { DEFAULT_SCHEMA, schemaMappingSchema } from '../model/events';

import { checkCustomHost } from './hosts';
export { HOSTS, checkCustomHost, postHogBaseUrl, type HostKind } from './hosts';

/** Seed 000's alert thresholds: more than 10 failures in the last hour; mean processing time over 60 s. */
export const DEFAULT_THRESHOLDS = { failuresPerHour: 10, meanDurationSeconds: 60 } as const;

export const GROUP_SLOTS = 5; // PostHog's group types per project: group_0 … group_4
export const segmentSchema = z.object({
  /** An event's, its person's or one of its groups' property (PostHog group analytics). */
  kind: z.enum(['event', 'person', 'group']),
  property: z.string().check(z.trim(), z.minLength(1, 'Name the property to filter on'), z.maxLength(200)),
  value: z.string().check(z.maxLength(500)),
  /** For a group property: the group type's index in the project (its slot, 0–4). */
  groupIndex: z.optional(z.int().check(z.minimum(0), z.maximum(GROUP_SLOTS - 1))),
  /** …and its name there (`company`), for the card to say what it filters on. */
  groupType: z.optional(z.string().check(z.maxLength(200))),
});
export type Segment = z.infer<typeof segmentSchema>;

/** A whole number between `min` and `max`, with the words to say which rule it broke. */
const wholeNumber = (words: { type: string; whole: string }, min: [number, string], max: [number, string]) =>
  z.number(words.type).check(z.int(words.whole), z.minimum(min[0], min[1]), z.maximum(max[0], max[1]));

export const metricsOptionsSchema = z.object({
  funnelWindowHours: z._default(z.int().check(z.minimum(1, 'At least 1 hour'), z.maximum(24 * 90, 'At most 90 days')), 24),
  funnelUnit: z._default(z.enum(['sessions', 'persons']), 'sessions'),
  thresholds: z._default(
    z.object({
      failuresPerHour: z.int().check(z.minimum(0), z.maximum(1_000_000)),
      meanDurationSeconds: z.number().check(z.minimum(0), z.maximum(86_400)),
    }),
    { ...DEFAULT_THRESHOLDS },
  ),
  segment: z._default(z.nullable(segmentSchema), null),
  /** The person property that holds an email, for support's lookups (lib/support/). */
  personEmailProperty: z._default(z.string().check(z.trim(), z.minLength(1, 'Name the person property'), z.maxLength(200)), 'email'),
  /** The person properties support's lookup shows, comma-separated (the email property always first). */
  personProperties: z._default(
    z.string().check(
      z.trim(),
      z.maxLength(1000),
      z.refine((v) => v.split(',').filter((p) => p.trim()).length <= 8, 'At most 8 person properties'),
      z.refine((v) => v.split(',').every((p) => p.trim().length <= 200), 'A property name is at most 200 characters'),
    ),
    'email, name, plan',
  ),
  /** Alert rules beyond the two thresholds above. */
  extraAlertRules: z._default(z.array(alertRuleSchema).check(z.maxLength(10)), []),
  /** How often the background checks every tool against the rules (minutes). */
  alertEveryMinutes: z._default(z.int().check(z.minimum(1, 'At least every minute'), z.maximum(1440)), 5),
  /** A system notification when a tool goes over a threshold (off by default). */
  alertNotifications: z._default(z.boolean(), false),
  schema: z._default(schemaMappingSchema, DEFAULT_SCHEMA),
  /** The request budget every HogQL query spends from (lib/posthog/budget.ts); settings from before it get the default. */
  requestBudget: z._default(
    z.object(
      {
        capacity: wholeNumber(
          { type: 'Requests at once must be a number', whole: 'Requests at once must be a whole number' },
          [BUDGET_LIMITS.capacity.min, `At least ${BUDGET_LIMITS.capacity.min} request at once`],
          [BUDGET_LIMITS.capacity.max, `At most ${BUDGET_LIMITS.capacity.max} at once (PostHog's burst limit per minute)`],
        ),
        refillPerHour: wholeNumber(
          { type: 'Requests per hour must be a number', whole: 'Requests per hour must be a whole number' },
          [BUDGET_LIMITS.refillPerHour.min, `At least ${BUDGET_LIMITS.refillPerHour.min} request an hour`],
          [BUDGET_LIMITS.refillPerHour.max, `At most ${BUDGET_LIMITS.refillPerHour.max} an hour`],
        ),
      },
      'The request budget is { "capacity": number, "refillPerHour": number }',
    ),
    { ...DEFAULT_BUDGET },
  ),
  /**
   * HogQL queries an hour PostHog allows this key: 120 unless the team has its own `api_query_rate_limit`
   * (set by PostHog, or on a self-hosted instance). The budget may not exceed it.
   */
  queryLimitPerHour: z._default(
    wholeNumber(
      { type: 'The query limit must be a number', whole: 'The query limit is a whole number of queries an hour' },
      [1, 'At least 1 query an hour'],
      [100_000, 'At most 100,000 queries an hour'],
    ),
    POSTHOG_QUERY_LIMIT_PER_HOUR,
  ),
});
export type MetricsOptions = z.infer<typeof metricsOptionsSchema>;

/** The budget may not exceed the key's HogQL query limit (at once, or an hour). */
export function checkBudgetWithinLimit(
  options: Pick<MetricsOptions, 'requestBudget' | 'queryLimitPerHour'>,
  ctx: z.core.$RefinementCtx,
  path: PropertyKey[] = [],
): void {
  const limit = options.queryLimitPerHour;
  if (options.requestBudget.capacity > limit)
    ctx.addIssue({
      code: 'custom',
      path: [...path, 'requestBudget', 'capacity'],
      message: `At most ${limit} at once: PostHog allows this key ${limit} queries an hour`,
    });
  if (options.requestBudget.refillPerHour > limit)
    ctx.addIssue({
      code: 'custom',
      path: [...path, 'requestBudget', 'refillPerHour'],
      message: `At most ${limit} an hour: PostHog allows this key ${limit} queries an hour`,
    });
}
export const DEFAULT_METRICS_OPTIONS: MetricsOptions = metricsOptionsSchema.parse({});

export const settingsSchema = z
  .object({
    host: z.enum(['us', 'eu', 'custom']),
    customHost: z.string().check(z.trim(), z.maxLength(500)),
    projectId: z.string().check(z.trim(), z.regex(/^\d{1,12}$/, 'Project id is a number, e.g. 12345')),
    apiKey: z.string().check(z.trim(), z.maxLength(200)),
    /** How Tool Lens reaches PostHog: the pasted personal API key (the default), or "Sign in with PostHog" (lib/connection/signIn.ts; the tokens are kept apart). */
    auth: z.optional(z.enum(['key', 'signIn'])),
    ...metricsOptionsSchema.shape,
  })
  .check(
    z.superRefine((s, ctx) => {
      if (s.auth !== 'signIn' && !s.apiKey) ctx.addIssue({ code: 'custom', path: ['apiKey'], message: 'Personal API key is required' });
      checkBudgetWithinLimit(s, ctx);
      if (s.host !== 'custom') return;
      const problem = checkCustomHost(s.customHost);
      if (problem) ctx.addIssue({ code: 'custom', path: ['customHost'], message: problem });
    }),
  );
export type Settings = z.infer<typeof settingsSchema>;

export const EMPTY_CONNECTION = { host: 'us', customHost: '', projectId: '', apiKey: '' } as const;

export type SettingsState = { status: 'configured'; settings: Settings } | { status: 'missing' } | { status: 'invalid'; message: string };

/**
 * Settings stored by an older Tool Lens, brought to the current rules: budgets above the key's
 * query limit (older releases allowed 2,400 an hour) are lowered to it rather than refused. The
 * settings item's version-2 migration (lib/storage/items.ts); reads apply it too, for values a test
 * or an older context wrote without a version.
 */
export function upgradeStoredSettings(raw: unknown): unknown {
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) return raw;
  const s = raw as Record<string, unknown>;
  const budget = s.requestBudget as { capacity?: unknown; refillPerHour?: unknown } | undefined;
  const limit = typeof s.queryLimitPerHour === 'number' ? s.queryLimitPerHour : POSTHOG_QUERY_LIMIT_PER_HOUR;
  if (!budget || typeof budget !== 'object' || Array.isArray(budget)) return raw;
  const lower = (v: unknown) => (typeof v === 'number' && v > limit ? limit : v);
  return { ...s, requestBudget: { ...budget, capacity: lower(budget.capacity), refillPerHour: lower(budget.refillPerHour) } };
}

/** Reads stored settings; whatever is stored is validated, never trusted. */
export function parseStoredSettings(raw: unknown): SettingsState {
  if (raw === undefined || raw === null) return { status: 'missing' };
  const parsed = settingsSchema.safeParse(upgradeStoredSettings(raw));
  if (parsed.success) return { status: 'configured', settings: parsed.data };
  const issue = parsed.error.issues[0];
  return { status: 'invalid', message: issue ? `${issue.path.join('.') || 'settings'}: ${issue.message}` : 'invalid settings' };
}

/** The person properties a lookup shows, in order: the email property first, each once, at most 8. */
export function lookupPersonProperties(settings: Pick<MetricsOptions, 'personEmailProperty' | 'personProperties'>): string[] {
  const names = [settings.personEmailProperty, ...settings.personProperties.split(',')].map((p) => p.trim()).filter(Boolean);
  return [...new Set(names)].slice(0, 8);
}

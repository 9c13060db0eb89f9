import { z } from 'zod';
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
  property: z.string().trim().min(1, 'Name the property to filter on').max(200),
  value: z.string().max(500),
  /** For a group property: the group type's index in the project (its slot, 0–4). */
  groupIndex: z.number().int().min(0).max(GROUP_SLOTS - 1).optional(),
  /** …and its name there (`company`), for the card to say what it filters on. */
  groupType: z.string().max(200).optional(),
});
export type Segment = z.infer<typeof segmentSchema>;

export const metricsOptionsSchema = z.object({
  funnelWindowHours: z.number().int().min(1, 'At least 1 hour').max(24 * 90, 'At most 90 days').default(24),
  funnelUnit: z.enum(['sessions', 'persons']).default('sessions'),
  thresholds: z
    .object({
      failuresPerHour: z.number().int().min(0).max(1_000_000),
      meanDurationSeconds: z.number().min(0).max(86_400),
    })
    .default({ ...DEFAULT_THRESHOLDS }),
  segment: segmentSchema.nullable().default(null),
  /** The person property that holds an email, for support's lookups (lib/support/). */
  personEmailProperty: z.string().trim().min(1, 'Name the person property').max(200).default('email'),
  /** The person properties support's lookup shows, comma-separated (the email property always first). */
  personProperties: z
    .string()
    .trim()
    .max(1000)
    .default('email, name, plan')
    .refine((v) => v.split(',').filter((p) => p.trim()).length <= 8, 'At most 8 person properties')
    .refine((v) => v.split(',').every((p) => p.trim().length <= 200), 'A property name is at most 200 characters'),
  /** Alert rules beyond the two thresholds above. */
  extraAlertRules: z.array(alertRuleSchema).max(10).default([]),
  /** How often the background checks every tool against the rules (minutes). */
  alertEveryMinutes: z.number().int().min(1, 'At least every minute').max(1440).default(5),
  /** A system notification when a tool goes over a threshold (off by default). */
  alertNotifications: z.boolean().default(false),
  schema: z._default(schemaMappingSchema, DEFAULT_SCHEMA),
  /** The request budget every PostHog request spends from (lib/budget.ts); settings from before it get the default. */
  requestBudget: z
    .object(
      {
        capacity: z
          .number('Requests at once must be a number')
          .int('Requests at once must be a whole number')
          .min(BUDGET_LIMITS.capacity.min, `At least ${BUDGET_LIMITS.capacity.min} request at once`)
          .max(BUDGET_LIMITS.capacity.max, `At most ${BUDGET_LIMITS.capacity.max} at once (PostHog's burst limit per minute)`),
        refillPerHour: z
          .number('Requests per hour must be a number')
          .int('Requests per hour must be a whole number')
          .min(BUDGET_LIMITS.refillPerHour.min, `At least ${BUDGET_LIMITS.refillPerHour.min} request an hour`)
          .max(BUDGET_LIMITS.refillPerHour.max, `At most ${BUDGET_LIMITS.refillPerHour.max} an hour`),
      },
      'The request budget is { "capacity": number, "refillPerHour": number }',
    )
    .default({ ...DEFAULT_BUDGET }),
  /**
   * HogQL queries an hour PostHog allows this key: 120 unless the team has its own `api_query_rate_limit`
   * (set by PostHog, or on a self-hosted instance). The budget may not exceed it.
   */
  queryLimitPerHour: z
    .number('The query limit must be a number')
    .int('The query limit is a whole number of queries an hour')
    .min(1, 'At least 1 query an hour')
    .max(100_000, 'At most 100,000 queries an hour')
    .default(POSTHOG_QUERY_LIMIT_PER_HOUR),
});
export type MetricsOptions = z.infer<typeof metricsOptionsSchema>;

/** The budget may not exceed the key's HogQL query limit (at once, or an hour). */
export function checkBudgetWithinLimit(options: Pick<MetricsOptions, 'requestBudget' | 'queryLimitPerHour'>, ctx: z.RefinementCtx, path: PropertyKey[] = []): void {
  const limit = options.queryLimitPerHour;
  if (options.requestBudget.capacity > limit) ctx.addIssue({ code: 'custom', path: [...path, 'requestBudget', 'capacity'], message: `At most ${limit} at once: PostHog allows this key ${limit} queries an hour` });
  if (options.requestBudget.refillPerHour > limit) ctx.addIssue({ code: 'custom', path: [...path, 'requestBudget', 'refillPerHour'], message: `At most ${limit} an hour: PostHog allows this key ${limit} queries an hour` });
}
export const DEFAULT_METRICS_OPTIONS: MetricsOptions = metricsOptionsSchema.parse({});

export const settingsSchema = z
  .object({
    host: z.enum(['us', 'eu', 'custom']),
    customHost: z.string().trim().max(500),
    projectId: z.string().trim().regex(/^\d{1,12}$/, 'Project id is a number, e.g. 12345'),
    apiKey: z.string().trim().max(200),
    /** How Tool Lens reaches PostHog: the pasted personal API key (the default), or "Sign in with PostHog" (lib/connection/signIn.ts; the tokens are kept apart). */
    auth: z.optional(z.enum(['key', 'signIn'])),
    ...metricsOptionsSchema.shape,
  })
  .superRefine((s, ctx) => {
    if (s.auth !== 'signIn' && !s.apiKey) ctx.addIssue({ code: 'custom', path: ['apiKey'], message: 'Personal API key is required' });
    checkBudgetWithinLimit(s, ctx);
    if (s.host !== 'custom') return;
    const problem = checkCustomHost(s.customHost);
    if (problem) ctx.addIssue({ code: 'custom', path: ['customHost'], message: problem });
  });
export type Settings = z.infer<typeof settingsSchema>;

export const EMPTY_CONNECTION = { host: 'us', customHost: '', projectId: '', apiKey: '' } as const;

export type SettingsState =
  | { status: 'configured'; settings: Settings }
  | { status: 'missing' }
  | { status: 'invalid'; message: string };

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

/**
 * The one message protocol between contexts. Every message is parsed with these schemas on arrival;
 * anything else is rejected.
 */
// zod/mini: the same checks as zod, in a fraction of the bytes (this module ships in the content script).
import * as z from 'zod/mini';
import type { RangeKey } from '../card/ranges';
import { siteConfigSchema } from '../matching/sites';
import { alertStateSchema } from '../project/alerts';


export const rangeSchema = z.enum(['1h', '24h', '7d', '30d']);
// Compile-time guard: the schema and RANGES list the same keys.
const sameRanges: [RangeKey, z.infer<typeof rangeSchema>] extends [z.infer<typeof rangeSchema>, RangeKey] ? true : never = true;
void sameRanges;

const count = () => z.int().check(z.nonnegative());

const maybeNumber = () => z.nullable(z.number());
const quantilesSchema = z.object({
  n: count(),
  p50Ms: maybeNumber(),
  p95Ms: maybeNumber(),
  p99Ms: maybeNumber(),
  meanMs: maybeNumber(),
  /** The distribution-free 95 % interval of p95 (lib/stats/intervals.ts); a side null when the sample cannot bound it. */
  p95IntervalMs: z.optional(z.tuple([maybeNumber(), maybeNumber()])),
});
export type Quantiles = z.infer<typeof quantilesSchema>;
const jobsSchema = z.object({ views: count(), started: count(), completed: count(), failed: count(), cacheHits: count(), downloads: count() });
export type JobCounts = z.infer<typeof jobsSchema>;

export const healthSchema = z.object({
  failuresLastHour: count(),
  completedLastHour: count(),
  meanDurationMsLastHour: maybeNumber(),
  status: z.enum(['ok', 'alert']),
  reasons: z.array(z.string()),
});
export type Health = z.infer<typeof healthSchema>;

export const toolMetricsSchema = z.object({
  tool: z.string(),
  range: rangeSchema,
  asOf: z.string(),
  segment: z.nullable(z.object({ kind: z.enum(['event', 'person', 'group']), property: z.string(), value: z.string(), groupIndex: z.optional(z.number()), groupType: z.optional(z.string()) })),
  /** Set when the periods compared are after and before a split point (an annotation, epoch ms), not the range and the one before. */
  split: z.optional(z.object({ at: z.number(), seconds: z.number() })),
  funnel: z.object({
    unit: z.enum(['sessions', 'persons']),
    windowHours: z.number(),
    steps: z.array(z.object({ label: z.string(), current: count(), previous: count() })),
  }),
  latency: z.object({
    current: quantilesSchema,
    previous: quantilesSchema,
    failed: quantilesSchema,
    spark: z.array(z.object({ at: z.number(), n: count(), p95Ms: maybeNumber() })),
  }),
  jobs: z.object({ current: jobsSchema, previous: jobsSchema }),
  errors: z.array(z.object({ type: z.string(), current: count(), previous: count() })),
  more: z.object({
    auth: z.array(z.object({ label: z.string(), count: count() })),
    fileTypes: z.array(z.object({ type: z.string(), count: count(), meanBytes: maybeNumber() })),
    formats: z.array(z.object({ format: z.string(), count: count() })),
  }),
  llm: z.nullable(
    z.object({
      generations: count(),
      p95LatencyS: maybeNumber(),
      costUsd: z.number(),
      errors: count(),
      inputTokens: z.number(),
      outputTokens: z.number(),
    }),
  ),
  health: healthSchema,
  /**
   * Set when the figures come from a sample of users (HogQL SAMPLE 1/factor, by person): counts are
   * the sample's times `factor` (estimates), the tests of change use the sample's own counts.
   */
  sample: z.optional(z.object({ factor: z.int().check(z.minimum(2)), events: count() })),
  /** The tool's events the query read (times the sample factor): what the next card's sampling is decided by. */
  events: z.optional(count()),
  /** Only when this tool had no views: the tools that did, to suggest a fix. */
  toolsSeen: z.nullable(z.array(z.object({ tool: z.string(), views: count() }))),
});
export type ToolMetrics = z.infer<typeof toolMetricsSchema>;

export const cardLinksSchema = z.object({
  project: z.string(),
  /** Which project the figures are of: a site may name its own (staging, production). */
  projectId: z.optional(z.string()),
  funnel: z.string(),
  latencySql: z.string(),
  errors: z.string(),
  replays: z.string(),
});
export type CardLinks = z.infer<typeof cardLinksSchema>;

const triageRow = z.object({
  jobId: z.nullable(z.string()),
  durationMs: maybeNumber(),
  at: z.string(),
  detail: z.nullable(z.string()),
  eventUrl: z.string(),
  replayUrl: z.nullable(z.string()),
});
export const triageSchema = z.object({ slowest: z.array(triageRow), failures: z.array(triageRow) });
export type Triage = z.infer<typeof triageSchema>;
export type TriageRow = z.infer<typeof triageRow>;
/** What support looks a person up by: `auto` tells an email from an id by its shape (lib/support/selection.ts). */
export const lookupBySchema = z.enum(['auto', 'email', 'distinct_id', 'session_id', 'job_id']);
export type LookupBy = z.infer<typeof lookupBySchema>;
/** What a lookup matched in PostHog: an email (person property or distinct id), one kind of id, or any id. */
export const matchKindSchema = z.enum(['email', 'distinct_id', 'session_id', 'job_id', 'any_id']);
export type MatchKind = z.infer<typeof matchKindSchema>;
/** Which of a person's events matched: their email property, a distinct id, a session or a job. */
export const matchedBySchema = z.enum(['email', 'distinct_id', 'session_id', 'job_id']);
export type MatchedBy = z.infer<typeof matchedBySchema>;

const shortText = (max = 500) => z.string().check(z.maxLength(max));
const lookedUpPerson = z.object({
  /** PostHog's person id (a UUID). */
  id: shortText(100),
  url: z.string(),
  /** Every job of theirs in the range, in PostHog (a SQL insight): the "N more" link. */
  jobsUrl: z.string(),
  distinctIds: z.array(shortText()).check(z.maxLength(10)),
  moreDistinctIds: z.boolean(),
  /** The chosen person properties, in order, as the person's latest event in the range carries them. */
  properties: z.array(z.object({ name: shortText(200), value: z.nullable(shortText()) })).check(z.maxLength(8)),
  firstSeen: z.string(),
  lastSeen: z.string(),
  events: count(),
  jobs: count(),
  failedJobs: count(),
  matchedBy: z.array(matchedBySchema),
});
export type LookedUpPerson = z.infer<typeof lookedUpPerson>;
const lookedUpJob = z.object({
  tool: z.nullable(shortText(200)),
  jobId: z.nullable(shortText()),
  status: z.enum(['started', 'completed', 'failed']),
  errorType: z.nullable(shortText()),
  durationMs: maybeNumber(),
  /** Its first and latest event, ISO 8601 in UTC. */
  startedAt: z.string(),
  at: z.string(),
  eventUrl: z.string(),
  replayUrl: z.nullable(z.string()),
  /** posthog-js's session ($session_id): where the page's exceptions are found. */
  sessionId: z.nullable(shortText()),
  personId: shortText(100),
});
export type LookedUpJob = z.infer<typeof lookedUpJob>;
const toolStats = z.object({ tool: shortText(200), n: count(), p50Ms: maybeNumber(), p95Ms: maybeNumber() });
export type ToolStats = z.infer<typeof toolStats>;
const lookedUpException = z.object({
  type: z.nullable(shortText(200)),
  message: z.nullable(shortText(1000)),
  at: z.string(),
  sessionId: z.nullable(shortText()),
  eventUrl: z.string(),
  replayUrl: z.nullable(z.string()),
  /** Its error tracking issue in PostHog, when PostHog's ingestion linked one. */
  issueUrl: z.nullable(z.string()),
});
export type LookedUpException = z.infer<typeof lookedUpException>;
export const personLookupSchema = z.object({
  range: rangeSchema,
  value: shortText(),
  match: matchKindSchema,
  asOf: z.string(),
  persons: z.array(lookedUpPerson).check(z.maxLength(5)),
  /** More people matched than are shown. */
  morePersons: z.boolean(),
  /** The latest failed jobs, then the latest others; `jobs` of `persons` counts them all. */
  jobs: z.array(lookedUpJob).check(z.maxLength(100)),
  tools: z.array(toolStats).check(z.maxLength(200)),
  exceptions: z.array(lookedUpException).check(z.maxLength(50)),
});
export type PersonLookup = z.infer<typeof personLookupSchema>;

export const errorKindSchema = z.enum([
  'not_configured',
  'unauthorized',
  'forbidden',
  'not_found',
  'rate_limited',
  'server',
  'network',
  'timeout',
  'bad_response',
  'query_error',
  /** PostHog stopped the query: too slow, or out of memory (504, 512, 513). */
  'too_slow',
  /** Not a failure: PostHog is still computing the figures as an async query; ask again in retryInMs. */
  'computing',
  'bad_request',
  /** The extension's own background worker did not answer (it was stopped or restarted). */
  'extension',
]);
export type ErrorKind = z.infer<typeof errorKindSchema>;

export const failureSchema = z.object({
  kind: errorKindSchema,
  message: z.string(),
  /** When asking again can help, as far as the worker knows (PostHog's Retry-After, the budget's refill). */
  retryInMs: z.optional(z.number().check(z.nonnegative())),
});
export type Failure = z.infer<typeof failureSchema>;

// Requests -------------------------------------------------------------------------------------

const toolName = () => z.string().check(z.minLength(1), z.maxLength(200));

export const getToolMetricsRequest = z.object({
  type: z.literal('tool-metrics/get'),
  tool: toolName(),
  range: rangeSchema,
  refresh: z.optional(z.boolean()),
  /** Compare after this moment (epoch ms: an annotation's) with as long before it, instead of the range with the one before. */
  since: z.optional(z.number()),
  /** Every event, never a sample, however big the tool (the card's "Use all data"). */
  allData: z.optional(z.boolean()),
  /**
   * The site whose project to ask (a site may name its own): the popup's tab. A content script may
   * name only its own origin (messaging.ts), and its own page's site is used when it names none.
   */
  origin: z.optional(z.string().check(z.maxLength(300))),
});
export const getTriageRequest = z.object({ type: z.literal('triage/get'), tool: toolName(), range: rangeSchema });
/** Every tool's figures and standing for a range (lib/project/ranking.ts): for the card's "where it stands" and the popup. */
export const getRankingRequest = z.object({ type: z.literal('ranking/get'), range: rangeSchema });
const positionSchema = z.object({ position: z.number(), of: z.number() });
export const rankedToolSchema = z.object({
  tool: z.string(),
  started: count(),
  failed: count(),
  viewers: count(),
  downloaders: count(),
  n: count(),
  p95Ms: maybeNumber(),
  standing: z.object({
    tool: z.string(),
    p95: z.nullable(positionSchema),
    failureRate: z.nullable(z.object({ position: z.number(), of: z.number(), timesMedian: maybeNumber() })),
    viewToDownload: z.nullable(positionSchema),
  }),
});
export type RankedTool = z.infer<typeof rankedToolSchema>;

/** The project's annotations in a range (PostHog REST, scope annotation:read): marks on the card's line. */
export const getAnnotationsRequest = z.object({ type: z.literal('annotations/get'), range: rangeSchema });
/** The project's group types (PostHog REST groups_types, scope group:read), for the options' segment picker. */
export const getGroupTypesRequest = z.object({ type: z.literal('groups/types') });

/**
 * Support: one person, across every tool, by an email, a distinct id, a session id or a job id (the
 * extension's own pages only: never a content script, so nothing typed for it is in a tool page).
 */
export const personLookupRequest = z.object({
  type: z.literal('person/lookup'),
  range: rangeSchema,
  by: lookupBySchema,
  value: z.string().check(z.trim(), z.minLength(1), z.maxLength(500)),
  /** Ask PostHog to run it now rather than answer from its cache ("Look again"). */
  refresh: z.optional(z.boolean()),
});
/**
 * The lookup page asks for what was chosen from the context menu in its window (held in the worker's
 * memory until taken, never stored): once, then it is gone.
 */
export const takeLookupRequest = z.object({ type: z.literal('lookup/take'), windowId: z.optional(z.int()) });

/**
 * The card asks for support's person lookup to open in an extension page (Chrome's side panel,
 * Firefox's sidebar, else a tab) for its tool and range: the lookup itself is never in a tool page.
 */
export const openLookupRequest = z.object({ type: z.literal('lookup/open'), tool: toolName(), range: rangeSchema });

/** Card placement and visibility, remembered per site (origin). */
export const cardPrefsSchema = z.object({
  corner: z.enum(['bottom-right', 'bottom-left', 'top-right', 'top-left']),
  hidden: z.boolean(),
});
export type CardPrefs = z.infer<typeof cardPrefsSchema>;
export const DEFAULT_CARD_PREFS: CardPrefs = { corner: 'bottom-right', hidden: false };
const origin = () => z.string().check(z.maxLength(300));
export const getCardPrefsRequest = z.object({ type: z.literal('card-prefs/get'), origin: origin() });
export const listDashboardsRequest = z.object({
  type: z.literal('dashboards/list'),
  /** Ask PostHog even when a cached list exists (the popup shows the cache first, then this). */
  refresh: z.optional(z.boolean()),
});
export const dashboardOpenedRequest = z.object({ type: z.literal('dashboards/opened'), id: z.int() });
export const getAlertsRequest = z.object({ type: z.literal('alerts/get'), check: z.optional(z.boolean()) });
export const connectionStatusRequest = z.object({ type: z.literal('connection/status') });
export const budgetStatusRequest = z.object({ type: z.literal('budget/status') });
/** Whether the browser's storage refused something Tool Lens needed to keep (full): the popup and options say so. */
export const storageStatusRequest = z.object({ type: z.literal('storage/status') });
export const getSiteConfigRequest = z.object({ type: z.literal('site/config'), origin: origin() });
export const refreshAutoMapRequest = z.object({ type: z.literal('auto-map/refresh') });
export const setCardPrefsRequest = z.object({ type: z.literal('card-prefs/set'), origin: origin(), prefs: cardPrefsSchema });

export const testConnectionRequest = z.object({ type: z.literal('connection/test') });
export const detectSchemaRequest = z.object({ type: z.literal('schema/detect') });
export const openOptionsRequest = z.object({ type: z.literal('options/open') });
/** The content script on a tool page asks the worker to inject the card script into its own frame. */
export const injectCardRequest = z.object({ type: z.literal('card/inject') });

/** First run: the projects a key can see, before anything is saved (the options page only). */
export const onboardingProjectsRequest = z.object({
  type: z.literal('onboarding/projects'),
  host: z.enum(['us', 'eu', 'custom']),
  customHost: z.string().check(z.maxLength(500)),
  apiKey: z.string().check(z.minLength(1), z.maxLength(200)),
});
/**
 * "Sign in with PostHog" on a host (the options page only, in the user's click): the worker runs the
 * OAuth flow, keeps the tokens, and answers with the projects the sign-in can see, as for a key.
 */
export const signInRequest = z.object({ type: z.literal('auth/sign-in'), host: z.enum(['us', 'eu', 'custom']), customHost: z.string().check(z.maxLength(500)) });
/** Forgets the sign-in's tokens (PostHog is asked to revoke them). */
export const signOutRequest = z.object({ type: z.literal('auth/sign-out') });
/** First run: the sites the saved project's own tool_viewed events happened on. */
export const onboardingSitesRequest = z.object({ type: z.literal('onboarding/sites') });

export const requestSchema = z.discriminatedUnion('type', [
  getToolMetricsRequest,
  getTriageRequest,
  personLookupRequest,
  takeLookupRequest,
  openLookupRequest,
  getRankingRequest,
  getAnnotationsRequest,
  getGroupTypesRequest,
  getCardPrefsRequest,
  setCardPrefsRequest,
  getSiteConfigRequest,
  refreshAutoMapRequest,
  listDashboardsRequest,
  dashboardOpenedRequest,
  getAlertsRequest,
  connectionStatusRequest,
  budgetStatusRequest,
  storageStatusRequest,
  testConnectionRequest,
  detectSchemaRequest,
  openOptionsRequest,
  injectCardRequest,
  onboardingProjectsRequest,
  onboardingSitesRequest,
  signInRequest,
  signOutRequest,
]);
export type Request = z.infer<typeof requestSchema>;

// Responses ------------------------------------------------------------------------------------

/**
 * PostHog is computing new figures as an async query (too long for a blocking request): since when,
 * its progress where it gives one, and when to ask again — each ask tells the worker a card still
 * wants them; when none asks for a while, the query is cancelled.
 */
export const computingSchema = z.object({
  since: z.number(),
  rowsRead: z.nullable(count()),
  rowsTotal: z.nullable(count()),
  askAgainInMs: z.number().check(z.minimum(100), z.maximum(60_000)),
});
export type Computing = z.infer<typeof computingSchema>;

export const toolMetricsResponse = z.discriminatedUnion('ok', [
  z.object({
    ok: z.literal(true),
    metrics: toolMetricsSchema,
    links: cardLinksSchema,
    /** Set when these figures are an older answer served because a refresh failed. */
    stale: z.optional(failureSchema),
    /** Set while new figures are being computed: these are the last ones. */
    computing: z.optional(computingSchema),
  }),
  z.object({ ok: z.literal(false), error: failureSchema, computing: z.optional(computingSchema) }),
]);
export const triageResponse = z.discriminatedUnion('ok', [
  z.object({ ok: z.literal(true), triage: triageSchema }),
  z.object({ ok: z.literal(false), error: failureSchema }),
]);
export type TriageResponse = z.infer<typeof triageResponse>;
export const personLookupResponse = z.discriminatedUnion('ok', [
  z.object({ ok: z.literal(true), lookup: personLookupSchema }),
  z.object({ ok: z.literal(false), error: failureSchema }),
]);
export type PersonLookupResponse = z.infer<typeof personLookupResponse>;
export const takeLookupResponse = z.object({ lookup: z.nullable(z.object({ value: z.string().check(z.maxLength(500)), by: lookupBySchema })) });
export type TakeLookupResponse = z.infer<typeof takeLookupResponse>;
export const rankingResponse = z.discriminatedUnion('ok', [
  z.object({ ok: z.literal(true), ranking: z.object({ range: rangeSchema, at: z.number(), tools: z.array(rankedToolSchema).check(z.maxLength(200)) }) }),
  z.object({ ok: z.literal(false), error: failureSchema }),
]);
export type RankingResponse = z.infer<typeof rankingResponse>;
export const annotationsResponse = z.discriminatedUnion('ok', [
  z.object({ ok: z.literal(true), annotations: z.array(z.object({ id: z.number(), content: z.string().check(z.maxLength(400)), at: z.number() })).check(z.maxLength(50)) }),
  z.object({ ok: z.literal(false), error: failureSchema }),
]);
export type AnnotationsResponse = z.infer<typeof annotationsResponse>;
export const groupTypesResponse = z.discriminatedUnion('ok', [
  z.object({ ok: z.literal(true), groupTypes: z.array(z.object({ index: z.number().check(z.int(), z.minimum(0), z.maximum(4)), name: z.string().check(z.maxLength(200)) })).check(z.maxLength(5)) }),
  z.object({ ok: z.literal(false), error: failureSchema }),
]);
export type GroupTypesResponse = z.infer<typeof groupTypesResponse>;
export const cardPrefsResponse = z.object({ prefs: cardPrefsSchema });
export const dashboardEntrySchema = z.object({ id: z.number(), name: z.string(), description: z.string(), pinned: z.boolean(), url: z.string(), recent: z.boolean() });
export type DashboardEntry = z.infer<typeof dashboardEntrySchema>;
export const dashboardsResponse = z.discriminatedUnion('ok', [
  z.object({ ok: z.literal(true), at: z.number(), fromCache: z.boolean(), dashboards: z.array(dashboardEntrySchema) }),
  z.object({ ok: z.literal(false), error: failureSchema }),
]);
export type DashboardsResponse = z.infer<typeof dashboardsResponse>;
export const alertsResponse = z.object({
  state: z.nullable(alertStateSchema),
  /** Per tool in trouble: its page on an enabled site (from auto-mapping) and its failures in PostHog. */
  links: z.record(z.string(), z.object({ page: z.nullable(z.string()), posthog: z.string() })),
});
export type AlertsResponse = z.infer<typeof alertsResponse>;
export const connectionStatusResponse = z.discriminatedUnion('ok', [
  z.object({
    ok: z.literal(true),
    user: z.string(),
    scopes: z.nullable(z.array(z.string())),
    missing: z.array(z.object({ scope: z.string(), for: z.string() })),
    /** How Tool Lens is connected: a pasted key, or a sign-in (then `scopes` are those PostHog granted). */
    via: z.optional(z.enum(['key', 'signIn'])),
  }),
  z.object({ ok: z.literal(false), error: failureSchema }),
]);
export type ConnectionStatusResponse = z.infer<typeof connectionStatusResponse>;

/** Port 'tool-usage-dashboard': the worker streams progress lines, then one result. */
export const DASHBOARD_PORT = 'tool-usage-dashboard';
export const dashboardProgressSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('progress'), text: z.string(), failed: z.boolean() }),
  z.object({ type: z.literal('done'), ok: z.boolean(), url: z.nullable(z.string()), created: z.boolean(), failed: count(), message: z.string() }),
]);
export type DashboardProgress = z.infer<typeof dashboardProgressSchema>;

export const siteConfigResponse = z.object({ config: z.nullable(siteConfigSchema) });
export const autoMapResponse = z.object({ ok: z.boolean(), paths: count() });
export type ToolMetricsResponse = z.infer<typeof toolMetricsResponse>;

export const connectionCheckSchema = z.object({
  step: z.enum(['settings', 'user', 'project', 'query']),
  ok: z.boolean(),
  detail: z.string(),
});
export const testConnectionResponse = z.object({
  ok: z.boolean(),
  checks: z.array(connectionCheckSchema),
});
export type TestConnectionResponse = z.infer<typeof testConnectionResponse>;

export const okResponse = z.object({ ok: z.boolean() });

export const detectSchemaResponse = z.discriminatedUnion('ok', [
  z.object({
    ok: z.literal(true),
    days: z.number(),
    /** For each property, the spellings the data uses (plain first), with counts. */
    properties: z.record(z.string(), z.object({ spellings: z.array(z.string()), plain: count(), dollar: count() })),
    events: z.record(z.string(), count()),
  }),
  z.object({ ok: z.literal(false), error: failureSchema }),
]);
export type DetectSchemaResponse = z.infer<typeof detectSchemaResponse>;

export const onboardingProjectsResponse = z.discriminatedUnion('ok', [
  z.object({
    ok: z.literal(true),
    user: z.string(),
    organizations: z.array(
      z.object({
        id: z.string(),
        name: z.string(),
        projects: z.array(z.object({ id: z.string(), name: z.string(), timezone: z.nullable(z.string()) })),
        /** Why its projects could not be listed, when they could not. */
        problem: z.nullable(z.string()),
      }),
    ),
  }),
  z.object({ ok: z.literal(false), error: failureSchema }),
]);
export type OnboardingProjectsResponse = z.infer<typeof onboardingProjectsResponse>;
export const onboardingSitesResponse = z.discriminatedUnion('ok', [
  z.object({ ok: z.literal(true), days: count(), sites: z.array(z.object({ origin: z.string(), views: count(), tools: count(), example: z.nullable(z.string()) })) }),
  z.object({ ok: z.literal(false), error: failureSchema }),
]);
export type OnboardingSitesResponse = z.infer<typeof onboardingSitesResponse>;

/** Maps each request type to the schema of its answer, so callers get typed, validated replies. */
export const responseSchemas = {
  'tool-metrics/get': toolMetricsResponse,
  'triage/get': triageResponse,
  'person/lookup': personLookupResponse,
  'lookup/take': takeLookupResponse,
  'lookup/open': z.object({ ok: z.boolean(), where: z.enum(['panel', 'tab', 'none']) }),
  'ranking/get': rankingResponse,
  'annotations/get': annotationsResponse,
  'groups/types': groupTypesResponse,
  'card-prefs/get': cardPrefsResponse,
  'card-prefs/set': cardPrefsResponse,
  'site/config': siteConfigResponse,
  'auto-map/refresh': autoMapResponse,
  'dashboards/list': dashboardsResponse,
  'dashboards/opened': okResponse,
  'alerts/get': alertsResponse,
  'connection/status': connectionStatusResponse,
  'budget/status': z.object({ summary: z.string(), available: z.number(), capacity: z.number(), refillPerHour: z.number() }),
  'storage/status': z.object({ problem: z.nullable(z.string().check(z.maxLength(1000))) }),
  'connection/test': testConnectionResponse,
  'schema/detect': detectSchemaResponse,
  'options/open': okResponse,
  'card/inject': okResponse,
  'onboarding/projects': onboardingProjectsResponse,
  'onboarding/sites': onboardingSitesResponse,
  'auth/sign-in': onboardingProjectsResponse,
  'auth/sign-out': okResponse,
} as const;

export type ResponseFor<T extends Request['type']> = z.infer<(typeof responseSchemas)[T]>;

// Messages to a tab's content script ------------------------------------------------------------
// From this extension only: the worker's keyboard command, and the popup asking what the page is.

export const toggleCardRequest = z.object({ type: z.literal('card/toggle') });
export const cardStatusRequest = z.object({ type: z.literal('card/status') });
export const tabRequestSchema = z.discriminatedUnion('type', [toggleCardRequest, cardStatusRequest]);
export type TabRequest = z.infer<typeof tabRequestSchema>;

/** What the page is, as its content script sees it: the tool (null on other pages) and whether the card is hidden. */
export const cardStatusResponse = z.object({ tool: z.nullable(z.string()), detail: z.nullable(z.string()), hidden: z.boolean() });
export type CardStatus = z.infer<typeof cardStatusResponse>;

export const tabResponseSchemas = {
  'card/toggle': okResponse,
  'card/status': cardStatusResponse,
} as const;
export type TabResponseFor<T extends TabRequest['type']> = z.infer<(typeof tabResponseSchemas)[T]>;

// Messages from the worker to the extension's own pages ---------------------------------------------

/** A lookup was chosen from the context menu: an open lookup page takes it (lookup/take). */
export const pageMessageSchema = z.discriminatedUnion('type', [z.object({ type: z.literal('lookup/pending') })]);
export type PageMessage = z.infer<typeof pageMessageSchema>;

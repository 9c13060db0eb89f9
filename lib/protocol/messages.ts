/**
 * The one message protocol between contexts: one entry per message in MESSAGES, with its request's
 * fields, the schema of its answer and who may send it. The request union, the map of answers and the
 * content scripts' allowlist are derived from the table, so a new message is one entry here and one
 * handler in lib/worker/worker.ts (the compiler asks for it). Every message is parsed on arrival;
 * anything else is rejected. What the messages carry (figures, people, failures) is lib/model/.
 */
// zod/mini: the same checks as zod, in a fraction of the bytes (this module ships in the content script).
import * as z from 'zod/mini';
import { siteConfigSchema } from '../matching/siteRegistration';
import { alertStateSchema } from '../model/alerts';
import { cardPrefsChangeSchema, cardPrefsSchema } from '../model/cardPrefs';
import { count } from '../model/checks';
import { failureSchema } from '../model/failure';
import { cardLinksSchema, changeTestsSchema, computingSchema, rangeSchema, toolMetricsSchema, triageSchema } from '../model/figures';
import { lookupBySchema, personLookupSchema } from '../model/person';
import { dashboardEntrySchema, rankedToolSchema } from '../model/project';

// Answers ----------------------------------------------------------------------------------------

const toolFiguresOk = z.object({
  ok: z.literal(true),
  metrics: toolMetricsSchema,
  links: cardLinksSchema,
  /** Set when these figures are an older answer served because a refresh failed. */
  stale: z.optional(failureSchema),
  /** Set while new figures are being computed: these are the last ones. */
  computing: z.optional(computingSchema),
});
const toolFiguresFailed = z.object({ ok: z.literal(false), error: failureSchema, computing: z.optional(computingSchema) });
/** A tool's figures as the worker's services keep and cache them (lib/card/cardService.ts). */
export const toolFiguresAnswer = z.discriminatedUnion('ok', [toolFiguresOk, toolFiguresFailed]);
export type ToolFiguresAnswer = z.infer<typeof toolFiguresAnswer>;
/** The answer to `tool-metrics/get`: the figures with their tests of change, run by the worker (lib/card/compare.ts withChangeTests). */
export const toolMetricsResponse = z.discriminatedUnion('ok', [z.extend(toolFiguresOk, { changes: changeTestsSchema }), toolFiguresFailed]);
export const triageResponse = z.discriminatedUnion('ok', [
  z.object({ ok: z.literal(true), triage: triageSchema }),
  z.object({ ok: z.literal(false), error: failureSchema }),
]);
export const personLookupResponse = z.discriminatedUnion('ok', [
  z.object({ ok: z.literal(true), lookup: personLookupSchema }),
  z.object({ ok: z.literal(false), error: failureSchema }),
]);
export const takeLookupResponse = z.object({ lookup: z.nullable(z.object({ value: z.string().check(z.maxLength(500)), by: lookupBySchema })) });
export const rankingResponse = z.discriminatedUnion('ok', [
  z.object({ ok: z.literal(true), ranking: z.object({ range: rangeSchema, at: z.number(), tools: z.array(rankedToolSchema).check(z.maxLength(200)) }) }),
  z.object({ ok: z.literal(false), error: failureSchema }),
]);
export const annotationsResponse = z.discriminatedUnion('ok', [
  z.object({
    ok: z.literal(true),
    annotations: z.array(z.object({ id: z.number(), content: z.string().check(z.maxLength(400)), at: z.number() })).check(z.maxLength(50)),
  }),
  z.object({ ok: z.literal(false), error: failureSchema }),
]);
export const groupTypesResponse = z.discriminatedUnion('ok', [
  z.object({
    ok: z.literal(true),
    groupTypes: z
      .array(z.object({ index: z.number().check(z.int(), z.minimum(0), z.maximum(4)), name: z.string().check(z.maxLength(200)) }))
      .check(z.maxLength(5)),
  }),
  z.object({ ok: z.literal(false), error: failureSchema }),
]);
export const cardPrefsResponse = z.object({ prefs: cardPrefsSchema });
export const dashboardsResponse = z.discriminatedUnion('ok', [
  z.object({ ok: z.literal(true), at: z.number(), fromCache: z.boolean(), dashboards: z.array(dashboardEntrySchema) }),
  z.object({ ok: z.literal(false), error: failureSchema }),
]);
export const alertsResponse = z.object({
  state: z.nullable(alertStateSchema),
  /** Per tool in trouble: its page on an enabled site (from auto-mapping) and its failures in PostHog. */
  links: z.record(z.string(), z.object({ page: z.nullable(z.string()), posthog: z.string() })),
});
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

/** Port 'tool-usage-dashboard': the worker streams progress lines, then one result. */
export const DASHBOARD_PORT = 'tool-usage-dashboard';
export const dashboardProgressSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('progress'), text: z.string(), failed: z.boolean() }),
  z.object({ type: z.literal('done'), ok: z.boolean(), url: z.nullable(z.string()), created: z.boolean(), failed: count(), message: z.string() }),
]);
export type DashboardProgress = z.infer<typeof dashboardProgressSchema>;

export const siteConfigResponse = z.object({ config: z.nullable(siteConfigSchema) });
export const autoMapResponse = z.object({ ok: z.boolean(), paths: count() });

export const connectionCheckSchema = z.object({
  step: z.enum(['settings', 'user', 'project', 'query']),
  ok: z.boolean(),
  detail: z.string(),
});
export const testConnectionResponse = z.object({
  ok: z.boolean(),
  checks: z.array(connectionCheckSchema),
});

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
export const onboardingSitesResponse = z.discriminatedUnion('ok', [
  z.object({
    ok: z.literal(true),
    days: count(),
    sites: z.array(z.object({ origin: z.string(), views: count(), tools: count(), example: z.nullable(z.string()) })),
  }),
  z.object({ ok: z.literal(false), error: failureSchema }),
]);

// Requests: the table -----------------------------------------------------------------------------

const toolName = () => z.string().check(z.minLength(1), z.maxLength(200));
const origin = () => z.string().check(z.maxLength(300));
const hostChoice = () => z.enum(['us', 'eu', 'custom']);

/**
 * Who may send a request. A content script runs in a web page, so it may ask only for what its card
 * needs, about its own page's origin (lib/protocol/messaging.ts checks both): never the person
 * lookup (what support types stays out of the page), the key's scopes, the project's dashboards,
 * alerts or connection tests.
 */
type Sender = 'content script' | 'extension pages';
const message = <Fields extends z.core.$ZodLooseShape, Answer extends z.ZodMiniType>(from: Sender, request: Fields, response: Answer) => ({
  from,
  request,
  response,
});

export const MESSAGES = {
  'tool-metrics/get': message(
    'content script',
    {
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
      origin: z.optional(origin()),
    },
    toolMetricsResponse,
  ),
  'triage/get': message('content script', { tool: toolName(), range: rangeSchema }, triageResponse),
  /** Every tool's figures and standing for a range (lib/project/ranking.ts): for the card's "where it stands" and the popup. */
  'ranking/get': message('content script', { range: rangeSchema }, rankingResponse),
  /** The project's annotations in a range (PostHog REST, scope annotation:read): marks on the card's line. */
  'annotations/get': message('content script', { range: rangeSchema }, annotationsResponse),
  /**
   * The card asks for support's person lookup to open in an extension page (Chrome's side panel,
   * Firefox's sidebar, else a tab) for its tool and range: the lookup itself is never in a tool page.
   */
  'lookup/open': message('content script', { tool: toolName(), range: rangeSchema }, z.object({ ok: z.boolean(), where: z.enum(['panel', 'tab', 'none']) })),
  /** Card placement and visibility, remembered per site (origin). */
  'card-prefs/get': message('content script', { origin: origin() }, cardPrefsResponse),
  /** The fields one change of the card sets; the worker merges them into the site's stored prefs and answers those. */
  'card-prefs/set': message('content script', { origin: origin(), change: cardPrefsChangeSchema }, cardPrefsResponse),
  'site/config': message('content script', { origin: origin() }, siteConfigResponse),
  /**
   * The watcher (entrypoints/watcher.ts), on a page whose URL cannot name a tool, asks for the matcher in
   * its own frame: the page carries the tool marker, or it navigated in place.
   */
  'matcher/inject': message('content script', {}, okResponse),
  /** The content script on a tool page asks the worker to inject the card script into its own frame. */
  'card/inject': message('content script', {}, okResponse),
  'options/open': message('content script', {}, okResponse),

  /**
   * Support: one person, across every tool, by an email, a distinct id, a session id or a job id (the
   * extension's own pages only, so nothing typed for it is in a tool page).
   */
  'person/lookup': message(
    'extension pages',
    {
      range: rangeSchema,
      by: lookupBySchema,
      value: z.string().check(z.trim(), z.minLength(1), z.maxLength(500)),
      /** Ask PostHog to run it now rather than answer from its cache ("Look again"). */
      refresh: z.optional(z.boolean()),
    },
    personLookupResponse,
  ),
  /**
   * The lookup page asks for what was chosen from the context menu in its window (held in the worker's
   * memory until taken, never stored): once, then it is gone.
   */
  'lookup/take': message('extension pages', { windowId: z.optional(z.int()) }, takeLookupResponse),
  /** The project's group types (PostHog REST groups_types, scope group:read), for the options' segment picker. */
  'groups/types': message('extension pages', {}, groupTypesResponse),
  'auto-map/refresh': message('extension pages', {}, autoMapResponse),
  /** Ask PostHog even when a cached list exists (the popup shows the cache first, then this). */
  'dashboards/list': message('extension pages', { refresh: z.optional(z.boolean()) }, dashboardsResponse),
  'dashboards/opened': message('extension pages', { id: z.int() }, okResponse),
  'alerts/get': message('extension pages', { check: z.optional(z.boolean()) }, alertsResponse),
  'connection/status': message('extension pages', {}, connectionStatusResponse),
  'budget/status': message('extension pages', {}, z.object({ summary: z.string(), available: z.number(), capacity: z.number(), refillPerHour: z.number() })),
  /** Whether the browser's storage refused something Tool Lens needed to keep (full): the popup and options say so. */
  'storage/status': message('extension pages', {}, z.object({ problem: z.nullable(z.string().check(z.maxLength(1000))) })),
  'connection/test': message('extension pages', {}, testConnectionResponse),
  'schema/detect': message('extension pages', {}, detectSchemaResponse),
  /** First run: the projects a key can see, before anything is saved (the options page only). */
  'onboarding/projects': message(
    'extension pages',
    { host: hostChoice(), customHost: z.string().check(z.maxLength(500)), apiKey: z.string().check(z.minLength(1), z.maxLength(200)) },
    onboardingProjectsResponse,
  ),
  /** First run: the sites the saved project's own tool_viewed events happened on. */
  'onboarding/sites': message('extension pages', {}, onboardingSitesResponse),
  /**
   * "Sign in with PostHog" on a host (the options page only, in the user's click): the worker runs the
   * OAuth flow, keeps the tokens, and answers with the projects the sign-in can see, as for a key.
   */
  'auth/sign-in': message('extension pages', { host: hostChoice(), customHost: z.string().check(z.maxLength(500)) }, onboardingProjectsResponse),
  /** Forgets the sign-in's tokens (PostHog is asked to revoke them). */
  'auth/sign-out': message('extension pages', {}, okResponse),
};

// Derived from the table ------------------------------------------------------------------------

type Table = typeof MESSAGES;
export type RequestType = keyof Table;
type FieldsOf<T extends RequestType> = Table[T]['request'] extends infer S extends z.core.$ZodShape ? S : never;
type FieldValues<T extends RequestType> = keyof FieldsOf<T> extends never ? unknown : z.infer<z.ZodMiniObject<FieldsOf<T>>>;
export type Request = { [T in RequestType]: { type: T } & FieldValues<T> }[RequestType];
export type ResponseFor<T extends RequestType> = z.infer<Table[T]['response']>;

const entries = Object.entries(MESSAGES) as Array<[RequestType, Table[RequestType]]>;
/** Every request, told apart by its `type`. */
export const requestSchema = z.discriminatedUnion(
  'type',
  entries.map(([type, m]) => z.object({ type: z.literal(type), ...m.request })) as unknown as [z.ZodMiniObject, ...z.ZodMiniObject[]],
) as unknown as z.ZodMiniType<Request>;
/** The schema of each request's answer, so callers get typed, validated replies. */
export const responseSchemas = Object.fromEntries(entries.map(([type, m]) => [type, m.response])) as { [T in RequestType]: Table[T]['response'] };
/** What a content script may ask for (the table's `from`). */
export const CONTENT_SCRIPT_REQUESTS: ReadonlySet<RequestType> = new Set(entries.filter(([, m]) => m.from === 'content script').map(([type]) => type));

export type ToolMetricsResponse = ResponseFor<'tool-metrics/get'>;
export type TriageResponse = ResponseFor<'triage/get'>;
export type PersonLookupResponse = ResponseFor<'person/lookup'>;
export type TakeLookupResponse = ResponseFor<'lookup/take'>;
export type RankingResponse = ResponseFor<'ranking/get'>;
export type AnnotationsResponse = ResponseFor<'annotations/get'>;
export type GroupTypesResponse = ResponseFor<'groups/types'>;
export type DashboardsResponse = ResponseFor<'dashboards/list'>;
export type AlertsResponse = ResponseFor<'alerts/get'>;
export type ConnectionStatusResponse = ResponseFor<'connection/status'>;
export type TestConnectionResponse = ResponseFor<'connection/test'>;
export type DetectSchemaResponse = ResponseFor<'schema/detect'>;
export type OnboardingProjectsResponse = ResponseFor<'onboarding/projects'>;
export type OnboardingSitesResponse = ResponseFor<'onboarding/sites'>;

// Messages to a tab's content script ------------------------------------------------------------
// From this extension only: the worker's keyboard command, and the popup asking what the page is.

/** What the page is, as its content script sees it: the tool (null on other pages) and whether the card is hidden. */
export const cardStatusResponse = z.object({ tool: z.nullable(z.string()), detail: z.nullable(z.string()), hidden: z.boolean() });
export type CardStatus = z.infer<typeof cardStatusResponse>;

export const TAB_MESSAGES = {
  'card/toggle': okResponse,
  'card/status': cardStatusResponse,
};
type TabTable = typeof TAB_MESSAGES;
export type TabRequest = { [T in keyof TabTable]: { type: T } }[keyof TabTable];
export const tabRequestSchema = z.discriminatedUnion(
  'type',
  Object.keys(TAB_MESSAGES).map((type) => z.object({ type: z.literal(type) })) as unknown as [z.ZodMiniObject, ...z.ZodMiniObject[]],
) as unknown as z.ZodMiniType<TabRequest>;
export const tabResponseSchemas: { [T in keyof TabTable]: TabTable[T] } = TAB_MESSAGES;
export type TabResponseFor<T extends TabRequest['type']> = z.infer<TabTable[T]>;

// Messages from the worker to the extension's own pages ---------------------------------------------

/** A lookup was chosen from the context menu: an open lookup page takes it (lookup/take). */
export const pageMessageSchema = z.discriminatedUnion('type', [z.object({ type: z.literal('lookup/pending') })]);
export type PageMessage = z.infer<typeof pageMessageSchema>;

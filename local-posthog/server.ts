/**
 * A PostHog-compatible local server: capture endpoints, posthog-js start-up endpoints, and the
 * parts of the REST API Tool Lens uses (users/@me, projects, HogQL query, dashboards, insights), on
 * embedded ClickHouse. It holds queries to what real PostHog accepts and answers them as it does:
 * PostHog's function table, property types from property definitions, the project's time zone, the
 * query cache and refresh modes, rate limits, key scopes, and PostHog's error bodies and statuses.
 * What it does not emulate is listed in local-posthog/README.md.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CaptureError, decodeCaptureBody, normalizeCapturePayload } from './capture.js';
import { HogQLError } from './hogql/index.js';
import { generateSeedEvents } from './seed.js';
import { seedInClickHouse } from './bulkSeed.js';
import { ApiError, ApiResponse, DashboardApi } from './dashboards.js';
import { AnnotationApi } from './annotations.js';
import { EventStore } from './store.js';
import { faultFromJson, Faults } from './faults.js';
import { LOCAL_MEMORY_LIMIT_BYTES, POSTHOG_LIMITS, RateThrottle, throttledError, type Limits } from './limits.js';
import { QueryCache, STALE_AFTER_MS } from './queryCache.js';
import { QueryApi, type QuerySlowdown } from './queryApi.js';
import { limitOffsetPage } from './pagination.js';
import { OAUTH_PATHS, OAuthServer, type OAuthAnswer } from './oauth.js';

export interface ProjectOptions {
  id: number;
  name?: string;
  /** Team.timezone (default UTC): HogQL reads timestamps in it. */
  timezone?: string;
  /** The project API key (phc_…) capture takes. */
  apiToken?: string;
  /** Team.week_start_day: 0 Sunday, 1 Monday. */
  weekStartDay?: 0 | 1;
  /** The organisation it belongs to (StartOptions.organizations); the default one when unset. */
  organizationId?: string;
}

export interface OrganizationOptions {
  id: string;
  name: string;
}

export interface KeyOptions {
  key: string;
  /** An OAuth access token (oauth.ts), not a personal API key: with no scopes it may read nothing. */
  oauth?: boolean;
  label?: string;
  /** PostHog scopes such as "query:read" (a ":write" scope also grants ":read"); ["*"]: everything. */
  scopes?: string[];
  /** Projects the key is limited to (null: all). */
  scopedTeams?: number[] | null;
}

export interface Project {
  id: number;
  name: string;
  timezone: string;
  apiToken: string;
  weekStartDay: 0 | 1;
  organizationId: string;
}

export interface LocalPostHog {
  url: string;
  apiKey: string;
  projectApiKey: string;
  projectId: number;
  projects: Project[];
  query(sql: string): Promise<unknown[]>;
  /** Fault injection and request counts (see faults.ts). */
  faults: Faults;
  /** The limits in force; `setLimits` changes them for the requests that follow (tests). */
  limits(): Limits;
  setLimits(limits: Partial<Limits>): void;
  /** Forgets cached query answers, async queries, slowdowns and the rate limits' history. */
  resetQueryState(): void;
  /** Tests: ClickHouse takes `extraMs` longer on the next matching queries, counted against every time ceiling. */
  slowDownQueries(slowdown: QuerySlowdown): void;
  /** Materializes event properties as PostHog does for hot ones (a `mat_*` column each; the printer reads it). */
  materialize(properties: string[]): Promise<void>;
  /** Drops materialized properties again (the same data with and without, for the bench). */
  dematerialize(properties: string[]): Promise<void>;
  close(): Promise<void>;
}

export interface StartOptions {
  port?: number;
  host?: string;
  dataDir?: string;
  /** The default personal API key (default: a random one per start), and its scopes (default: all). */
  apiKey?: string;
  keyScopes?: string[];
  /** More personal API keys, with their own scopes and projects. */
  apiKeys?: KeyOptions[];
  /** The default project's API key (capture), and its time zone. */
  projectApiKey?: string;
  timezone?: string;
  /** More projects beside the default one (id 1), in the default organisation unless they name another. */
  projects?: ProjectOptions[];
  /** More organisations the user belongs to, beside the default one (the user's current organisation). */
  organizations?: OrganizationOptions[];
  /**
   * Seed events; `inClickHouse`: drawn inside ClickHouse (bulkSeed.ts: the same distributions, for
   * millions of events), rather than by the JS generator (seed.ts) the tests' exact figures use.
   */
  seed?: { seed: number; days: number; events: number; now?: Date; inClickHouse?: boolean } | false;
  /** PostHog's limits by default (limits.ts); tests loosen or tighten them. */
  limits?: Partial<Limits>;
  /** How long a query without `refresh` is answered from the cache (PostHog: 5 minutes). */
  cacheStaleAfterMs?: number;
  /** Event properties to materialize (`mat_*` columns, as PostHog materializes hot properties). */
  materialized?: string[];
  /** Web origins besides this machine's pages and the extensions that may call it from a browser (e.g. a dev site on the LAN). */
  corsOrigins?: string[];
  /** Host names besides this machine's that requests may be addressed to (when it listens on a LAN address). */
  allowedHosts?: string[];
}

const DEFAULT_PROJECT_ID = 1;
const ORG_ID = '01900000-0000-0000-0000-000000000001';
const USER_UUID = '01900000-0000-0000-0000-0000000000a1';
const MAX_BODY = 25 * 1024 * 1024;
const CAPTURE_PATHS = new Set(['/e', '/batch', '/i/v0/e', '/capture', '/track', '/engage', '/s']);

/** An answer in PostHog's DRF error shape; the dashboards API throws the same class. */
const HttpError = ApiError;

const notFound = () => new HttpError(404, 'invalid_request', 'not_found', 'Not found.');

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) {
        reject(new HttpError(413, 'validation_error', 'payload_too_large', 'Request body is too large.'));
        req.destroy();
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/**
 * The origin a request's CORS headers name, decided once per request by the server's origin policy
 * (startLocalPostHog: allowedOrigin); absent: no CORS headers at all.
 */
const corsOrigin = new WeakMap<IncomingMessage, string>();

function corsHeaders(req: IncomingMessage): Record<string, string> {
  const origin = corsOrigin.get(req);
  if (!origin) return {};
  const requested = req.headers['access-control-request-headers'];
  const allowHeaders = ['authorization', 'content-type', 'content-encoding', 'x-requested-with'];
  if (typeof requested === 'string') for (const h of requested.split(',')) if (h.trim()) allowHeaders.push(h.trim().toLowerCase());
  // No Allow-Credentials (nothing here reads cookies: keys travel in Authorization) and no
  // Allow-Private-Network: a public website must not reach this loopback server.
  return {
    'Access-Control-Allow-Origin': origin,
    'Access-Control-Allow-Methods': 'GET, POST, PUT, PATCH, DELETE, OPTIONS',
    'Access-Control-Allow-Headers': [...new Set(allowHeaders)].join(', '),
    'Access-Control-Max-Age': '600',
    Vary: 'Origin',
  };
}

const LOOPBACK_NAMES = new Set(['localhost', '127.0.0.1', '[::1]', '::1']);
const EXTENSION_ORIGIN = /^(chrome|moz)-extension:\/\/[A-Za-z0-9-]+$/;
/** posthog-js on a page: capture and its start-up calls, which a local dev page may make. */
const isIngestion = (path: string) => CAPTURE_PATHS.has(path) || path === '/decide' || path === '/flags' || path.startsWith('/array/');

function send(res: ServerResponse, req: IncomingMessage, status: number, body: unknown, contentType = 'application/json'): void {
  const payload = typeof body === 'string' ? body : JSON.stringify(body);
  res.writeHead(status, { ...corsHeaders(req), 'Content-Type': contentType, 'Content-Length': Buffer.byteLength(payload) });
  res.end(payload);
}

function sendOAuth(res: ServerResponse, req: IncomingMessage, answer: OAuthAnswer): void {
  if (answer.kind === 'redirect') {
    res.writeHead(302, { Location: answer.location, 'Content-Length': 0, 'Cache-Control': 'no-store' });
    res.end();
  } else if (answer.kind === 'html') {
    // The consent screen is PostHog's own page: it must not be framed by another site.
    res.writeHead(answer.status, {
      'Content-Type': 'text/html; charset=utf-8',
      'Content-Length': Buffer.byteLength(answer.body),
      'X-Frame-Options': 'DENY',
      'Content-Security-Policy': "default-src 'none'; frame-ancestors 'none'",
    });
    res.end(answer.body);
  } else {
    const payload = JSON.stringify(answer.body);
    res.writeHead(answer.status, { ...corsHeaders(req), 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(payload), ...answer.headers });
    res.end(payload);
  }
}

/** The token and consent endpoints take a form, or JSON "for convenience" (OAuthTokenView). */
function oauthForm(raw: string, contentType: string | undefined): URLSearchParams | null {
  if (!contentType?.includes('application/json')) return new URLSearchParams(raw);
  try {
    const parsed = JSON.parse(raw) as unknown;
    if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) return null;
    const entries = Object.entries(parsed as Record<string, unknown>);
    if (entries.some(([, v]) => typeof v !== 'string')) return null;
    return new URLSearchParams(entries as Array<[string, string]>);
  } catch {
    return null;
  }
}

function sendError(res: ServerResponse, req: IncomingMessage, e: { status: number; type: string; code: string; message: string; attr: string | null }): void {
  send(res, req, e.status, { type: e.type, code: e.code, detail: e.message, attr: e.attr });
}

/** The scope object PostHog checks for each API route (the viewsets' `scope_object`), or null when none is checked. */
function scopeObjectOf(segments: string[]): string | null {
  const [first, , third] = segments;
  if (first === 'users') return 'user';
  if (first === 'organizations') return third === 'projects' ? 'project' : 'organization';
  if (first === 'personal_api_keys') return null; // a key may read itself (PersonalApiKeySelfAccessPermission)
  if (first === 'projects' || first === 'environments') {
    if (third === undefined) return 'project';
    if (third === 'query') return 'query';
    if (third === 'dashboards') return 'dashboard';
    if (third === 'insights') return 'insight';
    if (third === 'annotations') return 'annotation';
    if (third === 'groups_types') return 'group';
  }
  return null;
}

export async function startLocalPostHog(opts: StartOptions = {}): Promise<LocalPostHog> {
  // A key published in the repository would let any page or process on this machine use every scope.
  const apiKey = opts.apiKey ?? `phx_${randomBytes(24).toString('hex')}`;
  const host = opts.host ?? '127.0.0.1';
  const createdAt = new Date().toISOString();

  const projects: Project[] = [
    {
      id: DEFAULT_PROJECT_ID,
      name: 'Tool Lens (local)',
      timezone: opts.timezone ?? 'UTC',
      apiToken: opts.projectApiKey ?? 'phc_tool_lens_local',
      weekStartDay: 1,
      organizationId: ORG_ID,
    },
    ...(opts.projects ?? []).map((p) => ({
      id: p.id,
      name: p.name ?? `Project ${p.id}`,
      timezone: p.timezone ?? 'UTC',
      apiToken: p.apiToken ?? `phc_tool_lens_local_${p.id}`,
      weekStartDay: p.weekStartDay ?? 1,
      organizationId: p.organizationId ?? ORG_ID,
    })),
  ];
  const organizations: OrganizationOptions[] = [{ id: ORG_ID, name: 'Tool Lens (local)' }, ...(opts.organizations ?? [])];
  for (const p of projects)
    if (!organizations.some((o) => o.id === p.organizationId)) throw new Error(`Project ${p.id}: unknown organization ${p.organizationId}`);
  for (const p of projects) {
    // An unknown zone would fail every query; PostHog refuses it the same way (test_print_timezone_gibberish).
    try {
      new Intl.DateTimeFormat('en-US', { timeZone: p.timezone });
    } catch {
      throw new Error(`Unknown timezone: '${p.timezone}'`);
    }
  }
  const projectById = new Map(projects.map((p) => [p.id, p]));
  const projectByToken = new Map(projects.map((p) => [p.apiToken, p]));
  const keys = new Map<string, KeyOptions>([
    [apiKey, { key: apiKey, label: 'Tool Lens local demo key', scopes: opts.keyScopes ?? ['*'], scopedTeams: null }],
    ...(opts.apiKeys ?? []).map((k) => [k.key, k] as const),
  ]);

  // PostHog's limits, and a memory limit for this machine: chdb runs inside this process.
  let limits: Limits = { ...POSTHOG_LIMITS, maxMemoryBytes: LOCAL_MEMORY_LIMIT_BYTES, ...opts.limits };
  const queryThrottle = new RateThrottle(() => limits.queriesPerHour, 3_600_000);
  const burstThrottle = new RateThrottle(() => limits.requestsPerMinute, 60_000);
  const sustainedThrottle = new RateThrottle(() => limits.requestsPerHour, 3_600_000);
  const queryCache = new QueryCache(opts.cacheStaleAfterMs ?? STALE_AFTER_MS);
  const pollBurstThrottle = new RateThrottle(() => limits.pollsPerMinute, 60_000);
  const pollSustainedThrottle = new RateThrottle(() => limits.pollsPerHour, 3_600_000);

  const store = await EventStore.open(opts.dataDir);
  const queries = new QueryApi({ store, cache: queryCache, limits: () => limits });
  if (opts.materialized?.length) await store.materialize(opts.materialized);
  if (opts.seed) {
    try {
      if (opts.seed.inClickHouse) await seedInClickHouse(store, opts.seed);
      else await store.insert(generateSeedEvents(opts.seed), 50_000);
    } catch (e) {
      store.close();
      throw e;
    }
  }

  let baseUrl = '';

  /** TeamBasicSerializer / ProjectBackwardCompatBasicSerializer (posthog/api/shared.py): a project in a list or in @me. */
  const teamBasicJson = (p: Project) => ({
    id: p.id,
    uuid: `01900000-0000-0000-0000-${String(p.id).padStart(12, '0')}`,
    organization: p.organizationId,
    project_id: p.id,
    api_token: p.apiToken,
    name: p.name,
    completed_snippet_onboarding: true,
    has_completed_onboarding_for: {},
    ingested_event: true,
    is_demo: false,
    timezone: p.timezone,
    access_control: false,
  });
  /** OrganizationBasicSerializer (posthog/api/shared.py): no projects in it. */
  const organizationBasicJson = (o: OrganizationOptions) => ({
    id: o.id,
    name: o.name,
    slug: o.name
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-|-$/g, ''),
    logo_media_id: null,
    membership_level: 15,
    members_can_use_personal_api_keys: true,
    is_active: true,
    is_not_active_reason: null,
    is_pending_deletion: false,
  });

  const projectJson = (p: Project) => ({
    id: p.id,
    uuid: `01900000-0000-0000-0000-${String(p.id).padStart(12, '0')}`,
    organization: p.organizationId,
    api_token: p.apiToken,
    name: p.name,
    project_id: p.id,
    created_at: createdAt,
    updated_at: createdAt,
    timezone: p.timezone,
    week_start_day: p.weekStartDay,
    is_demo: false,
    completed_snippet_onboarding: true,
    ingested_event: true,
    access_control: false,
    app_urls: [],
    anonymize_ips: false,
    autocapture_opt_out: true,
    session_recording_opt_in: false,
    effective_membership_level: 15,
    has_group_types: false,
    live_events_token: null,
    test_account_filters: [],
    test_account_filters_default_checked: false,
    path_cleaning_filters: [],
    data_attributes: ['data-attr'],
    person_display_name_properties: ['email', 'name'],
    primary_dashboard: null,
    default_modifiers: {},
    modifiers: {},
  });

  const defaultProject = projects[0]!;
  const user = () => ({
    id: 1,
    uuid: USER_UUID,
    distinct_id: 'local-user-1',
    first_name: 'Local',
    last_name: 'Developer',
    email: 'dev@tool-lens.local',
    pending_email: null,
    is_email_verified: true,
    date_joined: createdAt,
    is_staff: false,
    has_password: true,
    is_2fa_enabled: false,
    // The current team and organisation in full; of the others only their names (posthog/api/user.py).
    team: teamBasicJson(defaultProject),
    organization: {
      ...organizationBasicJson(organizations[0]!),
      created_at: createdAt,
      updated_at: createdAt,
      plugins_access_level: 0,
      teams: projects.filter((p) => p.organizationId === ORG_ID).map(teamBasicJson),
      projects: projects.filter((p) => p.organizationId === ORG_ID).map((p) => ({ id: p.id, organization_id: p.organizationId, name: p.name })),
      available_product_features: [],
      is_member_join_email_enabled: false,
    },
    organizations: organizations.map(organizationBasicJson),
  });

  const flagsResponse = () => ({
    config: { enable_collect_everything: true },
    toolbarParams: {},
    isAuthenticated: false,
    supportedCompression: ['gzip', 'gzip-js'],
    featureFlags: {},
    featureFlagPayloads: {},
    flags: {},
    errorsWhileComputingFlags: false,
    quotaLimited: [],
    requestId: randomUUID(),
    sessionRecording: false,
    capturePerformance: false,
    autocapture_opt_out: true,
    autocaptureExceptions: false,
    captureDeadClicks: false,
    heatmaps: false,
    surveys: false,
    siteApps: [],
    analytics: { endpoint: '/i/v0/e/' },
    elementsChainAsString: true,
    defaultIdentifiedOnly: true,
    hasFeatureFlags: false,
  });

  const remoteConfig = (token: string) => ({
    token,
    supportedCompression: ['gzip', 'gzip-js'],
    hasFeatureFlags: false,
    captureDeadClicks: false,
    capturePerformance: false,
    autocapture_opt_out: true,
    autocaptureExceptions: false,
    analytics: { endpoint: '/i/v0/e/' },
    elementsChainAsString: true,
    sessionRecording: false,
    heatmaps: false,
    surveys: false,
    defaultIdentifiedOnly: true,
    siteApps: [],
  });

  const faults = new Faults();
  const dashboardApis = new Map(projects.map((p) => [p.id, new DashboardApi({ projectId: p.id, baseUrl: () => baseUrl, user })]));
  dashboardApis.get(DEFAULT_PROJECT_ID)!.seed();
  // UserBasicSerializer's part of the user, as created_by.
  const userBasic = () => {
    const u = user();
    return { id: u.id, uuid: u.uuid, distinct_id: u.distinct_id, first_name: u.first_name, last_name: u.last_name, email: u.email };
  };
  const annotationApis = new Map(projects.map((p) => [p.id, new AnnotationApi(userBasic)]));
  annotationApis.get(DEFAULT_PROJECT_ID)!.seed();

  const oauth = new OAuthServer({ baseUrl: () => baseUrl, projects: () => projects.map((p) => ({ id: p.id, name: p.name })) });

  /**
   * posthog/auth.py: OAuthAccessTokenAuthentication first (`Bearer pha_…`; an unknown one falls through),
   * then PersonalAPIKeyAuthentication: the Authorization header, else the body, else the query string.
   * `personalKeysOnly`: views that list only PersonalAPIKeyAuthentication (personal_api_key.py).
   */
  function authenticate(req: IncomingMessage, url: URL, body: Record<string, unknown> | null, personalKeysOnly = false): KeyOptions {
    let key: string | null = null;
    let source = '';
    const auth = req.headers.authorization;
    const m = typeof auth === 'string' ? /^Bearer\s+(\S.+)$/.exec(auth) : null;
    if (m && m[1]) {
      key = m[1].trim();
      source = 'Authorization header';
    } else if (body && typeof body.personal_api_key === 'string') {
      key = body.personal_api_key;
      source = 'body';
    } else if (url.searchParams.get('personal_api_key')) {
      key = url.searchParams.get('personal_api_key');
      source = 'query string';
    }
    if (!key) throw new HttpError(401, 'authentication_error', 'not_authenticated', 'Authentication credentials were not provided.');
    if (source === 'Authorization header' && key.startsWith('pha_') && !personalKeysOnly) {
      const access = oauth.accessToken(key);
      if (access === 'expired') throw new HttpError(401, 'authentication_error', 'authentication_failed', 'Access token has expired.');
      if (access)
        return {
          key: access.token,
          label: 'OAuth access token',
          scopes: access.scopes,
          scopedTeams: access.scopedTeams.length ? access.scopedTeams : null,
          oauth: true,
        };
    }
    const found = keys.get(key);
    if (!found) throw new HttpError(401, 'authentication_error', 'authentication_failed', `Personal API key found in request ${source} is invalid.`);
    return found;
  }

  /** posthog/permissions.py APIScopePermission: the project first (even for "*" keys), then the scope. */
  function authorize(key: KeyOptions, segments: string[], method: string, project: Project | null): void {
    if (project && key.scopedTeams && !key.scopedTeams.includes(project.id)) {
      throw new HttpError(403, 'authentication_error', 'permission_denied', `API key does not have access to the requested project: ID ${project.id}.`);
    }
    const object = scopeObjectOf(segments);
    const scopes = key.scopes ?? ['*'];
    if (object && key.oauth && !scopes.length)
      throw new HttpError(403, 'authentication_error', 'permission_denied', 'OAuth token has no scopes and cannot access this resource');
    if (!object || !scopes.length || scopes.includes('*')) return;
    // Every /query action is a read (posthog/api/query.py); elsewhere GET reads and the rest writes.
    const action = object === 'query' || method === 'GET' ? 'read' : 'write';
    const required = `${object}:${action}`;
    const valid = action === 'read' ? [required, `${object}:write`] : [required];
    if (!valid.some((s) => scopes.includes(s)))
      throw new HttpError(403, 'authentication_error', 'permission_denied', `API key missing required scope '${required}'`);
  }

  function projectFor(id: string): Project {
    const project = id === '@current' ? defaultProject : /^\d+$/.test(id) ? projectById.get(Number(id)) : undefined;
    if (!project) throw notFound();
    return project;
  }

  /**
   * PostHog's throttles run after authentication and permissions, before the view (DRF `initial`). On
   * /query (query.py `get_throttles`): a HogQLQuery body → HogQLQueryThrottle; no body (an async query's
   * poll or cancel) → the ClickHouse burst and sustained throttles; elsewhere the default ones. All are
   * PersonalApiKeyRateThrottle (rate_limit.py): a sign-in's `pha_` token, which find_key_with_source skips
   * (auth.py), is throttled by none of them.
   */
  function throttle(key: KeyOptions, kind: 'hogql' | 'poll' | 'other'): void {
    if (key.oauth) return;
    const waits =
      kind === 'hogql'
        ? [queryThrottle.take(key.key)]
        : kind === 'poll'
          ? [pollBurstThrottle.take(key.key), pollSustainedThrottle.take(key.key)]
          : [burstThrottle.take(key.key), sustainedThrottle.take(key.key)];
    const wait = Math.max(...waits.map((w) => w ?? -1));
    if (wait >= 0) throw throttledError(wait);
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const method = (req.method ?? 'GET').toUpperCase();
    if (method === 'OPTIONS') {
      res.writeHead(204, corsHeaders(req));
      res.end();
      return;
    }
    const path = url.pathname.replace(/\/+$/, '') || '/';
    /** The request as DRF's build_absolute_uri gives it: what the pages' next and previous links keep. */
    const requestUrl = () => new URL(req.url ?? '/', baseUrl);

    if (path === '/_health' || path === '/_readyz') return send(res, req, 200, { status: 'ok' });

    // Fault injection: the admin route (personal API key required), then the faults themselves.
    if (path === '/_admin/faults') {
      const raw = method === 'POST' ? await readBody(req) : Buffer.alloc(0);
      authenticate(req, url, null);
      if (method === 'DELETE') faults.clear();
      else if (method === 'POST') {
        const fault = faultFromJson(
          ((): unknown => {
            try {
              return JSON.parse(raw.toString('utf8'));
            } catch {
              return null;
            }
          })(),
        );
        if (!fault) throw new HttpError(400, 'validation_error', 'invalid_input', 'A fault needs at least a "path".', 'path');
        faults.set(fault);
      }
      return send(res, req, 200, { requests: faults.log.length, faulted: faults.log.filter((h) => h.faulted).length });
    }
    const fault = await faults.apply(req, res, corsHeaders(req));
    if (fault.handled) return;

    // Capture
    if (CAPTURE_PATHS.has(path)) {
      if (method !== 'POST' && method !== 'GET') throw new HttpError(405, 'invalid_request', 'method_not_allowed', `Method "${method}" not allowed.`);
      let payload: unknown;
      if (method === 'GET') {
        const data = url.searchParams.get('data');
        if (!data) throw new CaptureError(400, 'validation_error', 'invalid_payload', 'Malformed request data: no data found.');
        payload = decodeCaptureBody(Buffer.from(`data=${encodeURIComponent(data)}`), { 'content-type': 'application/x-www-form-urlencoded' }, url.searchParams);
      } else {
        const body = await readBody(req);
        payload = decodeCaptureBody(body, req.headers, url.searchParams);
      }
      const batch = normalizeCapturePayload(payload, url.searchParams);
      if (!batch.token) {
        throw new CaptureError(
          401,
          'authentication_error',
          'missing_api_key',
          'API key not provided. You can find your project API key in PostHog project settings.',
        );
      }
      const project = projectByToken.get(batch.token);
      if (!project) {
        throw new CaptureError(
          401,
          'authentication_error',
          'invalid_api_key',
          'Project API key invalid. You can find your project API key in PostHog project settings.',
        );
      }
      if (path !== '/engage' && path !== '/s') await store.insert(batch.events, 20_000, project.id);
      return send(res, req, 200, { status: 1 });
    }

    // posthog-js start-up
    if (path === '/decide' || path === '/flags') {
      if (method === 'POST') await readBody(req).catch(() => Buffer.alloc(0));
      return send(res, req, 200, flagsResponse());
    }
    const cfg = /^\/array\/([^/]+)\/(config|config\.js)$/.exec(path);
    if (cfg && method === 'GET') {
      const token = decodeURIComponent(cfg[1] ?? '');
      const conf = remoteConfig(token);
      if (cfg[2] === 'config') return send(res, req, 200, conf);
      const js = `(function() {\n  window._POSTHOG_REMOTE_CONFIG = window._POSTHOG_REMOTE_CONFIG || {};\n  window._POSTHOG_REMOTE_CONFIG[${JSON.stringify(token)}] = { config: ${JSON.stringify(conf)}, siteApps: [] };\n})();\n`;
      return send(res, req, 200, js, 'application/javascript');
    }

    // OAuth 2.0 (oauth.ts): registration, the consent screen, tokens
    if (path === OAUTH_PATHS.metadata && method === 'GET') return sendOAuth(res, req, oauth.metadata());
    if (path === OAUTH_PATHS.register || path === OAUTH_PATHS.authorize || path === OAUTH_PATHS.token || path === OAUTH_PATHS.revoke) {
      if (path === OAUTH_PATHS.authorize && method === 'GET') return sendOAuth(res, req, oauth.authorizePage(url.searchParams));
      if (method !== 'POST') throw new HttpError(405, 'invalid_request', 'method_not_allowed', `Method "${method}" not allowed.`);
      const raw = (await readBody(req)).toString('utf8');
      if (path === OAUTH_PATHS.register) {
        let parsed: unknown = null;
        try {
          parsed = JSON.parse(raw);
        } catch {
          return sendOAuth(res, req, {
            kind: 'json',
            status: 400,
            body: { error: 'invalid_client_metadata', error_description: 'Request body must be JSON.' },
          });
        }
        return sendOAuth(res, req, oauth.register(parsed));
      }
      const form = oauthForm(raw, req.headers['content-type']);
      if (!form) return sendOAuth(res, req, { kind: 'json', status: 400, body: { error: 'invalid_request', error_description: 'Invalid JSON payload' } });
      if (path === OAUTH_PATHS.authorize) return sendOAuth(res, req, oauth.consent(form));
      return sendOAuth(res, req, path === OAUTH_PATHS.token ? oauth.token(form) : oauth.revoke(form));
    }

    // REST API
    if (path.startsWith('/api/')) {
      let body: Record<string, unknown> | null = null;
      if (method === 'POST' || method === 'PUT' || method === 'PATCH') {
        const raw = await readBody(req);
        if (raw.length) {
          try {
            const parsed = JSON.parse(raw.toString('utf8')) as unknown;
            body = parsed && typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : null;
          } catch {
            throw new HttpError(400, 'validation_error', 'parse_error', 'JSON parse error - Expecting value.');
          }
        }
      }
      const seg = path.split('/').slice(2); // after /api
      const projectScoped = (seg[0] === 'projects' || seg[0] === 'environments') && seg.length >= 2;
      let key: KeyOptions | null = null;
      const route = ((): ((project: Project | null) => Promise<unknown> | unknown) | null => {
        if (seg[0] === 'users' && seg[1] === '@me' && seg.length === 2 && method === 'GET') return () => user();
        if (seg[0] === 'personal_api_keys' && seg[1] === '@current' && seg.length === 2 && method === 'GET') {
          // The key inspecting itself, as PostHog answers it.
          return () => ({
            id: `local-key-${key!.key.slice(-4)}`,
            label: key!.label ?? 'Local key',
            value: null,
            mask_value: `phx_...${key!.key.slice(-4)}`,
            scopes: key!.scopes ?? ['*'],
            scoped_teams: key!.scopedTeams ?? null,
            scoped_organizations: null,
            created_at: '2026-01-01T00:00:00Z',
            last_used_at: null,
          });
        }
        // Lists of projects: every one the user may see (all their organisations), or one organisation's.
        // A key limited to projects may not list them (posthog/permissions.py, scoped_teams on a list).
        const refuseProjectScopedKey = () => {
          if (key!.scopedTeams)
            throw new HttpError(
              403,
              'authentication_error',
              'permission_denied',
              'API keys with scoped projects are only supported on project-based endpoints.',
            );
        };
        if ((seg[0] === 'projects' || seg[0] === 'environments') && seg.length === 1 && method === 'GET') {
          return () => {
            refuseProjectScopedKey();
            return limitOffsetPage(projects.map(teamBasicJson), requestUrl());
          };
        }
        if (seg[0] === 'organizations' && seg.length === 1 && method === 'GET')
          return () => limitOffsetPage(organizations.map(organizationBasicJson), requestUrl());
        if (seg[0] === 'organizations' && seg.length === 3 && seg[2] === 'projects' && method === 'GET') {
          return () => {
            refuseProjectScopedKey();
            const org = seg[1] === '@current' ? organizations[0] : organizations.find((o) => o.id === seg[1]);
            if (!org) throw notFound();
            return limitOffsetPage(projects.filter((p) => p.organizationId === org.id).map(teamBasicJson), requestUrl());
          };
        }
        if (projectScoped && seg.length === 2 && method === 'GET') return (project) => projectJson(project!);
        if (projectScoped && seg.length === 3 && seg[2] === 'query') {
          if (method !== 'POST')
            return () => {
              throw new HttpError(405, 'invalid_request', 'method_not_allowed', `Method "${method}" not allowed.`);
            };
          return (project) => queries.post(project!, body, key!.oauth ? 'oauth' : 'personal_api_key');
        }
        // An async query's status and its cancellation (query.py `retrieve`, `destroy`).
        if (projectScoped && seg.length === 4 && seg[2] === 'query' && (method === 'GET' || method === 'DELETE')) {
          const id = decodeURIComponent(seg[3] ?? '');
          return (project) =>
            method === 'GET'
              ? queries.status(project!, id, ['true', '1'].includes(url.searchParams.get('show_progress') ?? url.searchParams.get('showProgress') ?? ''))
              : queries.cancel(project!, id);
        }
        // The project's group types, as posthog/api/group.py GroupsTypesViewSet lists them (a plain list).
        if (projectScoped && seg.length === 3 && seg[2] === 'groups_types' && method === 'GET') {
          return (project) =>
            store.groupTypesOf(project!.id).map((type, index) => ({
              group_type: type,
              group_type_index: index,
              name_singular: null,
              name_plural: null,
              detail_dashboard: null,
              default_columns: null,
              created_at: createdAt,
            }));
        }
        if (projectScoped && AnnotationApi.handles(seg.slice(2))) {
          return (project) => annotationApis.get(project!.id)!.route(seg.slice(2), method, requestUrl(), body)();
        }
        if (projectScoped && DashboardApi.handles(seg.slice(2))) {
          return (project) => dashboardApis.get(project!.id)!.route(seg.slice(2), method, url.searchParams, body)!();
        }
        return null;
      })();
      if (!route) throw notFound();
      key = authenticate(req, url, body, seg[0] === 'personal_api_keys');
      const project = projectScoped ? projectFor(seg[1] ?? '') : null;
      authorize(key, seg, method, project);
      const onQuery = projectScoped && seg[2] === 'query';
      throttle(
        key,
        onQuery && method === 'POST' && (body?.query as { kind?: unknown } | undefined)?.kind === 'HogQLQuery'
          ? 'hogql'
          : onQuery && seg.length === 4
            ? 'poll'
            : 'other',
      );
      const out = await route(project);
      if (out instanceof ApiResponse) return send(res, req, out.status, out.body);
      return send(res, req, 200, fault.transform ? fault.transform(out) : out);
    }

    throw notFound();
  }

  /**
   * Who may call from a browser: this server's own pages, the extensions, the configured origins,
   * and — for capture only — pages on this machine (the sample site, a dev server). Anything else
   * is refused before it is read; requests without an Origin are refused when the browser says they
   * come from another site (an <img>, a form).
   */
  function allowedOrigin(req: IncomingMessage, path: string): string | null | 'refused' {
    const origin = req.headers.origin;
    if (origin === undefined) {
      // Another site's <img>, script or link sends no Origin but says it is cross-site. The one page
      // other sites open here is PostHog's consent screen: the browser's sign-in window navigates to it.
      const consent = req.headers['sec-fetch-mode'] === 'navigate' && path === OAUTH_PATHS.authorize;
      return req.headers['sec-fetch-site'] === 'cross-site' && !consent ? 'refused' : null;
    }
    if (EXTENSION_ORIGIN.test(origin) || (opts.corsOrigins ?? []).includes(origin)) return origin;
    let url: URL;
    try {
      url = new URL(origin);
    } catch {
      return 'refused'; // "null": a sandboxed frame or a file
    }
    const own = new URL(baseUrl);
    const loopback = url.protocol === 'http:' && LOOPBACK_NAMES.has(url.hostname);
    if (loopback && url.port === own.port) return origin;
    return loopback && isIngestion(path) ? origin : 'refused';
  }

  /** A request addressed to another name is a rebound DNS name pointing a website at this machine. */
  const anyHost = host === '0.0.0.0' || host === '::';
  function allowedHost(req: IncomingMessage): boolean {
    if (anyHost) return true;
    const name = /^(\[[^\]]*\]|[^:]*)/.exec(req.headers.host ?? '')?.[1]?.toLowerCase() ?? '';
    return LOOPBACK_NAMES.has(name) || name === host || (opts.allowedHosts ?? []).includes(name);
  }

  const server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname.replace(/\/+$/, '') || '/';
    const origin = allowedOrigin(req, path);
    if (origin === 'refused' || !allowedHost(req)) {
      req.resume();
      return sendError(res, req, {
        status: 403,
        type: 'authentication_error',
        code: 'permission_denied',
        message: "The local PostHog server answers only this machine's pages and browser extensions.",
        attr: null,
      });
    }
    if (origin) corsOrigin.set(req, origin);
    handle(req, res).catch((e: unknown) => {
      if (res.headersSent) {
        res.destroy();
        return;
      }
      if (e instanceof HttpError || e instanceof CaptureError) return sendError(res, req, e);
      if (e instanceof HogQLError) return sendError(res, req, { status: 400, type: 'validation_error', code: e.code, message: e.message, attr: null });
      console.error('[local-posthog] internal error', e);
      sendError(res, req, { status: 500, type: 'server_error', code: 'error', message: 'A server error occurred.', attr: null });
    });
  });
  server.keepAliveTimeout = 5000;

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  }).catch((e) => {
    store.close();
    throw e;
  });
  const addr = server.address() as AddressInfo;
  const urlHost = host.includes(':') ? `[${host}]` : host;
  baseUrl = `http://${urlHost}:${addr.port}`;

  let closed = false;
  return {
    url: baseUrl,
    apiKey,
    projectApiKey: defaultProject.apiToken,
    projectId: DEFAULT_PROJECT_ID,
    projects,
    query: (sql: string) => store.queryRows(sql),
    faults,
    limits: () => ({ ...limits }),
    setLimits: (next) => {
      limits = { ...limits, ...next };
    },
    slowDownQueries: (slowdown) => queries.slowDown(slowdown),
    materialize: (properties) => store.materialize(properties),
    dematerialize: (properties) => store.dematerialize(properties),
    resetQueryState: () => {
      queryCache.clear();
      queries.reset();
      pollBurstThrottle.reset();
      pollSustainedThrottle.reset();
      queryThrottle.reset();
      burstThrottle.reset();
      sustainedThrottle.reset();
    },
    close: async () => {
      if (closed) return;
      closed = true;
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      faults.clear(); // delayed requests find their connection gone and stop there
      queries.reset(); // async queries stop where they are
      store.close();
    },
  };
}

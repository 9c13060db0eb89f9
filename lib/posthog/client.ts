/** The only code that talks to PostHog. Runs in the background worker (and the Node CLI/tests). */
import * as z from 'zod/mini';
import type { ErrorKind } from '../model/failure';
import type { HogQLRequest } from './hogql';
import { checkCustomHost } from '../settings/settings';

/** What PostHog's answer said beyond the kind of failure. */
export interface PostHogErrorDetail {
  /** A 504 telling to submit the query as an async query (hogql_query_runner.py `api_timeout_detail`). */
  asyncAdvised?: boolean;
  /** The API's time ceiling, when the answer names it ("hit the 10-second time limit"). */
  ceilingSeconds?: number;
  /** A 429 for too many queries running at once (limit.py): wait for a slot, not for a rate limit. */
  concurrency?: boolean;
}

export class PostHogError extends Error {
  constructor(
    readonly kind: ErrorKind,
    message: string,
    readonly retryAfterSeconds?: number,
    readonly detail: PostHogErrorDetail = {},
  ) {
    super(message);
    this.name = 'PostHogError';
  }
}

export const userSchema = z.object({
  email: z.string(),
  first_name: z.nullish(z.string()),
});
export const projectSchema = z.object({ id: z.number(), name: z.string() });
export const hogqlResponseSchema = z.object({
  results: z.array(z.array(z.unknown())),
  columns: z.nullish(z.array(z.string())),
  is_cached: z.nullish(z.boolean()),
  last_refresh: z.nullish(z.string()),
});
export type HogQLResponse = z.infer<typeof hogqlResponseSchema>;

const amount = () => z.number().check(z.nonnegative());
/** An async query's status (posthog/schema.py QueryStatus; ClickhouseQueryProgress while it runs, when asked). */
export const queryStatusSchema = z.object({
  id: z.string().check(z.minLength(1), z.maxLength(200)),
  complete: z.nullish(z.boolean()),
  error: z.nullish(z.boolean()),
  error_message: z.nullish(z.string()),
  results: z.nullish(z.unknown()),
  start_time: z.nullish(z.string()),
  query_progress: z.nullish(
    z.object({ rows_read: z.nullish(amount()), estimated_rows_total: z.nullish(amount()), bytes_read: z.nullish(amount()), time_elapsed: z.nullish(amount()) }),
  ),
});
export type QueryStatus = z.infer<typeof queryStatusSchema>;
const queryStatusBodySchema = z.object({ query_status: queryStatusSchema });
/** POST /query/ with an async refresh: a whole answer (a cache hit) or a status to poll (query.py). */
const asyncStartSchema = z.union([z.extend(hogqlResponseSchema, { query_status: z.nullish(queryStatusSchema) }), queryStatusBodySchema]);

/** PostHog's words for a concurrency refusal, old and new (limit.py ConcurrencyLimitExceeded; query.py CONCURRENCY_LIMIT_USER_MESSAGE). */
const CONCURRENCY_REFUSAL = /Exceeded maximum concurrency limit|Too many queries are running/i;
/** A blocking query waits up to 30 s for a slot at PostHog, then runs up to the API's ceiling: its own, longer timeout. */
export const QUERY_TIMEOUT_MS = 45_000;

const describeSeconds = (s: number) => (s < 90 ? `${s} s` : s < 5400 ? `${Math.round(s / 60)} min` : `${Math.round(s / 3600)} h`);

/** PostHog's DRF error body: { type, code, detail, attr }. */
const errorBodySchema = z.looseObject({ detail: z.optional(z.string()), code: z.optional(z.string()) });

export function describeZodError(error: { issues: ReadonlyArray<{ path: ReadonlyArray<PropertyKey>; message: string }> }): string {
  const issue = error.issues[0];
  if (!issue) return 'PostHog answered in an unexpected shape';
  const where = issue.path.length ? issue.path.map(String).join('.') : 'the response';
  return `PostHog answered in an unexpected shape: ${where}: ${issue.message}`;
}

export interface PostHogClientOptions {
  baseUrl: string;
  projectId: string;
  apiKey: string;
  /** What `apiKey` is, for the words of a 401/403: a pasted personal API key (default) or a sign-in's access token. */
  credential?: 'key' | 'signIn';
  fetch?: typeof fetch;
  timeoutMs?: number;
  /** Called before every request; throwing (e.g. a PostHogError when the request budget is spent) sends nothing. */
  beforeRequest?: (path: string, method: string) => Promise<void> | void;
  /** The project's query slots (./querySlots.ts): a blocking query waits for one. None: no limit here. */
  slots?: import('./querySlots').QuerySlots;
  /** How long to wait before asking again after a concurrency refusal (tests shorten it). */
  concurrencyBackoffMs?: (attempt: number) => number;
  /** Told of every PostHog failure (not of what beforeRequest throws), e.g. to note a Retry-After. */
  onFailure?: (error: PostHogError) => void;
  /** Largest answer read, in bytes (default 16 MB): a bigger one is refused, not parsed. */
  maxResponseBytes?: number;
}

export const MAX_RESPONSE_BYTES = 16 * 1024 * 1024;

/**
 * Where the key may go: https, or plain http on this machine only (the same rule as the options'
 * custom host). Anything else is refused before a request is made.
 */
export function checkKeyDestination(baseUrl: string): string | null {
  return checkCustomHost(baseUrl);
}

/** Reads at most `max` bytes of a body; null when it is larger (the rest is not read). */
async function readCapped(response: Response, max: number): Promise<string | null> {
  const declared = Number(response.headers.get('Content-Length'));
  if (Number.isFinite(declared) && declared > max) {
    await response.body?.cancel().catch(() => undefined);
    return null;
  }
  if (!response.body) return response.text();
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > max) {
      await reader.cancel().catch(() => undefined);
      return null;
    }
    chunks.push(value);
  }
  const all = new Uint8Array(size);
  let at = 0;
  for (const chunk of chunks) {
    all.set(chunk, at);
    at += chunk.byteLength;
  }
  return new TextDecoder().decode(all);
}

export type PostHogClient = ReturnType<typeof createPostHogClient>;

export function createPostHogClient(options: PostHogClientOptions) {
  const doFetch = options.fetch ?? ((input: RequestInfo | URL, init?: RequestInit) => globalThis.fetch(input, init));
  const timeoutMs = options.timeoutMs ?? 20_000;
  /** A query may wait for a slot at PostHog first: longer, unless a timeout was set. */
  const queryTimeoutMs = options.timeoutMs ?? QUERY_TIMEOUT_MS;
  const maxBytes = options.maxResponseBytes ?? MAX_RESPONSE_BYTES;
  const origin = new URL(options.baseUrl).origin;
  const host = new URL(options.baseUrl).host;
  /** Never echo the key back, whatever a server puts in its error text. */
  const scrub = (text: string) => (options.apiKey.length >= 4 ? text.split(options.apiKey).join('•••') : text);
  const queryPath = `/api/projects/${encodeURIComponent(options.projectId)}/query/`;

  /** `errorBodies`: a 400 or 500 answer in the schema's shape is an answer (an async query's failed status). */
  type RequestOptions = RequestInit & { timeoutMs?: number; errorBodies?: boolean };

  async function request<T>(path: string, schema: z.core.$ZodType<T>, init: RequestOptions = {}): Promise<T> {
    const url = new URL(`${options.baseUrl}${path}`);
    const refused = checkKeyDestination(options.baseUrl);
    if (refused || url.origin !== origin) {
      throw new PostHogError(
        'bad_request',
        `Tool Lens sends the API key only to PostHog over https (or http on localhost), not to ${url.origin}. ${refused ?? ''}`.trim(),
      );
    }
    await options.beforeRequest?.(path, (init.method ?? 'GET').toUpperCase());
    try {
      return await send(url, path, schema, init);
    } catch (error) {
      if (error instanceof PostHogError) options.onFailure?.(error);
      throw error;
    }
  }

  async function send<T>(
    url: URL,
    path: string,
    schema: z.core.$ZodType<T>,
    { timeoutMs: requestTimeoutMs, errorBodies, ...init }: RequestOptions,
  ): Promise<T> {
    const wait = requestTimeoutMs ?? timeoutMs;
    let response: Response;
    let text: string | null;
    try {
      response = await doFetch(url.href, {
        ...init,
        headers: {
          Authorization: `Bearer ${options.apiKey}`,
          'Content-Type': 'application/json',
          ...init.headers,
        },
        // A redirect could carry the key elsewhere: PostHog's API does not redirect, so none is followed.
        redirect: 'error',
        credentials: 'omit',
        signal: AbortSignal.timeout(wait),
      });
      text = await readCapped(response, maxBytes);
    } catch (error) {
      const name = (error as Error)?.name;
      if (name === 'TimeoutError' || name === 'AbortError') {
        throw new PostHogError('timeout', `${host} did not answer within ${Math.round(wait / 1000)} s.`);
      }
      throw new PostHogError('network', scrub(`Could not reach ${host}: ${(error as Error)?.message ?? 'network error'}.`));
    }
    if (text === null) {
      throw new PostHogError('bad_response', `${host} answered with more than ${Math.round(maxBytes / 1024 / 1024)} MB: too large to read.`);
    }
    let body: unknown;
    try {
      body = text ? JSON.parse(text) : undefined;
    } catch {
      body = undefined;
      if (response.ok) throw new PostHogError('bad_response', `${host} answered HTTP ${response.status} with a body that is not JSON.`);
    }
    const answered = response.ok || (errorBodies && (response.status === 400 || response.status === 500) && z.safeParse(schema, body).success);
    if (!answered) throw errorFor(response, body, path);
    const parsed = z.safeParse(schema, body);
    if (!parsed.success) throw new PostHogError('bad_response', describeZodError(parsed.error));
    return parsed.data;
  }

  function errorFor(response: Response, body: unknown, path: string): PostHogError {
    const detail = errorBodySchema.safeParse(body).data?.detail;
    const suffix = detail ? `: ${scrub(detail.slice(0, 500))}` : '';
    switch (response.status) {
      case 400:
        return path.endsWith('/query/')
          ? new PostHogError('query_error', `PostHog could not run the query${suffix}`)
          : new PostHogError('bad_request', `PostHog rejected the request (400)${suffix}`);
      case 401:
        return options.credential === 'signIn'
          ? new PostHogError('unauthorized', `PostHog no longer accepts this sign-in (401)${suffix}. Sign in again in the Tool Lens options.`)
          : new PostHogError('unauthorized', `PostHog rejected the personal API key (401)${suffix}`);
      case 403:
        return new PostHogError(
          'forbidden',
          `${options.credential === 'signIn' ? 'The sign-in' : 'The personal API key'} is not allowed to do this (403)${suffix}`,
        );
      case 404:
        return new PostHogError('not_found', `Project ${options.projectId} was not found on ${host} (404)${suffix}`);
      case 429: {
        // Too many of the project's queries at once: a slot frees up in seconds, no rate limit applies.
        if (CONCURRENCY_REFUSAL.test(detail ?? '')) {
          return new PostHogError('rate_limited', `PostHog is running too many of this project's queries at once${suffix}`, undefined, { concurrency: true });
        }
        // PostHog sends no Retry-After (exceptions_hog builds the answer without headers): its wait is
        // in the text, "Request was throttled. Expected available in 62 seconds." (DRF Throttled). A
        // proxy's Retry-After (seconds, or an HTTP date) wins; with neither, a minute.
        const header = response.headers.get('Retry-After')?.trim() ?? '';
        const asDate = /^\d+(\.\d+)?$/.test(header) ? NaN : (Date.parse(header) - Date.now()) / 1000;
        const fromHeader = Number.isFinite(asDate) ? Math.ceil(asDate) : Math.ceil(Number(header));
        const fromDetail = Number(/Expected available in (\d+) seconds?/.exec(detail ?? '')?.[1]);
        const seconds = header && Number.isFinite(fromHeader) && fromHeader > 0 ? fromHeader : fromDetail > 0 ? fromDetail : 60;
        // PostHog's rate limits are per personal API key (PersonalApiKeyRateThrottle skips `pha_` tokens):
        // a sign-in meets a 429 only from elsewhere (a proxy), so no key's limit is named for it.
        return new PostHogError(
          'rate_limited',
          options.credential === 'signIn'
            ? `PostHog is rate limiting this sign-in; retrying in ${describeSeconds(seconds)}`
            : `PostHog is rate limiting this key (its limit is 120 HogQL queries an hour by default); retrying in ${describeSeconds(seconds)}`,
          seconds,
        );
      }
      case 504:
        // The API's own ceiling: the query may run longer as an async query (hogql_query_runner.py api_timeout_detail).
        if (/async query/i.test(detail ?? '')) {
          const ceiling = Number(/hit the (\d+(?:\.\d+)?)-second time limit/.exec(detail ?? '')?.[1]);
          return new PostHogError(
            'too_slow',
            `PostHog's API stopped the query at its ${Number.isFinite(ceiling) ? `${ceiling}-second ` : ''}time limit${suffix}`,
            undefined,
            {
              asyncAdvised: true,
              ...(Number.isFinite(ceiling) ? { ceilingSeconds: ceiling } : {}),
            },
          );
        }
      // falls through
      case 512:
      case 513:
        // Timeout (504), estimated too slow (512), out of memory (513; 504 or 512 in older releases): asking
        // again soon gives the same answer (posthog/exceptions.py).
        return new PostHogError(
          'too_slow',
          `PostHog stopped the query (HTTP ${response.status})${suffix}. Try a shorter range, or let Tool Lens read one spelling of each property (options → Data schema → Detect from data).`,
        );
      default:
        return response.status >= 500
          ? new PostHogError('server', `PostHog had a server error (HTTP ${response.status})${suffix}`)
          : new PostHogError('bad_request', `PostHog answered HTTP ${response.status}${suffix}`);
    }
  }

  const client = {
    baseUrl: options.baseUrl,
    projectId: options.projectId,
    /** The project's query slots, for an async query to hold one (./asyncQuery.ts). */
    slots: options.slots,
    /** Any PostHog REST call, with the same auth, timeout, error mapping and zod validation. */
    request,
    me: () => request('/api/users/@me/', userSchema),
    project: () => request(`/api/projects/${encodeURIComponent(options.projectId)}/`, projectSchema),
    /**
     * A HogQL query. Without `refresh` PostHog may answer from its cache (up to 5 minutes old: see
     * `last_refresh`); `refresh: true` asks it to run the query now ("force_blocking"), for a user's
     * explicit refresh (posthog/hogql_queries/query_runner.py, ExecutionMode).
     */
    hogql: (hogql: HogQLRequest, opts: { refresh?: boolean } = {}) =>
      withSlot('blocking', () =>
        request(queryPath, hogqlResponseSchema, {
          method: 'POST',
          timeoutMs: queryTimeoutMs,
          body: queryBody(hogql, opts.refresh ? { refresh: 'force_blocking' } : {}),
        }),
      ),
    /**
     * Starts a HogQL query as an async query (`refresh: 'async'`; 'force_async' to run it even when
     * PostHog has a fresh answer): a whole answer when PostHog had one, else the status to poll. The
     * caller holds an async slot until the query is complete or cancelled (./asyncQuery.ts).
     */
    startAsync: async (hogql: HogQLRequest, opts: { refresh?: boolean } = {}): Promise<{ done: HogQLResponse } | { running: QueryStatus }> => {
      const body = await retryOnConcurrency(() =>
        request(queryPath, asyncStartSchema, {
          method: 'POST',
          timeoutMs: queryTimeoutMs,
          body: queryBody(hogql, { refresh: opts.refresh ? 'force_async' : 'async' }),
        }),
      );
      if ('results' in body && (!body.query_status || body.query_status.complete)) return { done: body };
      const status = body.query_status!;
      return status.complete ? { done: doneResults(status) } : { running: status };
    },
    /** An async query's status, with PostHog's progress while it runs: done, running, or failed (with why). */
    queryStatus: async (id: string): Promise<{ done: HogQLResponse } | { running: QueryStatus } | { failed: PostHogError }> => {
      const { query_status: status } = await request(`${queryPath}${encodeURIComponent(id)}/?show_progress=true`, queryStatusBodySchema, { errorBodies: true });
      if (status.error) {
        const message = scrub((status.error_message ?? '').slice(0, 500));
        if (/max execution time|time limit/i.test(message))
          return { failed: new PostHogError('too_slow', `PostHog stopped the query even given more time: ${message}`) };
        return {
          failed: message
            ? new PostHogError('query_error', `PostHog could not run the query: ${message}`)
            : new PostHogError('server', 'PostHog could not finish the query (its status says it failed, without a reason).'),
        };
      }
      return status.complete ? { done: doneResults(status) } : { running: status };
    },
    /** Cancels an async query (PostHog answers 200 whatever the id). */
    cancelQuery: (id: string) => request(`${queryPath}${encodeURIComponent(id)}/`, z.unknown(), { method: 'DELETE' }).then(() => undefined),
  };
  return client;

  /** POST /query/'s body: a HogQL query with its placeholders' values, and how to run it. */
  function queryBody(hogql: HogQLRequest, how: { refresh?: string }): string {
    return JSON.stringify({ query: { kind: 'HogQLQuery', query: hogql.query, values: hogql.values }, ...how });
  }

  /** A complete status's answer: the whole query response is its `results` (execute_async.py). */
  function doneResults(status: QueryStatus): HogQLResponse {
    const parsed = hogqlResponseSchema.safeParse(status.results);
    if (!parsed.success) throw new PostHogError('bad_response', describeZodError(parsed.error));
    return parsed.data;
  }

  /** A blocking query takes one of the project's slots for its request. */
  async function withSlot<T>(kind: 'blocking', run: () => Promise<T>): Promise<T> {
    return retryOnConcurrency(async () => {
      const release = options.slots ? await options.slots.acquire(kind) : () => undefined;
      try {
        return await run();
      } finally {
        release();
      }
    });
  }

  /**
   * PostHog refused for too many queries at once (other people's count too): ask again when a slot may
   * have freed, in line, never dropped; after about two minutes of refusals, say so.
   */
  async function retryOnConcurrency<T>(run: () => Promise<T>): Promise<T> {
    const backoff = options.concurrencyBackoffMs ?? ((attempt: number) => Math.min(1000 * 1.5 ** attempt, 10_000));
    for (let attempt = 0; ; attempt++) {
      try {
        return await run();
      } catch (error) {
        if (!(error instanceof PostHogError && error.detail.concurrency) || attempt >= 20) throw error;
        await new Promise((resolve) => setTimeout(resolve, backoff(attempt)));
      }
    }
  }
}

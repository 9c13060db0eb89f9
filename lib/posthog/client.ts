/** The only code that talks to PostHog. Runs in the background worker (and the Node CLI/tests). */
import { z } from 'zod';
import type { ErrorKind } from '../protocol/messages';
import type { HogQLRequest } from './hogql';
import { checkCustomHost } from '../settings/settings';

export class PostHogError extends Error {
  constructor(
    readonly kind: ErrorKind,
    message: string,
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
    this.name = 'PostHogError';
  }
}

export const userSchema = z.object({
  email: z.string(),
  first_name: z.string().nullish(),
});
export const projectSchema = z.object({ id: z.number(), name: z.string() });
export const hogqlResponseSchema = z.object({
  results: z.array(z.array(z.unknown())),
  columns: z.array(z.string()).nullish(),
  is_cached: z.boolean().nullish(),
  last_refresh: z.string().nullish(),
});
export type HogQLResponse = z.infer<typeof hogqlResponseSchema>;

const describeSeconds = (s: number) => (s < 90 ? `${s} s` : s < 5400 ? `${Math.round(s / 60)} min` : `${Math.round(s / 3600)} h`);

/** PostHog's DRF error body: { type, code, detail, attr }. */
const errorBodySchema = z.object({ detail: z.string().optional(), code: z.string().optional() }).passthrough();

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
  beforeRequest?: (path: string) => Promise<void> | void;
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
  const maxBytes = options.maxResponseBytes ?? MAX_RESPONSE_BYTES;
  const origin = new URL(options.baseUrl).origin;
  const host = new URL(options.baseUrl).host;
  /** Never echo the key back, whatever a server puts in its error text. */
  const scrub = (text: string) => (options.apiKey.length >= 4 ? text.split(options.apiKey).join('•••') : text);

  async function request<T>(path: string, schema: z.ZodType<T>, init: RequestInit = {}): Promise<T> {
    const url = new URL(`${options.baseUrl}${path}`);
    const refused = checkKeyDestination(options.baseUrl);
    if (refused || url.origin !== origin) {
      throw new PostHogError('bad_request', `Tool Lens sends the API key only to PostHog over https (or http on localhost), not to ${url.origin}. ${refused ?? ''}`.trim());
    }
    await options.beforeRequest?.(path);
    try {
      return await send(url, path, schema, init);
    } catch (error) {
      if (error instanceof PostHogError) options.onFailure?.(error);
      throw error;
    }
  }

  async function send<T>(url: URL, path: string, schema: z.ZodType<T>, init: RequestInit): Promise<T> {
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
        signal: AbortSignal.timeout(timeoutMs),
      });
      text = await readCapped(response, maxBytes);
    } catch (error) {
      const name = (error as Error)?.name;
      if (name === 'TimeoutError' || name === 'AbortError') {
        throw new PostHogError('timeout', `${host} did not answer within ${Math.round(timeoutMs / 1000)} s.`);
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
    if (!response.ok) throw errorFor(response, body, path);
    const parsed = schema.safeParse(body);
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
        return new PostHogError('forbidden', `${options.credential === 'signIn' ? 'The sign-in' : 'The personal API key'} is not allowed to do this (403)${suffix}`);
      case 404:
        return new PostHogError('not_found', `Project ${options.projectId} was not found on ${host} (404)${suffix}`);
      case 429: {
        // PostHog sends no Retry-After (exceptions_hog builds the answer without headers): its wait is
        // in the text, "Request was throttled. Expected available in 62 seconds." (DRF Throttled). A
        // proxy's Retry-After (seconds, or an HTTP date) wins; with neither, a minute.
        const header = response.headers.get('Retry-After')?.trim() ?? '';
        const asDate = /^\d+(\.\d+)?$/.test(header) ? NaN : (Date.parse(header) - Date.now()) / 1000;
        const fromHeader = Number.isFinite(asDate) ? Math.ceil(asDate) : Math.ceil(Number(header));
        const fromDetail = Number(/Expected available in (\d+) seconds?/.exec(detail ?? '')?.[1]);
        const seconds = header && Number.isFinite(fromHeader) && fromHeader > 0 ? fromHeader : fromDetail > 0 ? fromDetail : 60;
        return new PostHogError('rate_limited', `PostHog is rate limiting this key (its limit is 120 HogQL queries an hour by default); retrying in ${describeSeconds(seconds)}`, seconds);
      }
      case 504:
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

  return {
    baseUrl: options.baseUrl,
    projectId: options.projectId,
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
      request(`/api/projects/${encodeURIComponent(options.projectId)}/query/`, hogqlResponseSchema, {
        method: 'POST',
        body: JSON.stringify({ query: { kind: 'HogQLQuery', query: hogql.query, values: hogql.values }, ...(opts.refresh ? { refresh: 'force_blocking' } : {}) }),
      }),
  };
}

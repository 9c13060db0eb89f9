/** The only code that talks to PostHog. Runs in the background worker (and the Node CLI/tests). */
import { z } from 'zod';
import type { ErrorKind } from './messages';
import type { HogQLRequest } from './cardQuery';

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
  fetch?: typeof fetch;
  timeoutMs?: number;
}

export type PostHogClient = ReturnType<typeof createPostHogClient>;

export function createPostHogClient(options: PostHogClientOptions) {
  const doFetch = options.fetch ?? ((input: RequestInfo | URL, init?: RequestInit) => globalThis.fetch(input, init));
  const timeoutMs = options.timeoutMs ?? 20_000;
  const host = new URL(options.baseUrl).host;

  async function request<T>(path: string, schema: z.ZodType<T>, init: RequestInit = {}): Promise<T> {
    let response: Response;
    try {
      response = await doFetch(`${options.baseUrl}${path}`, {
        ...init,
        headers: {
          Authorization: `Bearer ${options.apiKey}`,
          'Content-Type': 'application/json',
          ...init.headers,
        },
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (error) {
      const name = (error as Error)?.name;
      if (name === 'TimeoutError' || name === 'AbortError') {
        throw new PostHogError('timeout', `${host} did not answer within ${Math.round(timeoutMs / 1000)} s.`);
      }
      throw new PostHogError('network', `Could not reach ${host}: ${(error as Error)?.message ?? 'network error'}.`);
    }
    const text = await response.text();
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
    const suffix = detail ? `: ${detail}` : '';
    switch (response.status) {
      case 400:
        return path.endsWith('/query/')
          ? new PostHogError('query_error', `PostHog could not run the query${suffix}`)
          : new PostHogError('bad_request', `PostHog rejected the request (400)${suffix}`);
      case 401:
        return new PostHogError('unauthorized', `PostHog rejected the personal API key (401)${suffix}`);
      case 403:
        return new PostHogError('forbidden', `The personal API key is not allowed to do this (403)${suffix}`);
      case 404:
        return new PostHogError('not_found', `Project ${options.projectId} was not found on ${host} (404)${suffix}`);
      case 429: {
        const retryAfter = Number(response.headers.get('Retry-After'));
        const seconds = Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter : 60;
        return new PostHogError('rate_limited', `PostHog is rate limiting this key; retrying in ${seconds} s`, seconds);
      }
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
    hogql: (hogql: HogQLRequest) =>
      request(`/api/projects/${encodeURIComponent(options.projectId)}/query/`, hogqlResponseSchema, {
        method: 'POST',
        body: JSON.stringify({ query: { kind: 'HogQLQuery', query: hogql.query, values: hogql.values } }),
      }),
  };
}

// @vitest-environment node
import { afterEach, describe, expect, it } from 'vitest';
import { createPostHogClient, PostHogError } from './client';
import { BASE, mockPostHog } from '../testing/mockPostHog';

const QUERY_PATH = '/api/projects/7/query/';
let mock = mockPostHog();
const client = (timeoutMs?: number) => createPostHogClient({ baseUrl: BASE, projectId: '7', apiKey: 'phx_secret', fetch: mock.fetch, timeoutMs });

afterEach(async () => {
  await mock.agent.close();
  mock = mockPostHog();
});

async function failure(promise: Promise<unknown>): Promise<PostHogError> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(PostHogError);
  return error as PostHogError;
}

describe('PostHog client', () => {
  it('sends a HogQLQuery with values and the Bearer key, and validates the answer', async () => {
    let seen: { body?: unknown; auth?: unknown } = {};
    mock.pool
      .intercept({ path: QUERY_PATH, method: 'POST' })
      .reply((request) => {
        seen = { body: JSON.parse(String(request.body)), auth: (request.headers as Record<string, string>)['Authorization'] ?? (request.headers as Record<string, string>)['authorization'] };
        return { statusCode: 200, data: { results: [[1]], columns: ['n'], is_cached: false } };
      });
    const answer = await client().hogql({ query: 'SELECT {x}', values: { x: 'a' } });
    expect(answer.results).toEqual([[1]]);
    expect(seen.auth).toBe('Bearer phx_secret');
    expect(seen.body).toEqual({ query: { kind: 'HogQLQuery', query: 'SELECT {x}', values: { x: 'a' } } });
  });

  it.each([
    [401, 'unauthorized', /rejected the personal API key.*invalid key/],
    [403, 'forbidden', /not allowed.*query:read/],
    [404, 'not_found', /Project 7 was not found on ph\.test/],
    [400, 'query_error', /could not run the query: Unknown function/],
    [500, 'server', /server error \(HTTP 500\)/],
    [503, 'server', /HTTP 503/],
  ] as const)('maps HTTP %i to %s with a specific message', async (status, kind, message) => {
    const detail = { 401: 'invalid key', 403: "API key missing required scope 'query:read'", 400: 'Unknown function foo', 404: 'Not found.', 500: 'boom', 503: 'down' }[status];
    mock.pool.intercept({ path: QUERY_PATH, method: 'POST' }).reply(status, { type: 'x', code: 'y', detail, attr: null });
    const error = await failure(client().hogql({ query: 'SELECT 1', values: {} }));
    expect(error.kind).toBe(kind);
    expect(error.message).toMatch(message);
  });

  it('asks PostHog to run the query now (refresh: "force_blocking") only when told to; else it may answer from its cache', async () => {
    const bodies: unknown[] = [];
    mock.pool
      .intercept({ path: QUERY_PATH, method: 'POST' })
      .reply((req) => {
        bodies.push(JSON.parse(String(req.body)));
        return { statusCode: 200, data: { results: [] } };
      })
      .times(2);
    await client().hogql({ query: 'SELECT 1', values: {} });
    await client().hogql({ query: 'SELECT 1', values: {} }, { refresh: true });
    expect(bodies).toEqual([
      { query: { kind: 'HogQLQuery', query: 'SELECT 1', values: {} } },
      { query: { kind: 'HogQLQuery', query: 'SELECT 1', values: {} }, refresh: 'force_blocking' },
    ]);
  });

  it('honours Retry-After on 429', async () => {
    mock.pool.intercept({ path: QUERY_PATH, method: 'POST' }).reply(429, { detail: 'Request was throttled.' }, { headers: { 'Retry-After': '17' } });
    const error = await failure(client().hogql({ query: 'SELECT 1', values: {} }));
    expect(error).toMatchObject({ kind: 'rate_limited', retryAfterSeconds: 17 });
  });

  it('reports malformed JSON and drifted shapes as bad responses, naming the field', async () => {
    mock.pool.intercept({ path: QUERY_PATH, method: 'POST' }).reply(200, '{"results": [', { headers: { 'content-type': 'application/json' } });
    expect((await failure(client().hogql({ query: 'SELECT 1', values: {} }))).kind).toBe('bad_response');
    mock.pool.intercept({ path: QUERY_PATH, method: 'POST' }).reply(200, { results: 'nope' });
    const drift = await failure(client().hogql({ query: 'SELECT 1', values: {} }));
    expect(drift.message).toMatch(/unexpected shape: results/);
  });

  it('reports refused connections and timeouts', async () => {
    mock.pool.intercept({ path: '/api/users/@me/', method: 'GET' }).replyWithError(new Error('connect ECONNREFUSED'));
    const refused = await failure(client().me());
    expect(refused.kind).toBe('network');
    expect(refused.message).toMatch(/Could not reach ph\.test/);

    mock.pool.intercept({ path: '/api/users/@me/', method: 'GET' }).reply(200, { email: 'a@b.c' }).delay(500);
    const slow = await failure(client(50).me());
    expect(slow.kind).toBe('timeout');
  });
});

describe('PostHog client: where the key goes', () => {
  it.each(['http://ph.example.com', 'ftp://ph.example.com', 'http://10.0.0.5:8000', 'javascript:alert(1)//'])('refuses to send the key to %s', async (baseUrl) => {
    let sent = 0;
    const spy = (async () => {
      sent++;
      return new Response('{}');
    }) as unknown as typeof fetch;
    const c = createPostHogClient({ baseUrl, projectId: '7', apiKey: 'phx_secret', fetch: spy });
    const error = await failure(c.me());
    expect(error.message).toMatch(/sends the API key only to PostHog over https/);
    expect(sent).toBe(0);
  });

  it('allows https anywhere and plain http only on this machine', async () => {
    const urls: string[] = [];
    const spy = (async (input: RequestInfo | URL) => {
      urls.push(String(input));
      return new Response(JSON.stringify({ email: 'a@b.c' }));
    }) as unknown as typeof fetch;
    for (const baseUrl of ['https://posthog.example.com', 'http://localhost:8010', 'http://127.0.0.1:8010']) {
      await createPostHogClient({ baseUrl, projectId: '7', apiKey: 'phx_secret', fetch: spy }).me();
    }
    expect(urls).toEqual(['https://posthog.example.com/api/users/@me/', 'http://localhost:8010/api/users/@me/', 'http://127.0.0.1:8010/api/users/@me/']);
  });

  it('never follows a redirect (it could carry the key elsewhere) and never echoes the key', async () => {
    let init: RequestInit | undefined;
    const spy = (async (_input: RequestInfo | URL, i?: RequestInit) => {
      init = i;
      return new Response(JSON.stringify({ detail: 'Invalid key phx_secret' }), { status: 401 });
    }) as unknown as typeof fetch;
    const error = await failure(createPostHogClient({ baseUrl: BASE, projectId: '7', apiKey: 'phx_secret', fetch: spy }).me());
    expect(init?.redirect).toBe('error');
    expect(init?.credentials).toBe('omit');
    expect(error.message).not.toContain('phx_secret');
  });

  it('refuses an answer larger than its limit without reading it all', async () => {
    mock.pool.intercept({ path: QUERY_PATH, method: 'POST' }).reply(200, JSON.stringify({ results: Array.from({ length: 5000 }, (_, i) => ['x'.repeat(50), i]) }));
    const c = createPostHogClient({ baseUrl: BASE, projectId: '7', apiKey: 'phx_secret', fetch: mock.fetch, maxResponseBytes: 64 * 1024 });
    const error = await failure(c.hogql({ query: 'SELECT 1', values: {} }));
    expect(error).toMatchObject({ kind: 'bad_response', message: expect.stringContaining('too large') });
  });

  it("reads PostHog's wait from the 429's text, as PostHog sends no Retry-After (exceptions_hog handler.py; DRF Throttled)", async () => {
    const body = { type: 'throttled_error', code: 'throttled', detail: 'Request was throttled. Expected available in 1734 seconds.', attr: null };
    mock.pool.intercept({ path: QUERY_PATH, method: 'POST' }).reply(429, body);
    const error = await failure(client().hogql({ query: 'SELECT 1', values: {} }));
    expect(error).toMatchObject({ kind: 'rate_limited', retryAfterSeconds: 1734, message: expect.stringContaining('retrying in 29 min') });
    mock.pool.intercept({ path: QUERY_PATH, method: 'POST' }).reply(429, { ...body, detail: 'Request was throttled. Expected available in 1 second.' });
    expect((await failure(client().hogql({ query: 'SELECT 1', values: {} }))).retryAfterSeconds).toBe(1);
    // The concurrency limit names no wait: a minute.
    mock.pool.intercept({ path: QUERY_PATH, method: 'POST' }).reply(429, { ...body, detail: 'Too many queries are running right now — please try again in a moment.' });
    expect((await failure(client().hogql({ query: 'SELECT 1', values: {} }))).retryAfterSeconds).toBe(60);
  });

  it.each([
    [504, 'Query has hit the max execution time before completing. See our docs for how to improve your query performance. You may need to materialize.'],
    [512, 'Estimated query execution time (34.5 seconds) is too long. Try reducing its scope by changing the time range.'],
    [513, "This query ran out of memory before it could finish, usually because it's scanning too much data."],
  ])('takes a %i (posthog/exceptions.py) as a query too heavy to retry soon, with what to do', async (status, detail) => {
    mock.pool.intercept({ path: QUERY_PATH, method: 'POST' }).reply(status, { type: 'server_error', code: 'error', detail, attr: null });
    const error = await failure(client().hogql({ query: 'SELECT 1', values: {} }));
    expect(error.kind).toBe('too_slow');
    expect(error.message).toContain(detail);
    expect(error.message).toMatch(/shorter range/);
  });

  it('reads Retry-After as an HTTP date too', async () => {
    const at = new Date(Date.now() + 45_000).toUTCString();
    mock.pool.intercept({ path: QUERY_PATH, method: 'POST' }).reply(429, { detail: 'throttled' }, { headers: { 'Retry-After': at } });
    const error = await failure(client().hogql({ query: 'SELECT 1', values: {} }));
    expect(error.retryAfterSeconds).toBeGreaterThanOrEqual(43);
    expect(error.retryAfterSeconds).toBeLessThanOrEqual(46);
  });

  describe('look-alike and disguised hosts', () => {
    async function attempt(baseUrl: string) {
      const urls: string[] = [];
      const spy = (async (input: RequestInfo | URL) => {
        urls.push(String(input));
        return new Response(JSON.stringify({ email: 'a@b.c' }));
      }) as unknown as typeof fetch;
      const outcome = await createPostHogClient({ baseUrl, projectId: '7', apiKey: 'phx_secret', fetch: spy })
        .me()
        .then(
          () => null,
          (e: unknown) => e as PostHogError,
        );
      return { urls, error: outcome };
    }

    it.each([
      // Names that start like this machine but resolve anywhere.
      'http://localhost.evil.com',
      'http://localhost.evil.com:8010',
      'http://127.0.0.1.nip.io',
      'http://localhost%2eevil.com',
      // Every interface, not loopback.
      'http://0.0.0.0',
      'http://0.0.0.0:8010',
      // "localhost:8010" is the user name here: the host is evil.com.
      'http://localhost:8010@evil.com',
      'http://127.0.0.1@evil.com',
      // Over https the connection is private, but the user name disguises the host.
      'https://us.posthog.com@evil.com',
      'https://user:password@posthog.example.com',
    ])('refuses %s before sending anything', async (baseUrl) => {
      const { urls, error } = await attempt(baseUrl);
      expect(urls).toEqual([]);
      expect(error).toBeInstanceOf(PostHogError);
      expect(error?.kind).toBe('bad_request');
      expect(error?.message).toMatch(/sends the API key only to PostHog over https/);
      expect(error?.message).not.toContain('phx_secret');
    });

    it.each([
      ['http://[::1]:8010', 'http://[::1]:8010/api/users/@me/'],
      ['http://[0:0:0:0:0:0:0:1]:8010', 'http://[::1]:8010/api/users/@me/'],
      ['http://127.1:8010', 'http://127.0.0.1:8010/api/users/@me/'],
      ['http://LOCALHOST:8010', 'http://localhost:8010/api/users/@me/'],
    ])('allows IPv6 loopback and other spellings of this machine over http: %s', async (baseUrl, sent) => {
      const { urls, error } = await attempt(baseUrl);
      expect(error).toBeNull();
      expect(urls).toEqual([sent]);
    });
  });
});

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
    mock.pool.intercept({ path: QUERY_PATH, method: 'POST' }).reply((request) => {
      seen = {
        body: JSON.parse(String(request.body)),
        auth: (request.headers as Record<string, string>)['Authorization'] ?? (request.headers as Record<string, string>)['authorization'],
      };
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
    const detail = {
      401: 'invalid key',
      403: "API key missing required scope 'query:read'",
      400: 'Unknown function foo',
      404: 'Not found.',
      500: 'boom',
      503: 'down',
    }[status];
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
  it.each(['http://ph.example.com', 'ftp://ph.example.com', 'http://10.0.0.5:8000', 'javascript:alert(1)//'])(
    'refuses to send the key to %s',
    async (baseUrl) => {
      let sent = 0;
      const spy = (async () => {
        sent++;
        return new Response('{}');
      }) as unknown as typeof fetch;
      const c = createPostHogClient({ baseUrl, projectId: '7', apiKey: 'phx_secret', fetch: spy });
      const error = await failure(c.me());
      expect(error.message).toMatch(/sends the API key only to PostHog over https/);
      expect(sent).toBe(0);
    },
  );

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
    mock.pool
      .intercept({ path: QUERY_PATH, method: 'POST' })
      .reply(200, JSON.stringify({ results: Array.from({ length: 5000 }, (_, i) => ['x'.repeat(50), i]) }));
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
  });

  it("says whose requests are limited: a key's (with PostHog's per-key limit) or a sign-in's (rate_limit.py throttles keys only)", async () => {
    const body = { type: 'throttled_error', code: 'throttled', detail: 'Request was throttled. Expected available in 30 seconds.', attr: null };
    mock.pool.intercept({ path: QUERY_PATH, method: 'POST' }).reply(429, body);
    expect((await failure(client().hogql({ query: 'SELECT 1', values: {} }))).message).toBe(
      'PostHog is rate limiting this key (its limit is 120 HogQL queries an hour by default); retrying in 30 s',
    );
    mock.pool.intercept({ path: QUERY_PATH, method: 'POST' }).reply(429, body);
    const signedIn = createPostHogClient({ baseUrl: BASE, projectId: '7', apiKey: 'pha_token', credential: 'signIn', fetch: mock.fetch });
    expect((await failure(signedIn.hogql({ query: 'SELECT 1', values: {} }))).message).toBe('PostHog is rate limiting this sign-in; retrying in 30 s');
  });

  it('asks again after a concurrency refusal, in line: no rate-limit wait (limit.py; query.py CONCURRENCY_LIMIT_USER_MESSAGE)', async () => {
    const refusal = { type: 'throttled_error', code: 'throttled', attr: null };
    mock.pool
      .intercept({ path: QUERY_PATH, method: 'POST' })
      .reply(429, { ...refusal, detail: 'Too many queries are running right now — please try again in a moment.' });
    mock.pool
      .intercept({ path: QUERY_PATH, method: 'POST' })
      .reply(429, { ...refusal, detail: 'Exceeded maximum concurrency limit: 3 for key: api:query:per-team:7 and task: abc' });
    mock.pool.intercept({ path: QUERY_PATH, method: 'POST' }).reply(200, { results: [[1]] });
    const failures: PostHogError[] = [];
    const patient = createPostHogClient({
      baseUrl: BASE,
      projectId: '7',
      apiKey: 'phx_secret',
      fetch: mock.fetch,
      concurrencyBackoffMs: () => 1,
      onFailure: (e) => failures.push(e),
    });
    expect((await patient.hogql({ query: 'SELECT 1', values: {} })).results).toEqual([[1]]);
    // Both refusals were concurrency, not a rate limit: nothing to hold every other request back.
    expect(failures.map((f) => [f.kind, f.detail.concurrency, f.retryAfterSeconds])).toEqual([
      ['rate_limited', true, undefined],
      ['rate_limited', true, undefined],
    ]);
  });

  it("reads PostHog's API ceiling from its 504: the query may run longer as an async query (hogql_query_runner.py api_timeout_detail)", async () => {
    const detail =
      'This query hit the 10-second time limit for queries run through the API. Submit it as an async query to give it more time: https://posthog.com/docs/api/queries#asynchronous-queries. You can also narrow the date range or the filters so it scans less data: https://posthog.com/docs/api/queries#writing-performant-queries';
    mock.pool.intercept({ path: QUERY_PATH, method: 'POST' }).reply(504, { type: 'server_error', code: 'error', detail, attr: null });
    const error = await failure(client().hogql({ query: 'SELECT 1', values: {} }));
    expect(error).toMatchObject({ kind: 'too_slow', detail: { asyncAdvised: true, ceilingSeconds: 10 } });
  });

  it('starts an async query, reads its status and progress, its answer when complete, and cancels (posthog/api/query.py)', async () => {
    let started: unknown;
    mock.pool.intercept({ path: QUERY_PATH, method: 'POST' }).reply((request) => {
      started = JSON.parse(String(request.body));
      return { statusCode: 202, data: { cache_key: 'cache_x', query_status: { id: 'q1', team_id: 7, complete: false, error: false } } };
    });
    const c = client();
    expect(await c.startAsync({ query: 'SELECT 1', values: {} })).toEqual({ running: expect.objectContaining({ id: 'q1', complete: false }) });
    expect(started).toMatchObject({ refresh: 'async' });
    mock.pool.intercept({ path: `${QUERY_PATH}q1/?show_progress=true`, method: 'GET' }).reply(202, {
      query_status: {
        id: 'q1',
        complete: false,
        query_progress: { rows_read: 50, estimated_rows_total: 200, bytes_read: 1, time_elapsed: 2, active_cpu_time: 3 },
      },
    });
    expect(await c.queryStatus('q1')).toEqual({
      running: expect.objectContaining({ query_progress: expect.objectContaining({ rows_read: 50, estimated_rows_total: 200 }) }),
    });
    mock.pool
      .intercept({ path: `${QUERY_PATH}q1/?show_progress=true`, method: 'GET' })
      .reply(200, { query_status: { id: 'q1', complete: true, error: false, results: { results: [[42]], columns: ['x'] } } });
    expect(await c.queryStatus('q1')).toEqual({ done: expect.objectContaining({ results: [[42]] }) });
    // A failed one says why, as PostHog does: 400 with the message, 500 without.
    mock.pool
      .intercept({ path: `${QUERY_PATH}q2/?show_progress=true`, method: 'GET' })
      .reply(400, { query_status: { id: 'q2', complete: true, error: true, error_message: "Unsupported function call 'nope(...)'" } });
    expect(await c.queryStatus('q2')).toEqual({ failed: expect.objectContaining({ kind: 'query_error', message: expect.stringContaining('nope') }) });
    mock.pool
      .intercept({ path: `${QUERY_PATH}q3/?show_progress=true`, method: 'GET' })
      .reply(500, { query_status: { id: 'q3', complete: true, error: true, error_message: null } });
    expect(await c.queryStatus('q3')).toEqual({ failed: expect.objectContaining({ kind: 'server' }) });
    mock.pool.intercept({ path: `${QUERY_PATH}q1/`, method: 'DELETE' }).reply(200, { message: 'Cancelled query on clickhouse' });
    await c.cancelQuery('q1');
    // A fresh cached answer comes whole, at once.
    mock.pool.intercept({ path: QUERY_PATH, method: 'POST' }).reply(200, { results: [[7]], is_cached: true, query_status: null });
    expect(await c.startAsync({ query: 'SELECT 7', values: {} }, { refresh: true })).toEqual({ done: expect.objectContaining({ results: [[7]] }) });
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

// @vitest-environment node
import { afterEach, describe, expect, it } from 'vitest';
import { createPostHogClient } from './client';
import { runHogQL } from './asyncQuery';
import { createQuerySlots } from './querySlots';
import { BASE, mockPostHog } from '../testing/mockPostHog';

const QUERY = '/api/projects/7/query/';
const CEILING =
  'This query hit the 10-second time limit for queries run through the API. Submit it as an async query to give it more time: https://posthog.com/docs/api/queries#asynchronous-queries.';
let mock = mockPostHog();
afterEach(async () => {
  await mock.agent.close();
  mock = mockPostHog();
});
const client = () => createPostHogClient({ baseUrl: BASE, projectId: '7', apiKey: 'phx_k', fetch: mock.fetch });
const running = (id: string, rows = 0) => ({
  query_status: { id, complete: false, error: false, query_progress: { rows_read: rows, estimated_rows_total: 100 } },
});

describe('a query that needs longer than a blocking request', () => {
  it('goes async on the 504 that says so, reports progress, and returns the answer; the slot is held meanwhile', async () => {
    const bodies: unknown[] = [];
    mock.pool.intercept({ path: QUERY, method: 'POST' }).reply(504, { type: 'server_error', code: 'error', detail: CEILING, attr: null });
    mock.pool
      .intercept({ path: QUERY, method: 'POST' })
      .reply((r) => (bodies.push(JSON.parse(String(r.body))), { statusCode: 202, data: { cache_key: 'k', ...running('q1') } }));
    mock.pool.intercept({ path: `${QUERY}q1/?show_progress=true`, method: 'GET' }).reply(202, running('q1', 40));
    mock.pool
      .intercept({ path: `${QUERY}q1/?show_progress=true`, method: 'GET' })
      .reply(200, { query_status: { id: 'q1', complete: true, results: { results: [[1]] } } });
    const slots = createQuerySlots(3);
    const progress: unknown[] = [];
    let usageWhileRunning = 0;
    const result = await runHogQL(
      client(),
      { query: 'SELECT 1', values: {} },
      {
        slots,
        pollDelayMs: () => 1,
        onAsync: () => (usageWhileRunning = slots.usage().async),
        onProgress: (p) => progress.push(p),
      },
    );
    expect(result).toMatchObject({ async: true, ceilingSeconds: 10, response: { results: [[1]] } });
    expect(bodies).toEqual([{ query: { kind: 'HogQLQuery', query: 'SELECT 1', values: {} }, refresh: 'async' }]);
    expect(progress).toEqual([
      { rowsRead: 0, rowsTotal: 100 },
      { rowsRead: 40, rowsTotal: 100 },
    ]);
    expect(usageWhileRunning).toBe(1);
    expect(slots.usage()).toEqual({ held: 0, async: 0, waiting: 0 });
  });

  it('cancels it at PostHog when the caller stops waiting; a failed one is over there and is not cancelled', async () => {
    mock.pool.intercept({ path: QUERY, method: 'POST' }).reply(202, running('q2'));
    mock.pool
      .intercept({ path: `${QUERY}q2/?show_progress=true`, method: 'GET' })
      .reply(202, running('q2', 5))
      .persist();
    let cancelled = 0;
    mock.pool
      .intercept({ path: `${QUERY}q2/`, method: 'DELETE' })
      .reply(() => (cancelled++, { statusCode: 200, data: { message: 'Cancelled query on clickhouse' } }));
    const abort = new AbortController();
    const run = runHogQL(
      client(),
      { query: 'SELECT 2', values: {} },
      { preferAsync: true, signal: abort.signal, pollDelayMs: () => 5, onProgress: () => abort.abort(new Error('nobody needs it')) },
    );
    await expect(run).rejects.toThrow('nobody needs it');
    expect(cancelled).toBe(1);

    mock.pool.intercept({ path: QUERY, method: 'POST' }).reply(202, running('q3'));
    mock.pool
      .intercept({ path: `${QUERY}q3/?show_progress=true`, method: 'GET' })
      .reply(400, { query_status: { id: 'q3', complete: true, error: true, error_message: 'Query has hit the max execution time before completing.' } });
    await expect(runHogQL(client(), { query: 'SELECT 3', values: {} }, { preferAsync: true, pollDelayMs: () => 1 })).rejects.toMatchObject({
      kind: 'too_slow',
    });
  });

  it('does not go async for other failures', async () => {
    mock.pool
      .intercept({ path: QUERY, method: 'POST' })
      .reply(400, { type: 'validation_error', code: 'hogql_query_error', detail: 'Unsupported function call', attr: null });
    await expect(runHogQL(client(), { query: 'SELECT x()', values: {} })).rejects.toMatchObject({ kind: 'query_error' });
  });

  it('polls a query a stopped worker left running instead of sending it again; one gone at PostHog is sent anew', async () => {
    let posted = 0;
    mock.pool
      .intercept({ path: `${QUERY}q4/?show_progress=true`, method: 'GET' })
      .reply(200, { query_status: { id: 'q4', complete: true, results: { results: [[4]] } } });
    const resumed = await runHogQL(client(), { query: 'SELECT 4', values: {} }, { resume: { id: 'q4', at: Date.now() - 30_000 }, pollDelayMs: () => 1 });
    expect(resumed).toMatchObject({ async: true, response: { results: [[4]] } });
    expect(resumed.ms).toBeGreaterThanOrEqual(30_000);

    // Past its lifetime PostHog no longer has the status: QueryNotFoundError, a DRF NotFound, so 404
    // (posthog/clickhouse/client/execute_async.py get_query_status). The query is then sent anew, async.
    mock.pool
      .intercept({ path: `${QUERY}gone/?show_progress=true`, method: 'GET' })
      .reply(404, { type: 'invalid_request', code: 'not_found', detail: 'Query not found.' });
    mock.pool.intercept({ path: QUERY, method: 'POST' }).reply(() => (posted++, { statusCode: 202, data: running('q5') }));
    mock.pool
      .intercept({ path: `${QUERY}q5/?show_progress=true`, method: 'GET' })
      .reply(200, { query_status: { id: 'q5', complete: true, results: { results: [[5]] } } });
    await expect(
      runHogQL(client(), { query: 'SELECT 5', values: {} }, { resume: { id: 'gone', at: Date.now() }, pollDelayMs: () => 1 }),
    ).resolves.toMatchObject({ response: { results: [[5]] } });
    expect(posted).toBe(1);
  });
});

/**
 * The fault matrix against the real local server: lib's metrics service (real fetch, real HTTP)
 * while the server answers with injected faults. For every fault: the last good figures stay,
 * marked stale with a message naming the fault; the server sees no request storm; the next
 * refresh after the fault clears answers fresh figures. Also: hostile tool names reach HogQL only
 * as values and their figures come back right, and a 100 000-row answer neither hangs nor floods.
 */
import { createServer, type Server, type Socket } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { servicesFor } from '../lib/testing/services';
import { memoryStore } from '../lib/storage/store';
import { DEFAULT_METRICS_OPTIONS, type Settings, type SettingsState } from '../lib/settings/settings';
import { startLocalPostHog, type LocalPostHog } from './server';
import { captureBatch } from './test-helpers';

let ph: LocalPostHog;
const QUERY = '/api/projects/1/query/';
const now = Date.now();

const settingsFor = (url: string, apiKey = ph.apiKey): Settings => ({ host: 'custom', customHost: url, projectId: '1', apiKey, ...DEFAULT_METRICS_OPTIONS });
function service(url = ph.url, timeoutMs = 8_000, freshForMs?: number) {
  const state: SettingsState = { status: 'configured', settings: settingsFor(url) };
  return servicesFor({ loadSettings: async () => state, store: memoryStore(), timeoutMs, freshForMs, budget: { capacity: 1000, refillPerHour: 1000 } }).card;
}

// Tools whose names are hostile to HTML, to HogQL, or just long and unicode.
const HOSTILE_TOOLS = [
  `<img src=x onerror=alert(1)>`,
  `javascript:alert(document.cookie)`,
  `it's {tool} {p_tool_name_0} }{ 'quoted' -- SELECT`,
  `x' OR 1=1 -- SELECT * FROM events UNION ALL SELECT 1`,
  `😀 ünïcödé 工具 ${'ℵ'.repeat(150)}`.slice(0, 200),
];

beforeAll(async () => {
  ph = await startLocalPostHog({ seed: { seed: 3, days: 3, events: 1500 } });
  const events = HOSTILE_TOOLS.flatMap((tool, t) =>
    Array.from({ length: t + 2 }, (_, i) => [
      {
        event: 'tool_viewed',
        distinct_id: `h${t}-${i}`,
        timestamp: new Date(now - (i + 1) * 60_000).toISOString(),
        properties: { tool_name: tool, session_id: `hs${t}-${i}` },
      },
      {
        event: 'tool_processing_failed',
        distinct_id: `h${t}-${i}`,
        timestamp: new Date(now - (i + 1) * 60_000 + 5_000).toISOString(),
        properties: { tool_name: tool, session_id: `hs${t}-${i}`, error_type: `<script>alert(${t})</script>`, job_id: `javascript:alert(${i})` },
      },
    ]).flat(),
  );
  await captureBatch(ph, events);
});
afterAll(async () => {
  await ph?.close();
});
beforeEach(() => {
  ph.faults.clear();
  ph.faults.resetCount();
});

type FaultCase = [name: string, set: () => void, kind: string, message: RegExp];
const FAULTS: FaultCase[] = [
  [
    '401 revoked key',
    () =>
      ph.faults.set({
        path: QUERY,
        status: 401,
        body: {
          type: 'authentication_error',
          code: 'authentication_failed',
          detail: 'Personal API key found in request Authorization header is invalid.',
          attr: null,
        },
      }),
    'unauthorized',
    /rejected the personal API key \(401\)/,
  ],
  [
    '403 missing scope',
    () =>
      ph.faults.set({
        path: QUERY,
        status: 403,
        body: { type: 'authentication_error', code: 'permission_denied', detail: "API key missing required scope 'query:read'", attr: null },
      }),
    'forbidden',
    /\(403\).*query:read/,
  ],
  [
    '404 wrong project',
    () => ph.faults.set({ path: QUERY, status: 404, body: { type: 'invalid_request', code: 'not_found', detail: 'Not found.', attr: null } }),
    'not_found',
    /Project 1 was not found on 127\.0\.0\.1:\d+ \(404\)/,
  ],
  ['500', () => ph.faults.set({ path: QUERY, status: 500 }), 'server', /server error \(HTTP 500\)/],
  ['502', () => ph.faults.set({ path: QUERY, status: 502, body: '<html><body>Bad Gateway</body></html>' }), 'server', /HTTP 502/],
  ['503', () => ph.faults.set({ path: QUERY, status: 503, body: 'upstream connect error' }), 'server', /HTTP 503/],
  ['timeout', () => ph.faults.set({ path: QUERY, delayMs: 12_000 }), 'timeout', /did not answer within 8 s/],
  ['connection dropped', () => ph.faults.set({ path: QUERY, drop: true }), 'network', /Could not reach 127\.0\.0\.1:\d+/],
  ['malformed JSON', () => ph.faults.set({ path: QUERY, malformed: true }), 'bad_response', /not JSON/],
  [
    'drifted shape',
    () => ph.faults.set({ path: QUERY, drift: (body) => ({ ...(body as object), results: { rows: (body as { results: unknown }).results } }) }),
    'bad_response',
    /PostHog answered in an unexpected shape: results: /,
  ],
  [
    'HogQL error',
    () =>
      ph.faults.set({
        path: QUERY,
        status: 400,
        body: { type: 'validation_error', code: 'hogql_query_error', detail: 'Unable to resolve field: tool_nam', attr: null },
      }),
    'query_error',
    /could not run the query: Unable to resolve field/,
  ],
];

describe('fault matrix on the local server', () => {
  it.each(FAULTS)('%s: stale figures with the reason, no storm, recovery', async (_name, setFault, kind, message) => {
    // Nothing counts as fresh: every load after the fault would ask PostHog, were it not for the quiet period.
    const svc = service(ph.url, 8_000, 0);
    const good = await svc.getToolMetrics('news-analyzer', '7d');
    expect(good.ok).toBe(true);
    const asOf = good.ok ? good.metrics.asOf : '';
    const views = good.ok ? good.metrics.funnel.steps[0]!.current : -1;
    expect(views).toBeGreaterThan(0);

    setFault();
    ph.faults.resetCount();
    // A refresh and five tabs loading in the next moments.
    const answers = [await svc.getToolMetrics('news-analyzer', '7d', true)];
    answers.push(...(await Promise.all([1, 2, 3, 4, 5].map(() => svc.getToolMetrics('news-analyzer', '7d')))));
    for (const answer of answers) {
      expect(answer).toMatchObject({ ok: true, stale: { kind, message: expect.stringMatching(message) } });
      expect(answer.ok && [answer.metrics.asOf, answer.metrics.funnel.steps[0]!.current]).toEqual([asOf, views]);
    }
    expect(ph.faults.count(QUERY)).toBe(1);

    ph.faults.clear();
    const recovered = await svc.getToolMetrics('news-analyzer', '7d', true);
    expect(recovered.ok && recovered.stale).toBeUndefined();
    expect(recovered.ok && recovered.metrics.funnel.steps[0]!.current).toBe(views);
    expect(ph.faults.count(QUERY)).toBe(2);
  });

  it('429 with Retry-After: never asks sooner, then recovers', async () => {
    const svc = service();
    await svc.getToolMetrics('pdf-to-text', '7d');
    ph.faults.set({
      path: QUERY,
      status: 429,
      headers: { 'Retry-After': '2' },
      body: { type: 'throttled_error', code: 'throttled', detail: 'Request was throttled. Expected available in 2 seconds.', attr: null },
      times: 1,
    });
    ph.faults.resetCount();
    const limited = await svc.getToolMetrics('pdf-to-text', '7d', true);
    expect(limited).toMatchObject({ ok: true, stale: { kind: 'rate_limited', message: expect.stringContaining('retrying in 2 s') } });
    // Asking again and again within the 2 s: answered from the cache, nothing sent.
    for (let i = 0; i < 10; i++) expect(await svc.getToolMetrics('pdf-to-text', '7d', true)).toMatchObject({ ok: true, stale: { kind: 'rate_limited' } });
    expect(await svc.getTriage('pdf-to-text', '7d')).toMatchObject({ ok: false, error: { kind: 'rate_limited' } });
    expect(ph.faults.count(QUERY)).toBe(1);
    const sentAt = ph.faults.log.at(-1)!.at;
    await new Promise((r) => setTimeout(r, 2_100));
    const recovered = await svc.getToolMetrics('pdf-to-text', '7d', true);
    expect(recovered.ok && recovered.stale).toBeUndefined();
    expect(ph.faults.count(QUERY)).toBe(2);
    expect(ph.faults.log.at(-1)!.at - sentAt).toBeGreaterThanOrEqual(2_000);
  });

  it("PostHog's own throttle (per key, no Retry-After): honoured from its text, without a storm, for every tool and the triage tab", async () => {
    // posthog/rate_limit.py HogQLQueryThrottle: 120 an hour in PostHog; 3 here to reach it quickly.
    ph.resetQueryState();
    ph.setLimits({ queriesPerHour: 3 });
    try {
      const svc = service();
      for (const tool of ['news-analyzer', 'pdf-to-text', 'image-compressor']) expect((await svc.getToolMetrics(tool, '7d')).ok).toBe(true);
      ph.faults.resetCount();
      const limited = await svc.getToolMetrics('csv-cleaner', '7d');
      expect(limited).toMatchObject({ ok: false, error: { kind: 'rate_limited', message: expect.stringMatching(/retrying in (59|60) min/) } });
      expect(limited.ok ? 0 : (limited.error.retryInMs ?? 0)).toBeGreaterThan(3_500_000);
      // Other tools, refreshes and the triage tab all wait: nothing more reaches PostHog.
      for (const tool of ['csv-cleaner', 'audio-transcriber', 'news-analyzer']) {
        const answer = await svc.getToolMetrics(tool, '7d', true);
        expect(answer.ok ? answer.stale?.kind : answer.error.kind).toBe('rate_limited');
      }
      expect(await svc.getTriage('news-analyzer', '7d')).toMatchObject({ ok: false, error: { kind: 'rate_limited' } });
      expect(ph.faults.count(QUERY)).toBe(1);
    } finally {
      ph.setLimits({ queriesPerHour: null });
      ph.resetQueryState();
    }
  });

  it('connection refused (PostHog offline), then back', async () => {
    // A forwarding port in front of the server: closing it makes connections fail with ECONNREFUSED.
    const sockets = new Set<Socket>();
    const target = new URL(ph.url);
    const { createConnection } = await import('node:net');
    const open = (port = 0) =>
      new Promise<Server>((resolve) => {
        const proxy = createServer((client) => {
          const upstream = createConnection(Number(target.port), target.hostname);
          sockets.add(client).add(upstream);
          client.pipe(upstream).pipe(client);
          const end = () => (client.destroy(), upstream.destroy());
          client.on('error', end).on('close', end);
          upstream.on('error', end).on('close', end);
        });
        proxy.listen(port, '127.0.0.1', () => resolve(proxy));
      });
    let proxy = await open();
    const port = (proxy.address() as { port: number }).port;
    const svc = service(`http://127.0.0.1:${port}`);
    const good = await svc.getToolMetrics('csv-cleaner', '7d');
    expect(good.ok).toBe(true);

    await new Promise<void>((resolve) => {
      proxy.close(() => resolve());
      for (const s of sockets) s.destroy();
    });
    const offline = await svc.getToolMetrics('csv-cleaner', '7d', true);
    expect(offline).toMatchObject({
      ok: true,
      stale: { kind: 'network', message: expect.stringMatching(new RegExp(`Could not reach 127\\.0\\.0\\.1:${port}`)) },
    });
    expect(offline.ok && offline.metrics.asOf).toBe(good.ok && good.metrics.asOf);

    proxy = await open(port);
    const back = await svc.getToolMetrics('csv-cleaner', '7d', true);
    expect(back.ok && back.stale).toBeUndefined();
    await new Promise<void>((resolve) => {
      proxy.close(() => resolve());
      for (const s of sockets) s.destroy();
    });
  });

  it('can be set over HTTP, guarded by the personal API key', async () => {
    const admin = (method: string, body?: unknown, key = ph.apiKey) =>
      fetch(`${ph.url}/_admin/faults`, {
        method,
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    expect((await admin('POST', { path: QUERY, status: 503 }, 'phx_wrong')).status).toBe(401);
    expect((await admin('POST', { status: 503 })).status).toBe(400);
    expect((await admin('POST', { path: QUERY, status: 503, times: 1 })).status).toBe(200);
    const svc = service();
    expect(await svc.getToolMetrics('image-compressor', '7d')).toMatchObject({ ok: false, error: { kind: 'server', message: expect.stringContaining('503') } });
    expect((await admin('POST', { path: QUERY, drift: { field: 'results', value: 'nope' } })).status).toBe(200);
    expect(await svc.getToolMetrics('image-compressor', '7d', true)).toMatchObject({
      ok: false,
      error: { kind: 'bad_response', message: expect.stringContaining('unexpected shape: results') },
    });
    expect((await admin('DELETE')).status).toBe(200);
    expect((await svc.getToolMetrics('image-compressor', '7d', true)).ok).toBe(true);
  });
});

describe('hostile inputs on the local server', () => {
  it.each(HOSTILE_TOOLS.map((tool, i) => [tool, i] as const))('figures for the tool %j come back right (values, never query text)', async (tool, i) => {
    const answer = await service().getToolMetrics(tool, '24h');
    expect(answer.ok).toBe(true);
    if (!answer.ok) return;
    expect(answer.metrics.tool).toBe(tool);
    expect(answer.metrics.funnel.steps[0]!.current).toBe(i + 2);
    expect(answer.metrics.jobs.current.failed).toBe(i + 2);
    expect(answer.metrics.errors).toEqual([{ type: `<script>alert(${i})</script>`, current: i + 2, previous: 0 }]);
    const triage = await service().getTriage(tool, '24h');
    expect(triage.ok && triage.triage.failures.map((f) => f.jobId).sort()).toEqual(Array.from({ length: i + 2 }, (_, k) => `javascript:alert(${k})`).sort());
    // Links point into the configured PostHog whatever the data says.
    expect(triage.ok && triage.triage.failures.every((f) => f.eventUrl.startsWith(`${ph.url}/project/1/events/`))).toBe(true);
  });

  // Values with `"` or `\` (read by HogQL in their JSON-escaped form): local-posthog/quotedValues.test.ts.

  it('a 100 000-row answer (tools seen, triage) neither hangs nor reaches the card unbounded', async () => {
    const many = (columns: string[], row: (i: number) => unknown[]) => (body: unknown) => {
      const b = body as { columns?: string[] };
      return JSON.stringify(b.columns) === JSON.stringify(columns) ? { ...b, results: Array.from({ length: 100_000 }, (_, i) => row(i)) } : body;
    };
    ph.faults.set({ path: QUERY, drift: many(['tool', 'views'], (i) => [`tool-${i}`, 100_000 - i]) });
    const noViews = await service().getToolMetrics('no-such-tool', '7d');
    expect(noViews.ok && noViews.metrics.toolsSeen?.length).toBe(8);
    ph.faults.clear();
    const cols = ['row_kind', 'uuid', 'at', 'job_id', 'd', 'session_id', 'replay', 'detail'];
    ph.faults.set({
      path: QUERY,
      body: { results: Array.from({ length: 100_000 }, (_, i) => [i % 2 ? 'slow' : 'failure', `u${i}`, now - i, `j${i}`, i, null, null, 'x']), columns: cols },
    });
    const triage = await service().getTriage('news-analyzer', '7d');
    expect(triage.ok && [triage.triage.slowest.length, triage.triage.failures.length]).toEqual([8, 8]);
  });
});

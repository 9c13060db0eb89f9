/**
 * What a website the developer visits while the local server runs can do to it: nothing. CORS answers
 * only the server's own pages, the extension's origins and (for capture, which posthog-js on a local
 * dev page needs) pages on this machine; requests from other origins, or naming another Host (DNS
 * rebinding), are refused before they do anything; no Private Network Access opt-in; the all-scopes
 * key is new at every start; capture bodies are decompressed within a bound; a query has a memory limit.
 */
import { request } from 'node:http';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalPostHog, type LocalPostHog } from './server.js';
import { postQuery } from './test-helpers.js';

let ph: LocalPostHog;
beforeAll(async () => {
  ph = await startLocalPostHog();
});
afterAll(async () => {
  await ph?.close();
});

const QUERY = () => `${ph.url}/api/projects/${ph.projectId}/query/`;
const preflight = (url: string, origin: string, extra: Record<string, string> = {}) =>
  fetch(url, {
    method: 'OPTIONS',
    headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization, content-type', ...extra },
  });
/** A GET with exactly these headers (fetch would set its own Sec-Fetch-*); its status. */
const rawGet = (path: string, headers: Record<string, string>) =>
  new Promise<number>((resolve, reject) => {
    const req = request(`${ph.url}${path}`, { headers }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', reject);
    req.end();
  });
const eventsNamed = async (name: string) => ((await ph.query(`SELECT count() AS n FROM events WHERE event = '${name}'`)) as [{ n: number }])[0].n;

describe('CORS and origins', () => {
  it("answers the API's preflights for its own pages and the extensions only", async () => {
    for (const origin of ['chrome-extension://abcdefghijklmnopabcdefghijklmnop', 'moz-extension://0b7c8a3e-1d2f-4e5a-9b6c-7d8e9f0a1b2c', ph.url]) {
      const res = await preflight(QUERY(), origin);
      expect(res.status, origin).toBe(204);
      expect(res.headers.get('access-control-allow-origin')).toBe(origin);
      expect(res.headers.get('access-control-allow-credentials')).toBeNull();
    }
    for (const origin of ['https://evil.example', 'http://localhost:5173', 'null']) {
      const res = await preflight(QUERY(), origin);
      expect(res.status, origin).toBe(403);
      expect(res.headers.get('access-control-allow-origin')).toBeNull();
    }
  });

  it('refuses an API request from another website even with the key: it is not run', async () => {
    const before = ph.faults.count(`/api/projects/${ph.projectId}/query/`);
    const res = await fetch(QUERY(), {
      method: 'POST',
      headers: { origin: 'https://evil.example', authorization: `Bearer ${ph.apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ query: { kind: 'HogQLQuery', query: 'SELECT 1' } }),
    });
    expect(res.status).toBe(403);
    expect(res.headers.get('access-control-allow-origin')).toBeNull();
    expect(ph.faults.count(`/api/projects/${ph.projectId}/query/`)).toBe(before);
    // Fault injection too: no website may slow or break the server.
    const admin = await fetch(`${ph.url}/_admin/faults`, {
      method: 'POST',
      headers: { origin: 'https://evil.example', authorization: `Bearer ${ph.apiKey}` },
      body: JSON.stringify({ path: '/api/', status: 500 }),
    });
    expect(admin.status).toBe(403);
  });

  it('takes capture from pages on this machine (posthog-js on a local site), not from other websites', async () => {
    const body = (event: string) => JSON.stringify({ api_key: ph.projectApiKey, event, distinct_id: 'd1' });
    const local = await fetch(`${ph.url}/e/`, {
      method: 'POST',
      headers: { origin: 'http://127.0.0.1:5173', 'content-type': 'text/plain' },
      body: body('from_local_page'),
    });
    expect(local.status).toBe(200);
    expect(local.headers.get('access-control-allow-origin')).toBe('http://127.0.0.1:5173');
    expect((await preflight(`${ph.url}/flags/?v=2`, 'http://localhost:5173')).status).toBe(204);
    // A simple text/plain POST needs no preflight: the origin is checked on the request itself.
    const evil = await fetch(`${ph.url}/e/`, {
      method: 'POST',
      headers: { origin: 'https://evil.example', 'content-type': 'text/plain' },
      body: body('from_evil_page'),
    });
    expect(evil.status).toBe(403);
    // An <img> or a form from another site sends no Origin, but says it is cross-site.
    const beacon = await fetch(`${ph.url}/e/?data=${encodeURIComponent(Buffer.from(body('from_evil_beacon')).toString('base64'))}`, {
      headers: { 'sec-fetch-site': 'cross-site' },
    });
    expect(beacon.status).toBe(403);
    // Fetch sets its own Sec-Fetch-Mode: these are sent as a browser sends a navigation.
    const link = await rawGet(`/e/?data=${encodeURIComponent(Buffer.from(body('from_evil_link')).toString('base64'))}`, {
      'sec-fetch-site': 'cross-site',
      'sec-fetch-mode': 'navigate',
    });
    expect(link).toBe(403);
    // The one page other sites may open: PostHog's consent screen, in the browser's sign-in window.
    expect(await rawGet('/oauth/authorize/?client_id=x', { 'sec-fetch-site': 'cross-site', 'sec-fetch-mode': 'navigate' })).not.toBe(403);
    expect(await rawGet('/oauth/authorize/?client_id=x', { 'sec-fetch-site': 'cross-site', 'sec-fetch-mode': 'no-cors' })).toBe(403);
    expect(await eventsNamed('from_local_page')).toBe(1);
    expect(await eventsNamed('from_evil_page')).toBe(0);
    expect(await eventsNamed('from_evil_beacon')).toBe(0);
    expect(await eventsNamed('from_evil_link')).toBe(0);
  });

  it('opts into no Private Network Access, whoever asks', async () => {
    for (const origin of ['https://evil.example', 'chrome-extension://abcdefghijklmnopabcdefghijklmnop']) {
      const res = await preflight(QUERY(), origin, { 'access-control-request-private-network': 'true' });
      expect(res.headers.get('access-control-allow-private-network')).toBeNull();
    }
  });

  it('answers only requests addressed to this machine by name (a rebound DNS name is refused)', async () => {
    const { port } = new URL(ph.url);
    const status = (host: string) =>
      new Promise<number>((resolve, reject) => {
        const req = request({ host: '127.0.0.1', port, path: '/api/users/@me/', headers: { host, authorization: `Bearer ${ph.apiKey}` } }, (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        });
        req.on('error', reject);
        req.end();
      });
    expect(await status(`127.0.0.1:${port}`)).toBe(200);
    expect(await status(`localhost:${port}`)).toBe(200);
    expect(await status(`attacker.example:${port}`)).toBe(403);
  });
});

describe('the personal API key', () => {
  it('is random at every start unless one is given, and the old fixed one opens nothing', async () => {
    expect(ph.apiKey).toMatch(/^phx_[0-9a-f]{48}$/);
    expect((await postQuery(ph, { query: { kind: 'HogQLQuery', query: 'SELECT 1' } }, { authorization: 'Bearer phx_tool_lens_local_demo_key' })).status).toBe(
      401,
    );
    const first = ph.apiKey;
    // One server per process at a time (chdb): the next start gets a key of its own.
    await ph.close();
    ph = await startLocalPostHog();
    expect(ph.apiKey).toMatch(/^phx_[0-9a-f]{48}$/);
    expect(ph.apiKey).not.toBe(first);
    expect((await postQuery(ph, { query: { kind: 'HogQLQuery', query: 'SELECT 1' } }, { authorization: `Bearer ${first}` })).status).toBe(401);
    await ph.close();
    ph = await startLocalPostHog({ apiKey: 'phx_given_for_this_run' });
    expect(ph.apiKey).toBe('phx_given_for_this_run');
    expect((await postQuery(ph, { query: { kind: 'HogQLQuery', query: 'SELECT 1' } })).status).toBe(200);
  });
});

describe('bounded work', () => {
  it('refuses a gzip bomb at decompression, before reading its token, and stays up', async () => {
    const bomb = gzipSync(Buffer.alloc(200 * 1024 * 1024, 0x20));
    expect(bomb.length).toBeLessThan(1024 * 1024);
    for (const [path, headers] of [
      ['/e/', { 'content-type': 'text/plain' }],
      ['/batch/', { 'content-encoding': 'gzip', 'content-type': 'application/json' }],
      ['/e/?compression=gzip-js', { 'content-type': 'text/plain' }],
    ] as const) {
      const res = await fetch(`${ph.url}${path}`, { method: 'POST', headers, body: bomb });
      expect(res.status, path).toBe(413);
      expect(((await res.json()) as { code: string }).code).toBe('payload_too_large');
    }
    expect((await fetch(`${ph.url}/_health`)).status).toBe(200);
  });

  it('gives every query a ClickHouse memory limit by default: a query needing more gets PostHog’s 513', async () => {
    const limit = ph.limits().maxMemoryBytes;
    expect(limit).toBeGreaterThan(0);
    // About 1.5 × the limit: ~110 bytes per string of 100.
    const n = Math.ceil((1.5 * limit) / 110);
    const res = await postQuery(ph, { query: { kind: 'HogQLQuery', query: `SELECT length(arrayMap(x -> repeat('x', 100), range(${n})))` } });
    expect(res.status).toBe(513);
    expect(res.body.code).toBe('clickhouse_memory_limit_exceeded');
    expect((await postQuery(ph, { query: { kind: 'HogQLQuery', query: 'SELECT 1' } })).status).toBe(200);
  });
});

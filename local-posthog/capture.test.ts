import { randomUUID } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { PostHog } from 'posthog-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalPostHog, type LocalPostHog } from './server.js';
import { hogql } from './test-helpers.js';

let ph: LocalPostHog;

beforeAll(async () => {
  ph = await startLocalPostHog();
});
afterAll(async () => {
  await ph?.close();
});

async function eventsFor(distinctPrefix: string) {
  const r = await hogql(
    ph,
    `SELECT uuid, event, distinct_id, timestamp, properties.tool_name, properties.$tool_name, properties.file_size, properties.nested.deep
     FROM events WHERE startsWith(distinct_id, {p}) ORDER BY timestamp, event`,
    { p: distinctPrefix },
  );
  return r.results;
}

describe('capture', () => {
  it('accepts the real posthog-node client (gzip batches to /batch/)', async () => {
    const client = new PostHog(ph.projectApiKey, { host: ph.url, flushAt: 2, flushInterval: 0 });
    const uuids = [randomUUID(), randomUUID(), randomUUID()];
    client.capture({
      distinctId: 'node-1',
      event: 'tool_viewed',
      uuid: uuids[0],
      timestamp: new Date('2025-03-01T10:00:00.000Z'),
      properties: { tool_name: 'pdf-to-text', file_size: 1234 },
    });
    client.capture({
      distinctId: 'node-1',
      event: 'tool_upload_started',
      uuid: uuids[1],
      timestamp: new Date('2025-03-01T10:00:05.250Z'),
      properties: { $tool_name: 'csv-cleaner', nested: { deep: 'x' } },
    });
    client.capture({
      distinctId: 'node-2',
      event: 'tool_viewed',
      uuid: uuids[2],
      timestamp: new Date('2025-03-01T10:00:09.000Z'),
      properties: { tool_name: 'audio-transcriber' },
    });
    await client.shutdown();
    const rows = await eventsFor('node-');
    // file_size arrived as a JSON number, so its property definition is Numeric and HogQL reads it as one
    // (posthog/hogql/transforms/property_types.py); times are RFC 3339 with microseconds when there are
    // some (posthog/renderers.py, orjson).
    expect(rows).toEqual([
      [uuids[0], 'tool_viewed', 'node-1', '2025-03-01T10:00:00Z', 'pdf-to-text', null, 1234, null],
      [uuids[1], 'tool_upload_started', 'node-1', '2025-03-01T10:00:05.250000Z', null, 'csv-cleaner', null, 'x'],
      [uuids[2], 'tool_viewed', 'node-2', '2025-03-01T10:00:09Z', 'audio-transcriber', null, null, null],
    ]);
    const raw = (await ph.query(`SELECT properties FROM events WHERE distinct_id = 'node-2'`)) as { properties: string }[];
    expect(JSON.parse(raw[0]!.properties).$lib).toBe('posthog-node');
  });

  it('accepts posthog-js style bodies: form-encoded base64, gzip-js, plain arrays and single events', async () => {
    const ev = (n: number, extra: Record<string, unknown> = {}) => ({
      event: `js_event_${n}`,
      properties: { distinct_id: 'js-1', token: ph.projectApiKey, $session_id: 'sess-js', n, ...extra },
      timestamp: `2025-03-02T10:00:0${n}.000Z`,
    });
    // form-encoded base64 (posthog-js compression=base64)
    let res = await fetch(`${ph.url}/e/?compression=base64`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'data=' + encodeURIComponent(Buffer.from(JSON.stringify(ev(1, { s: 'ünï "q" \\ {x}' }))).toString('base64')),
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 1 });
    // gzip-js body on /i/v0/e/
    res = await fetch(`${ph.url}/i/v0/e/?compression=gzip-js&ver=1.200.0&_=${Date.now()}`, {
      method: 'POST',
      headers: { 'content-type': 'text/plain' },
      body: gzipSync(Buffer.from(JSON.stringify([ev(2), ev(3)]))),
    });
    expect(res.status).toBe(200);
    // Content-Encoding: gzip on /track
    res = await fetch(`${ph.url}/track`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' },
      body: gzipSync(Buffer.from(JSON.stringify(ev(4)))),
    });
    expect(res.status).toBe(200);
    // single JSON event with api_key + no timestamp on /capture/
    res = await fetch(`${ph.url}/capture/`, {
      method: 'POST',
      body: JSON.stringify({ api_key: ph.projectApiKey, event: 'js_event_5', distinct_id: 'js-2', properties: {} }),
    });
    expect(res.status).toBe(200);

    const rows = (await hogql(ph, `SELECT event, properties.n, properties.s, distinct_id FROM events WHERE startsWith(event, 'js_event_') ORDER BY event`))
      .results;
    // n is a JSON number (property type Numeric); s a string, returned as its raw JSON text (escapes kept).
    expect(rows).toEqual([
      ['js_event_1', 1, 'ünï \\"q\\" \\\\ {x}', 'js-1'],
      ['js_event_2', 2, null, 'js-1'],
      ['js_event_3', 3, null, 'js-1'],
      ['js_event_4', 4, null, 'js-1'],
      ['js_event_5', null, null, 'js-2'],
    ]);
    const [recent] = (await ph.query(`SELECT dateDiff('second', timestamp, now64()) AS age FROM events WHERE event = 'js_event_5'`)) as { age: number }[];
    expect(Math.abs(recent!.age)).toBeLessThan(60);
  });

  it('rejects unknown tokens, missing tokens and unsupported compression', async () => {
    let res = await fetch(`${ph.url}/batch/`, { method: 'POST', body: JSON.stringify({ api_key: 'phc_wrong', batch: [{ event: 'x', distinct_id: 'd' }] }) });
    expect(res.status).toBe(401);
    expect(await res.json()).toEqual({
      type: 'authentication_error',
      code: 'invalid_api_key',
      detail: 'Project API key invalid. You can find your project API key in PostHog project settings.',
      attr: null,
    });
    res = await fetch(`${ph.url}/e/`, { method: 'POST', body: JSON.stringify({ event: 'x', distinct_id: 'd' }) });
    expect(res.status).toBe(401);
    expect(((await res.json()) as { code: string }).code).toBe('missing_api_key');
    res = await fetch(`${ph.url}/e/?compression=lz64`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'data=abc' });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { detail: string }).detail).toMatch(/lz64.*not supported/);
    const [{ n }] = (await ph.query(`SELECT count() AS n FROM events WHERE event = 'x'`)) as [{ n: number }];
    expect(n).toBe(0);
  });

  it('answers CORS preflights and posthog-js start-up endpoints', async () => {
    let res = await fetch(`${ph.url}/api/projects/1/query/`, {
      method: 'OPTIONS',
      headers: { origin: 'chrome-extension://abc', 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization, content-type' },
    });
    expect(res.status).toBe(204);
    expect(res.headers.get('access-control-allow-origin')).toBe('chrome-extension://abc');
    expect(res.headers.get('access-control-allow-headers')).toContain('authorization');
    expect(res.headers.get('access-control-allow-headers')).toContain('content-type');
    res = await fetch(`${ph.url}/flags/?v=2&config=true`, { method: 'POST', headers: { origin: 'http://localhost:5173' }, body: '{}' });
    expect(res.status).toBe(200);
    expect(res.headers.get('access-control-allow-origin')).toBe('http://localhost:5173');
    const flags = (await res.json()) as Record<string, unknown>;
    expect(flags.flags).toEqual({});
    expect(flags.sessionRecording).toBe(false);
    res = await fetch(`${ph.url}/decide/?v=3`);
    expect(res.status).toBe(200);
    res = await fetch(`${ph.url}/array/${ph.projectApiKey}/config`);
    expect(((await res.json()) as { token: string }).token).toBe(ph.projectApiKey);
    res = await fetch(`${ph.url}/array/${ph.projectApiKey}/config.js`);
    expect(await res.text()).toContain('window._POSTHOG_REMOTE_CONFIG');
  });
});

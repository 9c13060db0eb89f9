import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateSeedEvents, SEED_TOOLS } from './seed.js';
import { startLocalPostHog, type LocalPostHog } from './server.js';
import { hogql } from './test-helpers.js';

const NOW = new Date('2026-06-01T12:00:00Z');
const take = (seed: number, n = 2000) => [...generateSeedEvents({ seed, days: 14, events: n, now: NOW })];

describe('generateSeedEvents', () => {
  it('is deterministic per seed and differs between seeds', () => {
    const a = take(42);
    expect(take(42)).toEqual(a);
    expect(take(43)).not.toEqual(a);
    expect(a).toHaveLength(2000);
    const ts = a.map((e) => Date.parse(e.timestamp));
    expect(Math.max(...ts)).toBeLessThanOrEqual(NOW.getTime());
    expect(Math.min(...ts)).toBeGreaterThanOrEqual(NOW.getTime() - 14 * 86_400_000 - 3_600_000);
    expect(ts.some((t) => t > NOW.getTime() - 3_600_000)).toBe(true);
    expect(new Set(a.map((e) => e.uuid)).size).toBe(a.length);
    // time order within a session
    const bySession = new Map<string, number[]>();
    for (const e of a) bySession.set(String(e.properties.session_id), [...(bySession.get(String(e.properties.session_id)) ?? []), Date.parse(e.timestamp)]);
    for (const times of bySession.values()) expect([...times].sort((x, y) => x - y)).toEqual(times);
  });
});

describe('seeded server', () => {
  let ph: LocalPostHog;
  beforeAll(async () => {
    ph = await startLocalPostHog({ seed: { seed: 7, days: 14, events: 30_000 } });
  });
  afterAll(async () => {
    await ph?.close();
  });

  it('has every tool, leaky funnels, both spellings and a slow audio-transcriber', async () => {
    const total = await hogql(ph, 'SELECT count() FROM events');
    expect(total.results).toEqual([[30_000]]);

    const perTool = await hogql(
      ph,
      `SELECT coalesce(properties.tool_name, properties.$tool_name) AS tool,
              countIf(event = 'tool_viewed') AS viewed, countIf(event = 'tool_upload_started') AS uploads,
              countIf(event = 'tool_processing_started') AS started, countIf(event = 'tool_processing_completed') AS completed,
              countIf(event = 'tool_processing_failed') AS failed, countIf(event = 'tool_result_downloaded') AS downloaded,
              countIf(properties.$tool_name IS NOT NULL) AS dollar,
              quantile(0.5)(toFloat(coalesce(properties.processing_duration_ms, properties.$processing_duration_ms))) AS p50
       FROM events GROUP BY tool ORDER BY p50 DESC`,
    );
    const rows = perTool.results as [string, number, number, number, number, number, number, number, number][];
    expect(rows.map((r) => r[0]).sort()).toEqual(SEED_TOOLS.map((t) => t.name).sort());
    expect(rows[0]![0]).toBe('audio-transcriber');
    expect(rows[0]![8]).toBeGreaterThan(20_000);
    for (const [tool, viewed, uploads, started, completed, failed, downloaded, dollar] of rows) {
      expect(viewed).toBeGreaterThan(uploads * 0.9); // leaks at upload (retries add a few uploads)
      expect(started).toBeLessThan(uploads);
      expect(completed + failed).toBeLessThanOrEqual(started);
      expect(failed).toBeGreaterThan(0);
      expect(downloaded).toBeLessThan(completed);
      if (tool === 'csv-cleaner') expect(dollar).toBe(viewed + uploads + started + completed + failed + downloaded);
      else expect(dollar).toBe(0);
    }
    const errs = await hogql(ph, `SELECT uniqExact(properties.error_type) FROM events WHERE event = 'tool_processing_failed'`);
    expect(errs.results[0]![0]).toBeGreaterThanOrEqual(5);
  });
});

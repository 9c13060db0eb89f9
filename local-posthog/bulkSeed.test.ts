/**
 * The seed drawn inside ClickHouse (bulkSeed.ts) against the JS generator it stands in for at scale:
 * the same tools, events and figures in proportion, the same every time.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateSeedEvents, SEED_TOOLS } from './seed';
import { bulkSeedSql, sessionsFor } from './bulkSeed';
import { startLocalPostHog, type LocalPostHog } from './server';

const NOW = new Date('2026-12-01T12:00:00Z');
const OPTIONS = { seed: 7, days: 14, events: 60_000, now: NOW };
let ph: LocalPostHog;

beforeAll(async () => {
  ph = await startLocalPostHog({ seed: { ...OPTIONS, inClickHouse: true } });
});
afterAll(async () => {
  await ph?.close();
});

const rows = async <T>(sql: string) => (await ph.query(sql)) as T[];
const tool = "if(JSONHas(properties, 'tool_name'), JSONExtractString(properties, 'tool_name'), JSONExtractString(properties, '$tool_name'))";

describe('the seed drawn inside ClickHouse', () => {
  it('has about the events asked for, none after now, each tool and event in the JS generator proportions', async () => {
    const js = { events: new Map<string, number>(), tools: new Map<string, number>(), total: 0 };
    for (const e of generateSeedEvents(OPTIONS)) {
      js.total++;
      js.events.set(e.event, (js.events.get(e.event) ?? 0) + 1);
      const t = String(e.properties.tool_name ?? e.properties.$tool_name);
      js.tools.set(t, (js.tools.get(t) ?? 0) + 1);
    }
    const { n, future } = (
      await rows<{ n: number; future: number }>(
        `SELECT count() AS n, countIf(timestamp > toDateTime64('${NOW.toISOString().slice(0, 19).replace('T', ' ')}', 6, 'UTC')) AS future FROM events`,
      )
    )[0]!;
    expect(Math.abs(Number(n) - OPTIONS.events) / OPTIONS.events).toBeLessThan(0.03);
    expect(Number(future)).toBe(0);
    const share = (count: number, total: number) => count / total;
    for (const r of await rows<{ event: string; c: number }>('SELECT event, count() AS c FROM events GROUP BY event')) {
      expect(Math.abs(share(Number(r.c), Number(n)) - share(js.events.get(r.event) ?? 0, js.total)), r.event).toBeLessThan(0.01);
    }
    const byTool = await rows<{ t: string; c: number }>(`SELECT ${tool} AS t, count() AS c FROM events GROUP BY t`);
    expect(byTool.map((r) => r.t).sort()).toEqual(SEED_TOOLS.map((t) => t.name).sort());
    for (const r of byTool) expect(Math.abs(share(Number(r.c), Number(n)) - share(js.tools.get(r.t) ?? 0, js.total)), r.t).toBeLessThan(0.015);
    // csv-cleaner spells $tool_name and $processing_duration_ms, as in seed.ts.
    expect(
      (
        await rows<{ c: number }>(
          `SELECT count() AS c FROM events WHERE JSONHas(properties, '$tool_name') AND JSONExtractString(properties, '$tool_name') != 'csv-cleaner'`,
        )
      )[0]!.c,
    ).toBe(0);
  });

  it("draws each tool's processing time around its median, and failures at its rate", async () => {
    const stats = await rows<{ t: string; p50: number; fail: number }>(
      `SELECT ${tool} AS t, quantileExactIf(0.5)(toFloat64(if(JSONHas(properties, 'processing_duration_ms'), JSONExtractInt(properties, 'processing_duration_ms'), JSONExtractInt(properties, '$processing_duration_ms'))), event = 'tool_processing_completed' AND JSONExtractBool(properties, 'from_cache') = 0) AS p50,
         countIf(event = 'tool_processing_failed') / countIf(event = 'tool_processing_started') AS fail
       FROM events GROUP BY t`,
    );
    for (const profile of SEED_TOOLS) {
      const s = stats.find((x) => x.t === profile.name)!;
      expect(s.p50 / profile.medianMs, profile.name).toBeGreaterThan(0.85);
      expect(s.p50 / profile.medianMs, profile.name).toBeLessThan(1.15);
      // Failures only of jobs not from cache: the failure rate times the share run.
      expect(s.fail / (profile.failRate * (1 - profile.pCache)), profile.name).toBeGreaterThan(0.6);
      expect(s.fail / (profile.failRate * (1 - profile.pCache)), profile.name).toBeLessThan(1.6);
    }
  });

  it('is the same every time for the same options', async () => {
    // The same draw again, into another project's rows: the same events, uuids and times.
    await ph.query(bulkSeedSql({ ...OPTIONS, sessions: sessionsFor(OPTIONS), teamId: 99 }));
    const digest =
      'SELECT team_id, groupBitXor(cityHash64(uuid, event, properties, timestamp, distinct_id, person_id, person_properties)) AS d, count() AS n FROM events GROUP BY team_id ORDER BY team_id FORMAT JSONEachRow';
    const [one, two] = await rows<{ d: number; n: number }>(digest);
    expect(two).toEqual({ ...one, team_id: 99 });
  });
});

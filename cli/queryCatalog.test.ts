// @vitest-environment node
/**
 * Every query `tool-lens queries` prints, held to PostHog's HogQL: the local server's strict translator
 * (PostHog's function table, arities, parameters, case rules: local-posthog/functionTable.ts) accepts
 * it, and it uses no function that HogQL releases of the past year lack (`recent` in the table, from
 * ../shared/reference/hogql-functions.json: e.g. quantileExact, toFloat64OrNull). Support's person lookup
 * (lib/support/query.ts) is in it by each kind of value it matches, and its "all jobs" link's query too.
 */
import { describe, expect, it } from 'vitest';
import { callsOf, parseHogQLSelect, printHogQL } from '../local-posthog/hogql/index';
import { findFunction } from '../local-posthog/hogql/functions';
import { queryCatalog } from './queryCatalog';

const catalog = queryCatalog();

describe('every HogQL query Tool Lens can send', () => {
  it('has a distinct name, a text and values', () => {
    expect(new Set(catalog.map((q) => q.name)).size).toBe(catalog.length);
    expect(catalog.length).toBeGreaterThan(50);
    for (const q of catalog) expect(q.query.trim().length).toBeGreaterThan(0);
  });

  it("holds support's lookup by every kind of value, in every spelling, and its person's jobs link", () => {
    for (const spelling of ['plain', 'dollar', 'both']) {
      for (const match of ['email', 'distinct_id', 'session_id', 'job_id', 'any_id'])
        expect(catalog.map((q) => q.name)).toContain(`person lookup by ${match} (${spelling}, 7d)`);
      expect(catalog.map((q) => q.name)).toContain(`person's jobs link (${spelling}, 7d)`);
    }
  });

  it('changes only values, not text, with the range', () => {
    const byOptions = new Map<string, { texts: Set<string>; ranges: number }>();
    for (const q of catalog) {
      const key = q.name.replace(/, (1h|24h|7d|30d)\)$/, ')');
      if (key === q.name) continue;
      const entry = byOptions.get(key) ?? { texts: new Set(), ranges: 0 };
      entry.texts.add(q.query);
      entry.ranges++;
      byOptions.set(key, entry);
    }
    const withEveryRange = [...byOptions.entries()].filter(([, e]) => e.ranges === 4);
    expect(withEveryRange.map(([key]) => key.split(' (')[0])).toEqual(['card', 'triage', 'latency link', 'person lookup by any_id', 'tools seen']);
    for (const [, entry] of withEveryRange) expect(entry.texts.size).toBe(1);
  });

  // On PostHog's JSON-typed events table a bare `properties` (or `person_properties`) is rebuilt as a JSON string
  // row by row, and no materialized column can serve it (posthog/hogql/printer.py `_serialize_events_json_field`):
  // every property is read by name. A field `properties` is bare unless something reads a key out of it.
  it('never reads the whole properties JSON', { timeout: 600_000 }, async () => {
    const bare: string[] = [];
    const walk = (node: unknown, keyed: boolean, name: string) => {
      if (!node || typeof node !== 'object') return;
      if (Array.isArray(node)) return node.forEach((n) => walk(n, false, name));
      const n = node as Record<string, unknown>;
      if (n.node === 'Field' && !keyed) {
        const chain = (n.chain as unknown[]).map(String);
        if (['properties', 'person_properties'].includes(chain[chain.length - 1]!) && chain.length <= 2) bare.push(`${name}: ${chain.join('.')}`);
      }
      for (const [k, v] of Object.entries(n)) walk(v, (n.node === 'ArrayAccess' && k === 'array') || (n.node === 'TupleAccess' && k === 'tuple'), name);
    };
    for (const q of catalog) walk(await parseHogQLSelect(q.query), false, q.name);
    expect(bare).toEqual([]);
  });

  // PostHog's parser is slow on purpose-built queries and the machine may be loaded: a generous timeout.
  it('runs through the strict translator and uses only functions every PostHog release of the past year has', { timeout: 600_000 }, async () => {
    const problems: string[] = [];
    for (const q of catalog) {
      try {
        const ast = await parseHogQLSelect(q.query);
        printHogQL(ast, q.query, q.values);
        for (const name of callsOf(ast)) {
          const meta = findFunction(name);
          if (meta?.recent) problems.push(`${q.name}: ${name}() is missing from older PostHog releases`);
        }
      } catch (e) {
        problems.push(`${q.name}: ${(e as Error).message}`);
      }
    }
    expect(problems).toEqual([]);
  });
});

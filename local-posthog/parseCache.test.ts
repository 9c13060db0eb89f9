/** The local server parses a query text once: values are placeholders, so one text serves every tool. */
import { describe, expect, it } from 'vitest';
import { HogQLError, parseHogQLSelect } from './hogql/index.js';
import { PARSE_CACHE_SIZE, parseCacheStats } from './hogql/parse.js';
import { buildCardQuery } from '../lib/card/query';
import { DEFAULT_METRICS_OPTIONS } from '../lib/settings/settings';

describe('parse cache', () => {
  it('runs the parser once per text, and hands every caller its own tree', async () => {
    const { query } = buildCardQuery({ tool: 'pdf-to-text', range: '7d', options: DEFAULT_METRICS_OPTIONS });
    // Another tool, another range: the same text.
    expect(buildCardQuery({ tool: 'news-analyzer', range: '30d', options: DEFAULT_METRICS_OPTIONS }).query).toBe(query);
    const before = parseCacheStats().parses;
    const first = await parseHogQLSelect(query);
    const second = await parseHogQLSelect(query);
    expect(parseCacheStats().parses - before).toBeLessThanOrEqual(1);
    expect(second).toEqual(first);
    (first as { node: string }).node = 'changed by a caller';
    expect((await parseHogQLSelect(query)).node).toBe(second.node);
    // Uncached, for measuring the parser itself.
    await parseHogQLSelect(query, { cache: false });
    expect(parseCacheStats().parses - before).toBeLessThanOrEqual(2);
  });

  it('fails a bad text the same way every time', async () => {
    const bad = 'SELECT FROM WHERE';
    const messages: string[] = [];
    for (let i = 0; i < 2; i++) await parseHogQLSelect(bad).catch((e: HogQLError) => messages.push(`${e.name}: ${e.code}`));
    expect(messages).toEqual(['HogQLError: hogql_syntax_error', 'HogQLError: hogql_syntax_error']);
  });

  it('stays bounded, dropping the least recently used text', async () => {
    const kept = 'SELECT 1 AS kept FROM events';
    await parseHogQLSelect(kept);
    for (let i = 0; i < PARSE_CACHE_SIZE + 20; i++) {
      await parseHogQLSelect(`SELECT ${i} AS n FROM events`);
      // Used again now and then: it stays while older ones go.
      if (i % 50 === 0) await parseHogQLSelect(kept);
    }
    expect(parseCacheStats().size).toBe(PARSE_CACHE_SIZE);
    const before = parseCacheStats().parses;
    await parseHogQLSelect(kept);
    expect(parseCacheStats().parses).toBe(before);
    await parseHogQLSelect('SELECT 0 AS n FROM events');
    expect(parseCacheStats().parses).toBe(before + 1);
  });
});

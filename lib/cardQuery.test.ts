// @vitest-environment node
import { describe, expect, it } from 'vitest';
import { buildCardQuery, CARD_QUERY } from './cardQuery';

async function parseSelect(query: string) {
  const parser = await (await import('@posthog/hogql-parser')).default();
  return JSON.parse(parser.parseSelect(query, true)) as { error?: boolean; message?: string; node?: string };
}

function placeholders(query: string): string[] {
  return [...new Set([...query.matchAll(/\{([a-z_]+)\}/g)].map((m) => m[1]!))].sort();
}

describe('card query', () => {
  it("parses with PostHog's own HogQL parser", async () => {
    const ast = await parseSelect(CARD_QUERY);
    expect(ast.error, ast.message).toBeUndefined();
    expect(ast.node).toBe('SelectSetQuery');
  });

  it('has a value for every placeholder and no unused values', () => {
    const { query, values } = buildCardQuery('news-analyzer', '7d');
    expect(placeholders(query)).toEqual(Object.keys(values).sort());
  });

  it('never puts the tool name into the query text', () => {
    const hostile = `x' OR 1=1 -- {tool} \\ "select"`;
    const { query, values } = buildCardQuery(hostile, '24h');
    expect(query).toBe(CARD_QUERY);
    expect(values.tool).toBe(hostile);
    expect(values.range_seconds).toBe(86_400);
  });

  it('reads every custom property under both spellings', () => {
    for (const name of ['tool_name', 'session_id', 'processing_duration_ms']) {
      expect(CARD_QUERY).toContain(`coalesce(properties.${name}, properties.$${name})`);
    }
    expect(CARD_QUERY).not.toMatch(/properties\.\$?tool_name\s*=/);
  });
});

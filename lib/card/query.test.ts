// @vitest-environment node
import { describe, expect, it } from 'vitest';
import { buildCardQuery, buildLatencyQuery, buildToolsSeenQuery, buildTriageQuery, sparkBucketSeconds, type CardQueryInput } from './query';
import { DEFAULT_SCHEMA } from '../model/events';
import { DEFAULT_METRICS_OPTIONS } from '../settings/settings';

// One parser for the file: building it (WASM) and warming it up is most of the cost.
let parser: Promise<{ parseSelect(q: string, internal: boolean): string }> | null = null;
async function parseSelect(query: string) {
  parser ??= import('@posthog/hogql-parser').then((m) => m.default());
  return JSON.parse((await parser).parseSelect(query, true)) as { error?: boolean; message?: string; node?: string };
}

function placeholders(query: string): string[] {
  return [...new Set([...query.matchAll(/\{([a-z_0-9]+)\}/g)].map((m) => m[1]!))].sort();
}

const input = (extra: Partial<CardQueryInput> = {}): CardQueryInput => ({ tool: 'news-analyzer', range: '7d', options: DEFAULT_METRICS_OPTIONS, ...extra });
const hostile = `x' OR 1=1 -- {tool} \\ "select" events`;
const builders = {
  card: buildCardQuery,
  triage: buildTriageQuery,
  latency: buildLatencyQuery,
  toolsSeen: (i: CardQueryInput) => buildToolsSeenQuery(i.range, i.options.schema),
};

describe.each(Object.entries(builders))('%s query', (_name, build) => {
  // PostHog's parser takes its time on a loaded machine: the timeout is generous, the check is the parse.
  it("parses with PostHog's own HogQL parser, with and without a segment", { timeout: 120_000 }, async () => {
    for (const options of [DEFAULT_METRICS_OPTIONS, { ...DEFAULT_METRICS_OPTIONS, segment: { kind: 'person' as const, property: 'platform', value: 'web' } }]) {
      const ast = await parseSelect(build(input({ options })).query);
      expect(ast.error, ast.message).toBeUndefined();
    }
  });

  it('has a value for every placeholder and no unused values', () => {
    const { query, values } = build(input());
    expect(placeholders(query)).toEqual(Object.keys(values).sort());
  });

  it('keeps names and values out of the query text', () => {
    const schema = {
      ...DEFAULT_SCHEMA,
      events: { ...DEFAULT_SCHEMA.events, processingFailed: `bad'; DROP` },
      properties: { ...DEFAULT_SCHEMA.properties, tool_name: [`weird"name`] },
    };
    const { query, values } = build(
      input({ tool: hostile, options: { ...DEFAULT_METRICS_OPTIONS, schema, segment: { kind: 'event', property: `p'}`, value: hostile } } }),
    );
    expect(query).not.toContain(hostile);
    expect(query).not.toContain('DROP');
    expect(query).not.toContain('weird');
    expect(query).not.toContain('tool_processing');
    expect(Object.values(values)).toContain('weird"name');
  });
});

describe('card query', () => {
  it('reads every custom property under both spellings by default, one when the schema says so', () => {
    const { query, values } = buildCardQuery(input());
    // Each spelling cast on its own, so spellings PostHog typed differently still coalesce; a tool's name is always text.
    const flat = query.replace(/\s+/g, ' ');
    expect(flat).toContain(
      'toString(properties[{p_session_id_0}]) AS entity_0, toString(properties[{p_session_id_1}]) AS entity_1, entity_0 ?? entity_1 AS entity',
    );
    expect(flat).toContain('properties[{p_tool_name_0}] AS tool_0, properties[{p_tool_name_1}] AS tool_1, tool_0 ?? tool_1 AS tool');
    expect(query).toContain('tool = {tool}');
    expect([values.p_tool_name_0, values.p_tool_name_1]).toEqual(['tool_name', '$tool_name']);
    const single = buildCardQuery(
      input({
        options: { ...DEFAULT_METRICS_OPTIONS, schema: { ...DEFAULT_SCHEMA, properties: { ...DEFAULT_SCHEMA.properties, tool_name: ['$tool_name'] } } },
      }),
    );
    expect(single.query).toContain('properties[{p_tool_name_0}] AS tool,');
    expect(single.query).not.toContain('tool_0');
    expect(single.values.p_tool_name_1).toBeUndefined();
  });

  it('covers the range and the period before it, and the funnel window from the settings', () => {
    const { values } = buildCardQuery(input({ range: '24h', options: { ...DEFAULT_METRICS_OPTIONS, funnelWindowHours: 2 } }));
    expect(values.range_seconds).toBe(86_400);
    expect(values.lookback_seconds).toBe(2 * 86_400);
    expect(values.window_ms).toBe(7_200_000);
  });

  it('filters the tool by a typed property read, never by the whole properties JSON', () => {
    const { query } = buildCardQuery(input());
    expect(query).toContain(
      'WHERE event IN ({ev_viewed}, {ev_uploadstarted}, {ev_processingstarted}, {ev_processingcompleted}, {ev_processingfailed}, {ev_resultdownloaded}, {ev_aigeneration}) AND tool = {tool} AND timestamp',
    );
    expect(query).not.toMatch(/properties LIKE/);
  });

  it("reads a group segment from the group type's slot, the only part of a segment in the text", () => {
    const group = (groupIndex: number) =>
      buildCardQuery(input({ options: { ...DEFAULT_METRICS_OPTIONS, segment: { kind: 'group', groupIndex, property: 'plan', value: 'pro' } } }));
    const { query, values } = group(2);
    expect(query).toContain('toString(group_2.properties[{segment_property}]) AS segment_value');
    expect(values.segment_property).toBe('plan');
    // As sent, as PostHog reads a Numeric one and a DateTime one (lib/card/query.ts segmentMatch); the value a placeholder.
    expect(query).toContain(
      'segment_value IN ({segment_value}, toString(toFloat({segment_value})) ?? {segment_value}, toString(toDateTime({segment_value})) ?? {segment_value})',
    );
    expect(values.segment_value).toBe('pro');
    expect(() => group(5)).toThrow(/bad group index/);
    expect(() => group(1.5)).toThrow(/bad group index/);
  });

  it('counts persons instead of sessions when asked', () => {
    expect(buildCardQuery(input({ options: { ...DEFAULT_METRICS_OPTIONS, funnelUnit: 'persons' } })).query).toContain('toString(person_id) AS entity');
  });

  it('buckets the sparkline by day for long ranges', () => {
    expect(sparkBucketSeconds('30d')).toBe(86_400);
    expect(sparkBucketSeconds('7d')).toBe(86_400);
    expect(sparkBucketSeconds('24h')).toBe(7_200);
    expect(sparkBucketSeconds('1h')).toBe(300);
  });
});

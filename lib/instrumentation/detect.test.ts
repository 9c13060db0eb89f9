// @vitest-environment node
import { describe, expect, it } from 'vitest';
import { TOOL_PROPERTIES } from '../model/events';
import { buildDetectQuery, DETECT_COLUMNS, DETECT_QUERY, mapDetection, SchemaDetectError, TOOL_EVENT_NAMES } from './detect';

/** A response row: event, count, then per property [plain, dollar] counts (0 unless given). */
function row(event: string, n: number, counts: Partial<Record<(typeof TOOL_PROPERTIES)[number], [number, number]>> = {}): unknown[] {
  return [event, n, ...TOOL_PROPERTIES.flatMap((p) => counts[p] ?? [0, 0])];
}

describe('schema detection query', () => {
  it("parses with PostHog's HogQL parser", async () => {
    const parser = await (await import('@posthog/hogql-parser')).default();
    const ast = JSON.parse(parser.parseSelect(DETECT_QUERY, true)) as { error?: boolean; message?: string; node?: string };
    expect(ast.error, ast.message).toBeUndefined();
    expect(ast.node).toBe('SelectQuery');
  });

  it('takes every value as a placeholder, and reads both spellings of every property', () => {
    const { query, values } = buildDetectQuery(7);
    const placeholders = [...new Set([...query.matchAll(/\{([a-z_0-9]+)\}/g)].map((m) => m[1]!))].sort();
    expect(placeholders).toEqual(Object.keys(values).sort());
    expect(values.days).toBe(7);
    expect(
      Object.entries(values)
        .filter(([k]) => k.startsWith('event_'))
        .map(([, v]) => v),
    ).toEqual(TOOL_EVENT_NAMES);
    for (const e of TOOL_EVENT_NAMES) expect(query).not.toContain(e);
    for (const p of TOOL_PROPERTIES) {
      expect(query).toContain(`countIf(properties.${p} IS NOT NULL)`);
      expect(query).toContain(`countIf(properties.$${p} IS NOT NULL)`);
    }
  });
});

describe('mapDetection', () => {
  it('tells which events exist and how each property is spelled, with counts', () => {
    const d = mapDetection({
      columns: DETECT_COLUMNS,
      results: [
        row('tool_viewed', 100, { tool_name: [80, 20], session_id: [100, 100], page_path: [100, 0], is_authenticated: [100, 0] }),
        row('tool_processing_completed', 40, { tool_name: [30, 10], processing_duration_ms: [0, 40], from_cache: [40, 0] }),
        row('some_other_event', 5, { tool_name: [5, 5] }),
      ],
    });
    expect(d.totalEvents).toBe(140);
    expect(d.events.tool_viewed).toBe(100);
    expect(d.events.tool_processing_completed).toBe(40);
    expect(d.presentEvents).toEqual(['tool_viewed', 'tool_processing_completed']);
    expect(d.missingEvents).toEqual(['tool_upload_started', 'tool_processing_started', 'tool_processing_failed', 'tool_result_downloaded']);
    expect(d.properties.tool_name).toEqual({ plain: 110, dollar: 30, usage: 'both', spelling: 'both' });
    expect(d.properties.processing_duration_ms).toEqual({ plain: 0, dollar: 40, usage: 'dollar', spelling: '$processing_duration_ms' });
    expect(d.properties.page_path).toEqual({ plain: 100, dollar: 0, usage: 'plain', spelling: 'page_path' });
    expect(d.properties.error_type).toEqual({ plain: 0, dollar: 0, usage: 'none', spelling: 'error_type' });
    // $session_id is PostHog's own session id: next to session_id it is not a second spelling.
    expect(d.properties.session_id).toMatchObject({ usage: 'both', spelling: 'session_id' });
    expect(d.spelling).toMatchObject({ tool_name: 'both', processing_duration_ms: '$processing_duration_ms', session_id: 'session_id', job_id: 'job_id' });
  });

  it('uses $session_id when it is the only session id', () => {
    const d = mapDetection({ columns: DETECT_COLUMNS, results: [row('tool_viewed', 3, { session_id: [0, 3] })] });
    expect(d.spelling.session_id).toBe('$session_id');
  });

  it('maps by column name, accepts counts as digit strings, and handles no data', () => {
    const reversed = [...DETECT_COLUMNS].reverse();
    const r = row('tool_result_downloaded', 7, { download_format: [7, 0] });
    const d = mapDetection({ columns: reversed, results: [[...r].reverse().map((v) => (typeof v === 'number' ? String(v) : v))] });
    expect(d.events.tool_result_downloaded).toBe(7);
    expect(d.properties.download_format.plain).toBe(7);
    const empty = mapDetection({ columns: DETECT_COLUMNS, results: [] });
    expect(empty.totalEvents).toBe(0);
    expect(empty.missingEvents).toEqual(TOOL_EVENT_NAMES);
  });

  it('rejects an answer of another shape', () => {
    expect(() => mapDetection({ columns: DETECT_COLUMNS, results: [['tool_viewed', 'many']] })).toThrow(SchemaDetectError);
    expect(() => mapDetection({ columns: ['event', 'events'], results: [] })).toThrow(/column plain_tool_name is missing/);
    expect(() => mapDetection({ results: 'nope' } as never)).toThrow(SchemaDetectError);
  });
});

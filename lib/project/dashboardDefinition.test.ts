// @vitest-environment node
import { describe, expect, it } from 'vitest';
import { buildToolUsageDashboard, insightExpressions, insightHogQL, LAYOUT_ROWS, propertyRef, TOOL_LENS_TAG } from './dashboardDefinition';
import { TOOL_PROPERTIES, DOCUMENT_SPELLING, PLAIN_SPELLING, GUIDE_TOOL_EVENTS, type PropertySpelling } from '../model/events';

type Parsed = { error?: boolean; message?: string; node?: string };
let parser: { parseSelect(q: string, internal?: boolean): string; parseExpr(q: string, internal?: boolean): string } | undefined;
async function getParser() {
  parser ??= await (await import('@posthog/hogql-parser')).default();
  return parser!;
}

/** Every `properties.x` / `properties.$x` the text reads. */
function propertyReads(text: string): string[] {
  return [...text.matchAll(/properties\.(\$?[a-z_]+)/g)].map((m) => m[1]!);
}
function allText(spelling: Partial<PropertySpelling>): string {
  return buildToolUsageDashboard(spelling)
    .insights.map((i) => JSON.stringify(i.query))
    .join('\n');
}

const BOTH: PropertySpelling = Object.fromEntries(TOOL_PROPERTIES.map((p) => [p, 'both'])) as PropertySpelling;

describe('Tool Usage Analytics dashboard definition', () => {
  const dash = buildToolUsageDashboard();

  it('has the 12 insights of the guide, each once, tagged as Tool Lens', () => {
    expect(dash.name).toBe('Tool Usage Analytics');
    expect(dash.tags).toEqual([TOOL_LENS_TAG]);
    expect(dash.insights).toHaveLength(12);
    expect(new Set(dash.insights.map((i) => i.name)).size).toBe(12);
    expect(new Set(dash.insights.map((i) => i.key.slice(0, 2)))).toEqual(new Set(Array.from({ length: 12 }, (_, i) => String(i + 1).padStart(2, '0'))));
    for (const i of dash.insights) expect(i.description.length).toBeGreaterThan(10);
  });

  it('lays them out in 4 full rows of the 12-column grid, without overlap', () => {
    const rows = new Map<number, typeof dash.insights>();
    for (const i of dash.insights) rows.set(i.row, [...(rows.get(i.row) ?? []), i]);
    expect([...rows.keys()].sort()).toEqual([1, 2, 3, 4]);
    let y = 0;
    for (const r of [1, 2, 3, 4]) {
      const tiles = rows.get(r)!.sort((a, b) => a.layout.x - b.layout.x);
      expect(new Set(tiles.map((t) => t.layout.y))).toEqual(new Set([y]));
      let x = 0;
      for (const t of tiles) {
        expect(t.layout.x).toBe(x);
        x += t.layout.w;
      }
      expect(x).toBe(12);
      y += tiles[0]!.layout.h;
    }
    // The guide's rows: overview, users & engagement, performance, errors & files.
    const names = (r: number) => rows.get(r)!.map((i) => i.name);
    expect(names(1)).toEqual(expect.arrayContaining(['Tool Usage by Tool', 'Daily Tool Usage Trend']));
    expect(names(2)).toEqual(['Unique Users by Tool', 'Authenticated vs Anonymous Usage', 'Download Rate by Tool']);
    expect(names(3)).toEqual(['Average Processing Time by Tool', 'Processing Success Rate', 'Cache Hit Rate']);
    expect(names(4)).toEqual(['Error Rate by Tool', 'Error Types Breakdown', 'File Types Processed']);
    expect(LAYOUT_ROWS.flatMap((r) => r.keys)).toHaveLength(12);
  });

  it('uses PostHog insight shapes: HogQL insights, a TrendsQuery and a FunnelsQuery', () => {
    const kinds = dash.insights.map((i) => (i.query.kind === 'DataVisualizationNode' ? i.query.source.kind : i.query.source.kind));
    expect(kinds.filter((k) => k === 'HogQLQuery')).toHaveLength(10);
    const trend = dash.insights.find((i) => i.name === 'Daily Tool Usage Trend')!.query;
    expect(trend).toMatchObject({
      kind: 'InsightVizNode',
      source: { kind: 'TrendsQuery', interval: 'day', series: [{ kind: 'EventsNode', event: GUIDE_TOOL_EVENTS.processingCompleted }] },
    });
    const funnel = dash.insights.find((i) => i.name === 'Processing Success Rate')!.query;
    expect(funnel).toMatchObject({
      kind: 'InsightVizNode',
      source: { kind: 'FunnelsQuery', funnelsFilter: { funnelWindowInterval: 1, funnelWindowIntervalUnit: 'day' } },
    });
    if (funnel.kind === 'InsightVizNode') {
      expect(funnel.source.series.map((s) => s.event)).toEqual([
        GUIDE_TOOL_EVENTS.viewed,
        GUIDE_TOOL_EVENTS.processingStarted,
        GUIDE_TOOL_EVENTS.processingCompleted,
      ]);
    }
  });

  for (const [label, spelling] of [
    ['plain', PLAIN_SPELLING],
    ['$', DOCUMENT_SPELLING],
    ['both', BOTH],
  ] as const) {
    it(`every query and expression parses with PostHog's HogQL parser (${label} spelling)`, async () => {
      const p = await getParser();
      for (const insight of buildToolUsageDashboard(spelling).insights) {
        const { selects, exprs } = insightExpressions(insight.query);
        for (const q of selects) {
          const ast = JSON.parse(p.parseSelect(q, true)) as Parsed;
          expect(ast.error, `${insight.name}: ${ast.message}`).toBeUndefined();
          expect(ast.node).toBe('SelectQuery');
        }
        for (const e of exprs) {
          const ast = JSON.parse(p.parseExpr(e, true)) as Parsed;
          expect(ast.error, `${insight.name}: ${ast.message}`).toBeUndefined();
        }
      }
    });
  }

  it('writes every property in the plain spelling when the project uses it', () => {
    const reads = propertyReads(allText(PLAIN_SPELLING));
    expect(reads.length).toBeGreaterThan(20);
    expect(reads.filter((r) => r.startsWith('$'))).toEqual([]);
    for (const r of reads) expect(TOOL_PROPERTIES as readonly string[]).toContain(r);
  });

  it("writes the guide's $ spelling only where the project uses it", () => {
    const text = allText({ tool_name: '$tool_name' });
    const reads = propertyReads(text);
    expect(reads).toContain('$tool_name');
    expect(reads).not.toContain('tool_name');
    expect(reads.filter((r) => r.startsWith('$'))).toEqual(reads.filter((r) => r === '$tool_name'));
    expect(propertyReads(allText(DOCUMENT_SPELLING)).every((r) => r.startsWith('$'))).toBe(true);
  });

  it('reads both spellings with coalesce where the project has both', () => {
    const text = allText({ tool_name: 'both', processing_duration_ms: 'both' });
    expect(text).toContain('coalesce(toString(properties.tool_name), toString(properties.$tool_name))');
    expect(text).toContain('coalesce(toFloat(properties.processing_duration_ms), toFloat(properties.$processing_duration_ms))');
    expect(text).not.toContain('properties.$error_type');
    // the trend and funnel break down by the same expression
    const trend = buildToolUsageDashboard({ tool_name: 'both' }).insights.find((i) => i.key === '02-daily-usage-trend')!;
    expect(insightExpressions(trend.query).exprs).toEqual(['coalesce(toString(properties.tool_name), toString(properties.$tool_name))']);
  });

  it('puts only fixed event names into the HogQL, and reads each insight on its event', () => {
    for (const insight of dash.insights) {
      const q = insightHogQL(insight.query);
      if (!q) continue;
      const literals = [...q.matchAll(/'([^']*)'/g)].map((m) => m[1]!);
      for (const l of literals)
        expect([...Object.values(GUIDE_TOOL_EVENTS), 'true', 'Authenticated', 'Anonymous', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun']).toContain(l);
      expect(q).toContain('timestamp >= now() - INTERVAL 30 DAY');
    }
  });

  it('rejects a spelling that is not one of the property', () => {
    expect(propertyRef(PLAIN_SPELLING, 'job_id')).toBe('properties.job_id');
    expect(() => propertyRef({ ...PLAIN_SPELLING, job_id: 'x); DROP' as never }, 'job_id')).toThrow(/Invalid spelling/);
  });
});

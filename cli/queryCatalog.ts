/**
 * Every HogQL query Tool Lens can send, in each form its options give it: what `tool-lens queries`
 * prints (for users who audit an extension's queries) and what the tests check against PostHog's
 * function table. Pure.
 */
import { buildAlertsQuery } from '../lib/project/alerts';
import { buildRankingQuery } from '../lib/project/ranking';
import { buildAutoMapQuery, buildCardQuery, buildLatencyQuery, buildToolsSeenQuery, buildTriageQuery } from '../lib/card/query';
import { buildEventCountQuery } from '../lib/connection/connectionService';
import { buildPersonJobsQuery, buildPersonLookupQuery } from '../lib/support/query';
import { MATCH_KINDS } from '../lib/support/selection';
import type { HogQLRequest } from '../lib/posthog/hogql';
import { buildToolUsageDashboard, insightExpressions } from '../lib/project/dashboardDefinition';
import { RANGE_KEYS } from '../lib/model/ranges';
import { DEFAULT_SCHEMA, TOOL_PROPERTIES, type PropertySpelling, type SchemaMapping } from '../lib/model/events';
import { buildDetectQuery } from '../lib/instrumentation/detect';
import { buildSiteProposalQuery } from '../lib/onboarding/siteProposals';
import { DEFAULT_METRICS_OPTIONS, lookupPersonProperties, type MetricsOptions, type Segment } from '../lib/settings/settings';

export interface CatalogEntry extends HogQLRequest {
  name: string;
}

/** The three ways a project spells its custom properties. */
export const SPELLINGS = {
  plain: { ...DEFAULT_SCHEMA, properties: Object.fromEntries(TOOL_PROPERTIES.map((p) => [p, [p]])) } as SchemaMapping,
  dollar: { ...DEFAULT_SCHEMA, properties: Object.fromEntries(TOOL_PROPERTIES.map((p) => [p, [`$${p}`]])) } as SchemaMapping,
  both: DEFAULT_SCHEMA,
} as const;

const DASHBOARD_SPELLINGS: Record<keyof typeof SPELLINGS, PropertySpelling> = {
  plain: Object.fromEntries(TOOL_PROPERTIES.map((p) => [p, p])) as PropertySpelling,
  dollar: Object.fromEntries(TOOL_PROPERTIES.map((p) => [p, `$${p}`])) as PropertySpelling,
  both: Object.fromEntries(TOOL_PROPERTIES.map((p) => [p, 'both'])) as PropertySpelling,
};

const SEGMENTS: Record<string, Segment | null> = {
  'no segment': null,
  'event segment': { kind: 'event', property: 'plan', value: 'pro' },
  'person segment': { kind: 'person', property: 'platform', value: 'web' },
  'group segment': { kind: 'group', groupIndex: 2, groupType: 'company', property: 'plan', value: 'enterprise' },
};

const EXAMPLE_TOOL = 'pdf-to-text';

/**
 * Each builder with every combination of the options that shape its text (spelling, segment, funnel
 * unit), for the card's default range; and, with the default options, every other range (the range
 * changes only values: the tests check the text stays the same).
 */
export function queryCatalog(): CatalogEntry[] {
  const out: CatalogEntry[] = [];
  const add = (name: string, request: HogQLRequest) => out.push({ name, ...request });
  const defaultRange = '7d';
  for (const [spellingName, schema] of Object.entries(SPELLINGS)) {
    for (const [segmentName, segment] of Object.entries(SEGMENTS)) {
      for (const funnelUnit of ['sessions', 'persons'] as const) {
        const options: MetricsOptions = { ...DEFAULT_METRICS_OPTIONS, schema, segment, funnelUnit };
        add(`card (${spellingName}, ${segmentName}, ${funnelUnit}, ${defaultRange})`, buildCardQuery({ tool: EXAMPLE_TOOL, range: defaultRange, options }));
      }
      const options: MetricsOptions = { ...DEFAULT_METRICS_OPTIONS, schema, segment };
      add(`triage (${spellingName}, ${segmentName}, ${defaultRange})`, buildTriageQuery({ tool: EXAMPLE_TOOL, range: defaultRange, options }));
      add(`latency link (${spellingName}, ${segmentName}, ${defaultRange})`, buildLatencyQuery({ tool: EXAMPLE_TOOL, range: defaultRange, options }));
    }
    // Support's lookup of a person across every tool, by each kind of value (lib/support/query.ts).
    for (const match of MATCH_KINDS) {
      const value = match === 'email' ? 'someone@example.com' : 'some-id-123';
      add(
        `person lookup by ${match} (${spellingName}, ${defaultRange})`,
        buildPersonLookupQuery({
          range: defaultRange,
          match,
          value,
          schema,
          emailProperty: 'email',
          personProperties: lookupPersonProperties(DEFAULT_METRICS_OPTIONS),
        }),
      );
    }
    add(
      `person's jobs link (${spellingName}, ${defaultRange})`,
      buildPersonJobsQuery({ range: defaultRange, schema, personId: '0190e4c2-0000-7000-8000-000000000001' }),
    );
    // A huge tool's card reads a sample of users (lib/card/sampling.ts): the only text the factor changes.
    add(
      `card (${spellingName}, no segment, sessions, ${defaultRange}, sampled 1/10)`,
      buildCardQuery({ tool: EXAMPLE_TOOL, range: defaultRange, options: { ...DEFAULT_METRICS_OPTIONS, schema }, sampleFactor: 10 }),
    );
    add(`ranking (${spellingName}, ${defaultRange})`, buildRankingQuery(defaultRange, { ...DEFAULT_METRICS_OPTIONS, schema }));
    add(`tools seen (${spellingName}, ${defaultRange})`, buildToolsSeenQuery(defaultRange, schema));
    add(`auto-mapping (${spellingName})`, buildAutoMapQuery(schema));
    add(`alerts (${spellingName})`, buildAlertsQuery(schema));
    add(`first run: sites (${spellingName})`, buildSiteProposalQuery(schema));
    for (const insight of buildToolUsageDashboard(DASHBOARD_SPELLINGS[spellingName as keyof typeof SPELLINGS]).insights) {
      const { selects, exprs } = insightExpressions(insight.query);
      for (const query of selects) add(`dashboard insight ${insight.key} (${spellingName})`, { query, values: {} });
      // Trends and funnels insights carry HogQL expressions (breakdown, aggregation): checked as a SELECT of them.
      exprs.forEach((expr, i) =>
        add(`dashboard insight ${insight.key} expression ${i + 1} (${spellingName})`, { query: `SELECT ${expr} FROM events`, values: {} }),
      );
    }
  }
  for (const range of RANGE_KEYS.filter((r) => r !== defaultRange)) {
    const input = { tool: EXAMPLE_TOOL, range, options: DEFAULT_METRICS_OPTIONS };
    add(`card (both, no segment, sessions, ${range})`, buildCardQuery(input));
    add(`triage (both, no segment, ${range})`, buildTriageQuery(input));
    add(`latency link (both, no segment, ${range})`, buildLatencyQuery(input));
    add(`tools seen (both, ${range})`, buildToolsSeenQuery(range, DEFAULT_SCHEMA));
    add(
      `person lookup by any_id (both, ${range})`,
      buildPersonLookupQuery({
        range,
        match: 'any_id',
        value: 'some-id-123',
        schema: DEFAULT_SCHEMA,
        emailProperty: 'email',
        personProperties: lookupPersonProperties(DEFAULT_METRICS_OPTIONS),
      }),
    );
  }
  add('schema detection', buildDetectQuery());
  add('connection test', buildEventCountQuery());
  return out;
}

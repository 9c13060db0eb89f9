/**
 * The "Tool Usage Analytics" dashboard of the product's PostHog guide (seed 000), as data:
 * 12 insights, their queries and a 4-row layout on PostHog's 12-column dashboard grid.
 *
 * The guide writes every custom property with a `$` prefix; in PostHog `$` marks PostHog's own
 * properties and real projects use either spelling (or both). So every property is written in the
 * project's own spelling, given as a `PropertySpelling` (see `lib/instrumentation/detect.ts` to detect it).
 *
 * Insight kinds: ten HogQL insights (`DataVisualizationNode` over a `HogQLQuery`), and the two the
 * guide describes as product-analytics insights as PostHog's own: "Daily Tool Usage Trend"
 * (`InsightVizNode` / `TrendsQuery`) and "Processing Success Rate" (`InsightVizNode` /
 * `FunnelsQuery`), both broken down by a HogQL expression so that the spelling applies to them too.
 * Event names are fixed constants, printed as literals so the insights stay editable in PostHog.
 */
import { DASHBOARD_NAME } from './dashboardName';
import { GUIDE_TOOL_EVENTS, type PropertySpelling, type ToolProperty, completeSpelling } from '../model/events';

/**
 * HogQL for one property in the given spelling, as text or as a number. Property names come from
 * TOOL_PROPERTIES only, and the spelling is checked against them, so nothing else can reach the
 * query text. PostHog types each spelling from its property definition (a number Numeric, a flag
 * Boolean), so two spellings are coalesced only once cast to one type.
 */
export function propertyRef(spelling: PropertySpelling, name: ToolProperty, as: 'text' | 'number' = 'text'): string {
  const s: string = spelling[name];
  const reads =
    s === name ? [`properties.${name}`] : s === `$${name}` ? [`properties.$${name}`] : s === 'both' ? [`properties.${name}`, `properties.$${name}`] : null;
  if (!reads) throw new Error(`Invalid spelling for ${name}: ${JSON.stringify(s)}`);
  if (as === 'number') {
    const numbers = reads.map((r) => `toFloat(${r})`);
    return numbers.length === 1 ? numbers[0]! : `coalesce(${numbers.join(', ')})`;
  }
  return reads.length === 1 ? reads[0]! : `coalesce(${reads.map((r) => `toString(${r})`).join(', ')})`;
}

export const TOOL_LENS_TAG = 'tool-lens';
export { DASHBOARD_NAME };
/** Also in the description, so the dashboard is found again on plans where PostHog ignores tags. */
export const DASHBOARD_MARKER = 'Created by Tool Lens';

export interface TileLayout {
  x: number;
  y: number;
  w: number;
  h: number;
}

export type HogQLInsightQuery = {
  kind: 'DataVisualizationNode';
  source: { kind: 'HogQLQuery'; query: string };
  display: 'ActionsBar' | 'ActionsTable' | 'ActionsLineGraph';
};
type EventsNode = { kind: 'EventsNode'; event: string; name: string; math?: 'total' };
type HogQLBreakdown = { breakdown: string; breakdown_type: 'hogql' };
export type TrendsInsightQuery = {
  kind: 'InsightVizNode';
  source: {
    kind: 'TrendsQuery';
    series: EventsNode[];
    interval: 'day';
    dateRange: { date_from: string };
    breakdownFilter: HogQLBreakdown;
    trendsFilter: { display: 'ActionsLineGraph' };
  };
};
export type FunnelsInsightQuery = {
  kind: 'InsightVizNode';
  source: {
    kind: 'FunnelsQuery';
    series: EventsNode[];
    dateRange: { date_from: string };
    breakdownFilter: HogQLBreakdown;
    funnelsFilter: {
      funnelVizType: 'steps';
      funnelOrderType: 'ordered';
      funnelWindowInterval: number;
      funnelWindowIntervalUnit: 'day';
      funnelAggregateByHogQL: string;
    };
  };
};
export type InsightQuery = HogQLInsightQuery | TrendsInsightQuery | FunnelsInsightQuery;

export interface InsightDefinition {
  /** Stable key (the guide's insight number and a slug). */
  key: string;
  name: string;
  description: string;
  query: InsightQuery;
  /** 1-based dashboard row of the guide's layout. */
  row: 1 | 2 | 3 | 4;
  layout: TileLayout;
}

export interface DashboardDefinition {
  name: string;
  description: string;
  tags: string[];
  insights: InsightDefinition[];
}

const LAST_30_DAYS = 'timestamp >= now() - INTERVAL 30 DAY';
const E = GUIDE_TOOL_EVENTS;
const lit = (s: string) => `'${s}'`; // only fixed event names and constants reach this

function hogql(query: string, display: HogQLInsightQuery['display']): HogQLInsightQuery {
  return { kind: 'DataVisualizationNode', source: { kind: 'HogQLQuery', query }, display };
}

/** The dashboard's 4 rows: insight keys from left to right, row height (row 1 is the "large" one). */
export const LAYOUT_ROWS: ReadonlyArray<{ title: string; height: number; keys: string[] }> = [
  { title: 'Overview', height: 6, keys: ['01-usage-by-tool', '02-daily-usage-trend', '12-usage-heatmap'] },
  { title: 'Users & Engagement', height: 5, keys: ['03-unique-sessions-by-tool', '09-authenticated-vs-anonymous', '08-download-rate'] },
  { title: 'Performance', height: 5, keys: ['05-processing-time', '04-success-funnel', '11-cache-hit-rate'] },
  { title: 'Errors & Files', height: 5, keys: ['06-error-rate', '07-error-types', '10-file-types'] },
];
const GRID_COLUMNS = 12;

function layoutFor(key: string): { row: 1 | 2 | 3 | 4; layout: TileLayout } {
  let y = 0;
  for (const [i, row] of LAYOUT_ROWS.entries()) {
    const col = row.keys.indexOf(key);
    if (col >= 0) {
      const w = GRID_COLUMNS / row.keys.length;
      return { row: (i + 1) as 1 | 2 | 3 | 4, layout: { x: col * w, y, w, h: row.height } };
    }
    y += row.height;
  }
  throw new Error(`No layout for insight ${key}`);
}

const DAY_NAMES = "['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun']";

/** The "Tool Usage Analytics" dashboard, written in the project's property spelling. */
export function buildToolUsageDashboard(partialSpelling: Partial<PropertySpelling> = {}): DashboardDefinition {
  const spelling = completeSpelling(partialSpelling);
  const p = (name: ToolProperty) => propertyRef(spelling, name);
  const tool = p('tool_name');
  const duration = propertyRef(spelling, 'processing_duration_ms', 'number');
  // A flag is a JSON boolean (typed Boolean by PostHog) or the string "true": compared as text, both read alike.
  const flag = (name: ToolProperty) => (spelling[name] === 'both' ? p(name) : `toString(${p(name)})`);
  const fromCache = flag('from_cache');

  const defs: Array<Omit<InsightDefinition, 'row' | 'layout'>> = [
    {
      key: '01-usage-by-tool',
      name: 'Tool Usage by Tool',
      description: 'Which tools are used most: completed processing jobs per tool, last 30 days.',
      query: hogql(
        `SELECT
    ${tool} AS tool_name,
    count() AS usage_count
FROM events
WHERE event = ${lit(E.processingCompleted)}
    AND ${LAST_30_DAYS}
GROUP BY tool_name
ORDER BY usage_count DESC`,
        'ActionsBar',
      ),
    },
    {
      key: '02-daily-usage-trend',
      name: 'Daily Tool Usage Trend',
      description: 'Usage over time: completed processing jobs per day, by tool, last 30 days.',
      query: {
        kind: 'InsightVizNode',
        source: {
          kind: 'TrendsQuery',
          series: [{ kind: 'EventsNode', event: E.processingCompleted, name: E.processingCompleted, math: 'total' }],
          interval: 'day',
          dateRange: { date_from: '-30d' },
          breakdownFilter: { breakdown: tool, breakdown_type: 'hogql' },
          trendsFilter: { display: 'ActionsLineGraph' },
        },
      },
    },
    {
      key: '03-unique-sessions-by-tool',
      name: 'Unique Users by Tool',
      description: 'Distinct sessions using each tool, total uses and uses per session, last 30 days.',
      query: hogql(
        `SELECT
    ${tool} AS tool_name,
    count(DISTINCT ${p('session_id')}) AS unique_sessions,
    count() AS total_uses,
    round(count() / count(DISTINCT ${p('session_id')}), 2) AS uses_per_session
FROM events
WHERE event = ${lit(E.processingCompleted)}
    AND ${LAST_30_DAYS}
GROUP BY tool_name
ORDER BY unique_sessions DESC`,
        'ActionsTable',
      ),
    },
    {
      key: '04-success-funnel',
      name: 'Processing Success Rate',
      description: 'Conversion from viewing a tool to successful processing (sessions, within 1 day), by tool, last 30 days.',
      query: {
        kind: 'InsightVizNode',
        source: {
          kind: 'FunnelsQuery',
          series: [E.viewed, E.processingStarted, E.processingCompleted].map((event) => ({ kind: 'EventsNode' as const, event, name: event })),
          dateRange: { date_from: '-30d' },
          breakdownFilter: { breakdown: tool, breakdown_type: 'hogql' },
          funnelsFilter: {
            funnelVizType: 'steps',
            funnelOrderType: 'ordered',
            funnelWindowInterval: 1,
            funnelWindowIntervalUnit: 'day',
            funnelAggregateByHogQL: p('session_id'),
          },
        },
      },
    },
    {
      key: '05-processing-time',
      name: 'Average Processing Time by Tool',
      description: 'Processing performance: average, median and p95 duration (seconds) of completed jobs, last 30 days.',
      query: hogql(
        `SELECT
    ${tool} AS tool_name,
    round(avg(${duration}) / 1000, 2) AS avg_seconds,
    round(median(${duration}) / 1000, 2) AS median_seconds,
    round(quantile(0.95)(${duration}) / 1000, 2) AS p95_seconds,
    count() AS total_jobs
FROM events
WHERE event = ${lit(E.processingCompleted)}
    AND ${LAST_30_DAYS}
    AND ${p('processing_duration_ms')} IS NOT NULL
GROUP BY tool_name
ORDER BY avg_seconds DESC`,
        'ActionsTable',
      ),
    },
    {
      key: '06-error-rate',
      name: 'Error Rate by Tool',
      description: 'Failure rate per tool: failed jobs as a share of started jobs, last 30 days.',
      query: hogql(
        `SELECT
    ${tool} AS tool_name,
    countIf(event = ${lit(E.processingFailed)}) AS failures,
    countIf(event = ${lit(E.processingCompleted)}) AS successes,
    countIf(event = ${lit(E.processingStarted)}) AS started,
    round(countIf(event = ${lit(E.processingFailed)}) * 100.0 /
          countIf(event = ${lit(E.processingStarted)}), 2) AS failure_rate_pct
FROM events
WHERE event IN (${lit(E.processingStarted)}, ${lit(E.processingCompleted)}, ${lit(E.processingFailed)})
    AND ${LAST_30_DAYS}
GROUP BY tool_name
ORDER BY failure_rate_pct DESC`,
        'ActionsBar',
      ),
    },
    {
      key: '07-error-types',
      name: 'Error Types Breakdown',
      description: 'Which errors occur: failed jobs by tool and error type, top 20, last 30 days.',
      query: hogql(
        `SELECT
    ${tool} AS tool_name,
    ${p('error_type')} AS error_type,
    count() AS error_count
FROM events
WHERE event = ${lit(E.processingFailed)}
    AND ${LAST_30_DAYS}
GROUP BY tool_name, error_type
ORDER BY error_count DESC
LIMIT 20`,
        'ActionsTable',
      ),
    },
    {
      key: '08-download-rate',
      name: 'Download Rate by Tool',
      description: 'How often results are downloaded: downloads as a share of completed jobs, last 30 days.',
      query: hogql(
        `SELECT
    ${tool} AS tool_name,
    countIf(event = ${lit(E.resultDownloaded)}) AS downloads,
    countIf(event = ${lit(E.processingCompleted)}) AS completions,
    round(countIf(event = ${lit(E.resultDownloaded)}) * 100.0 /
          countIf(event = ${lit(E.processingCompleted)}), 2) AS download_rate_pct
FROM events
WHERE event IN (${lit(E.processingCompleted)}, ${lit(E.resultDownloaded)})
    AND ${LAST_30_DAYS}
GROUP BY tool_name
ORDER BY download_rate_pct DESC`,
        'ActionsBar',
      ),
    },
    {
      // The guide reads is_authenticated on completed jobs, but only tool_viewed carries it:
      // count tool views instead, the event the property is sent with.
      key: '09-authenticated-vs-anonymous',
      name: 'Authenticated vs Anonymous Usage',
      description: 'Tool views by signed-in and anonymous visitors (is_authenticated is sent with tool_viewed), last 30 days.',
      query: hogql(
        `SELECT
    ${tool} AS tool_name,
    CASE
        WHEN ${flag('is_authenticated')} = 'true' THEN 'Authenticated'
        ELSE 'Anonymous'
    END AS user_type,
    count() AS usage_count
FROM events
WHERE event = ${lit(E.viewed)}
    AND ${LAST_30_DAYS}
GROUP BY tool_name, user_type
ORDER BY tool_name, user_type`,
        'ActionsBar',
      ),
    },
    {
      key: '10-file-types',
      name: 'File Types Processed',
      description: 'What users upload: uploads by tool and file type with average size (KB), top 20, last 30 days.',
      query: hogql(
        `SELECT
    ${tool} AS tool_name,
    ${p('file_type')} AS file_type,
    count() AS upload_count,
    round(avg(${propertyRef(spelling, 'file_size', 'number')}) / 1024, 2) AS avg_size_kb
FROM events
WHERE event = ${lit(E.uploadStarted)}
    AND ${LAST_30_DAYS}
    AND ${p('file_type')} IS NOT NULL
GROUP BY tool_name, file_type
ORDER BY upload_count DESC
LIMIT 20`,
        'ActionsTable',
      ),
    },
    {
      key: '11-cache-hit-rate',
      name: 'Cache Hit Rate',
      description: 'Caching effectiveness: share of completed jobs served from cache, per tool, last 30 days.',
      query: hogql(
        `SELECT
    ${tool} AS tool_name,
    countIf(${fromCache} = 'true') AS cache_hits,
    countIf(${fromCache} != 'true' OR ${p('from_cache')} IS NULL) AS cache_misses,
    round(countIf(${fromCache} = 'true') * 100.0 / count(), 2) AS cache_hit_rate_pct
FROM events
WHERE event = ${lit(E.processingCompleted)}
    AND ${LAST_30_DAYS}
GROUP BY tool_name
ORDER BY cache_hit_rate_pct DESC`,
        'ActionsBar',
      ),
    },
    {
      key: '12-usage-heatmap',
      name: 'Tool Usage Heatmap (Weekly)',
      // PostHog reads `timestamp` in the project's time zone (transforms/property_types.py): so are these days and hours.
      description: "When tools are used: completed jobs by day of week (rows) and hour of day (columns), in the project's time zone, last 30 days.",
      query: hogql(
        `SELECT
    toDayOfWeek(timestamp) AS day_number,
    ${DAY_NAMES}[day_number] AS day_of_week,
${Array.from({ length: 24 }, (_, h) => `    countIf(toHour(timestamp) = ${h}) AS h${String(h).padStart(2, '0')}`).join(',\n')}
FROM events
WHERE event = ${lit(E.processingCompleted)}
    AND ${LAST_30_DAYS}
GROUP BY day_number
ORDER BY day_number`,
        'ActionsTable',
      ),
    },
  ];

  const insights = defs.map((d) => ({ ...d, ...layoutFor(d.key) }));
  // Order of the layout (row by row, left to right), the order PostHog shows tiles in.
  insights.sort((a, b) => a.layout.y - b.layout.y || a.layout.x - b.layout.x);
  return {
    name: DASHBOARD_NAME,
    description: `Tool usage, performance and errors of every tool (views, uploads, processing, downloads). ${DASHBOARD_MARKER}: re-run \`tool-lens dashboard\` to update it.`,
    tags: [TOOL_LENS_TAG],
    insights,
  };
}

/** The HogQL text of an insight, when it is a HogQL insight. */
export function insightHogQL(query: InsightQuery): string | null {
  return query.kind === 'DataVisualizationNode' ? query.source.query : null;
}

/** Every HogQL expression an insight uses (whole queries, or breakdown/aggregation expressions). */
export function insightExpressions(query: InsightQuery): { selects: string[]; exprs: string[] } {
  if (query.kind === 'DataVisualizationNode') return { selects: [query.source.query], exprs: [] };
  const exprs = [query.source.breakdownFilter.breakdown];
  if (query.source.kind === 'FunnelsQuery') exprs.push(query.source.funnelsFilter.funnelAggregateByHogQL);
  return { selects: [], exprs };
}

/**
 * The card's HogQL: one request per tool and range, one pass over the tool's events, covering the
 * range and the equal period before it, so every figure can show its change.
 */
import { RANGES, type RangeKey } from './ranges';
import { HogQLValues, TOOL_EVENT_KEYS, type SchemaMapping } from '../instrumentation/schema';
import type { MetricsOptions, Segment } from '../settings/settings';
import type { HogQLRequest } from '../posthog/hogql';

export const TOP_ERROR_TYPES = 8;
export const SPARK_POINTS = 12;

/** Sparkline buckets: days for 7d/30d (a daily p95), otherwise a twelfth of the range. */
export function sparkBucketSeconds(range: RangeKey): number {
  const seconds = RANGES[range].seconds;
  return seconds >= 7 * 86_400 ? 86_400 : seconds / SPARK_POINTS;
}

export interface CardQueryInput {
  tool: string;
  range: RangeKey;
  options: Pick<MetricsOptions, 'funnelWindowHours' | 'funnelUnit' | 'segment' | 'schema'>;
}

/** The filter every part shares: this tool, the segment (values compared as PostHog stores strings). */
function toolFilter(v: HogQLValues, schema: SchemaMapping, tool: string, segment: Segment | null): string {
  const conditions = [`${v.text(schema, 'tool_name')} = ${v.addText('tool', tool)}`];
  if (segment) {
    const base = segment.kind === 'person' ? 'person.properties' : 'properties';
    conditions.push(`toString(${base}[${v.add('segment_property', segment.property)}]) = ${v.addText('segment_value', segment.value)}`);
  }
  return conditions.join(' AND ');
}

/** The value at `level` of a sorted array of n values, as ClickHouse's quantileExact picks it: element ⌊level·n⌋ (0-based). */
const exactQuantile = (sorted: string, level: string, n = `length(${sorted})`) => `${sorted}[toInt(floor(${level} * ${n})) + 1]`;

/** A totals row's counts and figures, in order (see buildCardQuery). */
export const TOTALS_COUNTS = ['all', 'untilNow', 'cacheHits', 'authenticated', 'lastHour', 'errors', 'n', 'nLastHour'] as const;
export const TOTALS_FIGURES = ['sum', 'sumLastHour', 'cost', 'inputTokens', 'outputTokens', 'p50', 'p95', 'p99'] as const;

/**
 * One request per tool and range, covering the range and the equal period before it (so every
 * figure can show its change). PostHog's parser runs on every request and call nesting is what costs
 * it, so the query is flat: one CTE reads the tool's events and each property once, and six parts
 * over it are joined with UNION ALL (ClickHouse keeps of the CTE only the columns and events each part
 * needs). Every row is `(section, label, counts, figures)` — two arrays, since ClickHouse has no common
 * type for counts (UInt64) and figures (Float64):
 *  - "current" / "previous": per event of that period (label: the event's name), TOTALS_COUNTS (all;
 *    until now, as the range and previous period end now; cache hits, signed-in views, the last hour,
 *    LLM errors, values until now and in the last hour) and TOTALS_FIGURES (the sums of those values,
 *    LLM sums, and exact percentiles of the values). An event's value is its duration (model latency
 *    for LLM events, which count to the end of the range as the other current-only figures do).
 *  - funnel: per period, [level reached, sessions (or persons)] — windowFunnel in order within the window.
 *  - error: per error type, [failures now, failures in both periods] (the 40 most frequent now).
 *  - spark: per bucket of the current range (label: its start, epoch seconds), [completed jobs], [p95].
 *  - file_type / format: the 6 most frequent of the current range ([uploads], [mean size] / [downloads]).
 * Percentiles are exact (quantileExact's rule) from sorted arrays: HogQL releases of the past year lack quantileExact.
 */
export function buildCardQuery({ tool, range, options }: CardQueryInput): HogQLRequest {
  const { schema } = options;
  const v = new HogQLValues();
  const events = TOOL_EVENT_KEYS.map((key) => v.event(schema, key));
  const [viewed, uploaded, started, completed, failed, downloaded, ai] = events as [string, string, string, string, string, string, string];
  const bucketSeconds = v.add('bucket_seconds', sparkBucketSeconds(range));
  const entity = options.funnelUnit === 'persons' ? 'toString(person_id)' : v.text(schema, 'session_id');

  const rows = `SELECT event, timestamp, if(timestamp >= now() - toIntervalSecond(${v.add('range_seconds', RANGES[range].seconds)}), 'current', 'previous') AS period,
    timestamp < now() OR event = ${ai} AS u, timestamp >= now() - toIntervalHour(1) AS h, reinterpretAsUInt64(toUnixTimestamp64Milli(timestamp)) AS ts,
    if(event = ${ai}, toFloat(properties.$ai_latency), ${v.number(schema, 'processing_duration_ms')}) AS x, if(u, x, NULL) AS xu, if(h, x, NULL) AS xh,
    ${entity} AS entity, ${v.text(schema, 'error_type')} AS error_type, ${v.text(schema, 'file_type')} AS file_type,
    ${v.text(schema, 'download_format')} AS format, ${v.number(schema, 'file_size')} AS size,
    ${v.flag(schema, 'from_cache')} AS cached, ${v.flag(schema, 'is_authenticated')} AS auth,
    toFloat(properties.$ai_total_cost_usd) AS cost, toString(properties.$ai_is_error) = 'true' AS err,
    toFloat(properties.$ai_input_tokens) AS input, toFloat(properties.$ai_output_tokens) AS output
  FROM events
  WHERE event IN (${events.join(', ')}) AND ${toolFilter(v, schema, tool, options.segment)} AND timestamp >= now() - toIntervalSecond(${v.add('lookback_seconds', RANGES[range].seconds * 2)})`;

  const totals = `SELECT period AS section, event AS label, c AS counts, arrayConcat(s, arrayMap(level -> ${exactQuantile('xs', 'level')}, [0.5, 0.95, 0.99])) AS figures
    FROM (SELECT period, event, sumForEach([1, u, u AND cached, auth, h, err, xu IS NOT NULL, xh IS NOT NULL]) AS c,
        sumForEach([xu, xh, cost, input, output]) AS s, arraySort(groupArray(xu)) AS xs
      FROM rows GROUP BY period, event)`;
  const funnel = `SELECT 'funnel' AS section, period AS label, [level, count()] AS counts, [] AS figures
    FROM (SELECT period, windowFunnel(${v.add('window_ms', options.funnelWindowHours * 3_600_000)})(ts, ${[viewed, uploaded, started, completed, downloaded].map((e) => `event = ${e}`).join(', ')}) AS level
      FROM rows WHERE event NOT IN (${failed}, ${ai}) AND u AND entity IS NOT NULL GROUP BY entity, period)
    GROUP BY period, level`;
  const errors = `SELECT 'error' AS section, coalesce(error_type, 'unknown') AS label, [countIf(period = 'current'), count()] AS counts, [] AS figures
    FROM rows WHERE event = ${failed} AND u GROUP BY label ORDER BY counts[1] DESC, counts[2] DESC, label LIMIT 40`;
  const spark = `SELECT 'spark' AS section, toString(intDiv(toUnixTimestamp(timestamp), ${bucketSeconds}) * ${bucketSeconds}) AS label, [count()] AS counts, [${exactQuantile('arraySort(groupArray(x))', '0.95', 'count()')}] AS figures
    FROM rows WHERE event = ${completed} AND period = 'current' AND x IS NOT NULL GROUP BY label`;
  const fileTypes = `SELECT 'file_type' AS section, coalesce(file_type, 'unknown') AS label, [count()] AS counts, [avg(size)] AS figures
    FROM rows WHERE event = ${uploaded} AND period = 'current' GROUP BY label ORDER BY counts[1] DESC, label LIMIT 6`;
  const formats = `SELECT 'format' AS section, coalesce(format, 'unknown') AS label, [count()] AS counts, [] AS figures
    FROM rows WHERE event = ${downloaded} AND period = 'current' GROUP BY label ORDER BY counts[1] DESC, label LIMIT 6`;

  const query = `WITH rows AS (${rows})
SELECT section, label, counts, figures FROM (
${[totals, funnel, errors, spark, fileTypes, formats].join('\nUNION ALL\n')})
LIMIT 1000`;
  return { query, values: v.values };
}

/** The connection test's query step: how many events the project has of late. */
export function buildEventCountQuery(days = 7): HogQLRequest {
  return { query: 'SELECT count() FROM events WHERE timestamp >= now() - toIntervalDay({days})', values: { days } };
}

/** When a tool has no views: which tools do have some, to suggest a mapping. */
export function buildToolsSeenQuery(range: RangeKey, schema: SchemaMapping): HogQLRequest {
  const v = new HogQLValues();
  const tool = v.text(schema, 'tool_name');
  return {
    query: `SELECT ${tool} AS tool, count() AS views FROM events
WHERE event = ${v.event(schema, 'viewed')} AND timestamp >= now() - toIntervalSecond(${v.add('range_seconds', RANGES[range].seconds)}) AND tool IS NOT NULL
GROUP BY tool ORDER BY views DESC LIMIT 8`,
    values: v.values,
  };
}

/** Processing time per day, readable on its own: what the card's latency link opens in PostHog (days of the project's time zone). */
export function buildLatencyQuery({ tool, range, options }: CardQueryInput): HogQLRequest {
  const { schema } = options;
  const v = new HogQLValues();
  const filter = toolFilter(v, schema, tool, options.segment);
  return {
    query: `SELECT toStartOfDay(timestamp) AS day, count() AS jobs,
  round(quantile(0.5)(d)) AS p50_ms, round(quantile(0.95)(d)) AS p95_ms, round(quantile(0.99)(d)) AS p99_ms, round(avg(d)) AS mean_ms
FROM (
  SELECT timestamp, ${v.number(schema, 'processing_duration_ms')} AS d FROM events
  WHERE event = ${v.event(schema, 'processingCompleted')} AND ${filter}
    AND timestamp >= now() - toIntervalSecond(${v.add('range_seconds', RANGES[range].seconds)})
)
WHERE d IS NOT NULL
GROUP BY day ORDER BY day`,
    values: v.values,
  };
}

/** Auto-mapping: which tool each page path belongs to, from the project's own tool_viewed events. */
export function buildAutoMapQuery(schema: SchemaMapping): HogQLRequest {
  const v = new HogQLValues();
  const path = v.text(schema, 'page_path');
  const tool = v.text(schema, 'tool_name');
  return {
    query: `SELECT ${path} AS path, ${tool} AS tool, count() AS views FROM events
WHERE event = ${v.event(schema, 'viewed')} AND timestamp >= now() - toIntervalDay(${v.add('days', 30)}) AND path IS NOT NULL AND tool IS NOT NULL
GROUP BY path, tool ORDER BY views DESC LIMIT 2000`,
    values: v.values,
  };
}

export const TRIAGE_ROWS = 8;

/**
 * Triage tab: the slowest recent completed jobs and the latest failures, each with ids for links.
 * Times come as epoch milliseconds: PostHog writes `timestamp` in the project's time zone, and a
 * number cannot be misread as UTC. The last column is text in both parts (cached or the error type),
 * since UNION ALL needs one type and PostHog types from_cache Boolean.
 */
export function buildTriageQuery({ tool, range, options }: CardQueryInput): HogQLRequest {
  const { schema } = options;
  const v = new HogQLValues();
  const filter = toolFilter(v, schema, tool, options.segment);
  const current = `timestamp >= now() - toIntervalSecond(${v.add('range_seconds', RANGES[range].seconds)})`;
  const duration = v.number(schema, 'processing_duration_ms');
  const row = `toString(uuid), toUnixTimestamp64Milli(timestamp) AS at, ${v.text(schema, 'job_id')}, ${duration} AS d, ${v.text(schema, 'session_id')}, toString(properties.$session_id)`;
  return {
    query: `SELECT 'slow', ${row}, ${v.text(schema, 'from_cache')}
FROM events WHERE event = ${v.event(schema, 'processingCompleted')} AND ${filter} AND ${current} AND ${duration} IS NOT NULL
ORDER BY d DESC LIMIT ${TRIAGE_ROWS}
UNION ALL
SELECT 'failure', ${row}, ${v.text(schema, 'error_type')}
FROM events WHERE event = ${v.event(schema, 'processingFailed')} AND ${filter} AND ${current}
ORDER BY at DESC LIMIT ${TRIAGE_ROWS}`,
    values: v.values,
  };
}

/**
 * The card's HogQL: one request per tool and range (UNION ALL of small parts), covering the range
 * and the equal period before it, so every figure can show its change.
 */
import { RANGES, type RangeKey } from './ranges';
import { HogQLValues, type SchemaMapping } from './schema';
import type { MetricsOptions, Segment } from './settings';

export interface HogQLRequest {
  query: string;
  values: Record<string, string | number>;
}

export const TOP_ERROR_TYPES = 8;
export const SPARK_POINTS = 12;

/** Row shape shared by every part: (section, period, label, n, a, b, c, d, e). */
export const CARD_COLUMNS = ['section', 'period', 'label', 'n', 'a', 'b', 'c', 'd', 'e'] as const;

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

/** The filter every part shares: this tool, the segment, and a time window. */
function toolFilter(v: HogQLValues, schema: SchemaMapping, tool: string, segment: Segment | null): string {
  const conditions = [`${v.property(schema, 'tool_name')} = ${v.add('tool', tool)}`];
  if (segment) {
    const base = segment.kind === 'person' ? 'person.properties' : 'properties';
    conditions.push(`${base}[${v.add('segment_property', segment.property)}] = ${v.add('segment_value', segment.value)}`);
  }
  return conditions.join(' AND ');
}

export function buildCardQuery({ tool, range, options }: CardQueryInput): HogQLRequest {
  const { schema } = options;
  const v = new HogQLValues();
  const ev = (key: Parameters<HogQLValues['event']>[1]) => v.event(schema, key);
  const prop = (name: Parameters<HogQLValues['property']>[1]) => v.property(schema, name);

  const filter = toolFilter(v, schema, tool, options.segment);
  const rangeSeconds = v.add('range_seconds', RANGES[range].seconds);
  const lookback = `timestamp >= now() - toIntervalSecond(${v.add('lookback_seconds', RANGES[range].seconds * 2)}) AND timestamp < now()`;
  const current = `timestamp >= now() - toIntervalSecond(${rangeSeconds})`;
  const period = `if(${current}, 'current', 'previous')`;
  const duration = `toFloat64OrNull(${prop('processing_duration_ms')})`;
  const funnelEvents = [ev('viewed'), ev('uploadStarted'), ev('processingStarted'), ev('processingCompleted'), ev('resultDownloaded')];
  const entity = options.funnelUnit === 'persons' ? 'toString(person_id)' : prop('session_id');
  const lastHour = 'timestamp >= now() - toIntervalHour(1)';

  const parts = [
    // Job counts per period: failure rate = failed / started (seed 000, insight 6), cache hits, downloads.
    `SELECT 'jobs', ${period} AS period, '', countIf(event = ${ev('processingStarted')}), toFloat64(countIf(event = ${ev('processingCompleted')})),
       toFloat64(countIf(event = ${ev('processingFailed')})), toFloat64(countIf(event = ${ev('processingCompleted')} AND ${prop('from_cache')} = 'true')),
       toFloat64(countIf(event = ${ev('resultDownloaded')})), toFloat64(countIf(event = ${ev('viewed')}))
     FROM events WHERE event IN (${funnelEvents.join(', ')}, ${ev('processingFailed')}) AND ${filter} AND ${lookback}
     GROUP BY period`,
    // Processing time of completed jobs, and of failed ones apart, per period.
    `SELECT if(event = ${ev('processingCompleted')}, 'latency', 'failed_latency'), period, '', count(),
       quantileExact(0.5)(d), quantileExact(0.95)(d), quantileExact(0.99)(d), avg(d), 0.0
     FROM (SELECT event, ${duration} AS d, ${period} AS period FROM events
           WHERE event IN (${ev('processingCompleted')}, ${ev('processingFailed')}) AND ${filter} AND ${lookback})
     WHERE d IS NOT NULL
     GROUP BY event, period`,
    // Funnel: each session (or person) counted once per step reached in order within the window.
    `SELECT 'funnel', period, toString(step), count(), 0.0, 0.0, 0.0, 0.0, 0.0
     FROM (
       SELECT ${entity} AS entity, ${period} AS period,
              windowFunnel(${v.add('window_ms', options.funnelWindowHours * 3_600_000)})(reinterpretAsUInt64(toUnixTimestamp64Milli(timestamp)), ${funnelEvents.map((e) => `event = ${e}`).join(', ')}) AS level
       FROM events
       WHERE event IN (${funnelEvents.join(', ')}) AND ${filter} AND ${lookback}
       GROUP BY entity, period
       HAVING entity IS NOT NULL
     )
     ARRAY JOIN range(1, level + 1) AS step
     GROUP BY period, step`,
    // Error types per period.
    `SELECT 'error', period, label, n, 0.0, 0.0, 0.0, 0.0, 0.0
     FROM (
       SELECT ${period} AS period, coalesce(${prop('error_type')}, 'unknown') AS label, count() AS n
       FROM events WHERE event = ${ev('processingFailed')} AND ${filter} AND ${lookback}
       GROUP BY period, label ORDER BY n DESC LIMIT 40
     )`,
    // p95 sparkline over the current range.
    `SELECT 'spark', 'current', toString(toUnixTimestamp(toStartOfInterval(timestamp, toIntervalSecond(${v.add('bucket_seconds', sparkBucketSeconds(range))})))) AS bucket,
       count(), quantileExact(0.95)(d), 0.0, 0.0, 0.0, 0.0
     FROM (SELECT timestamp, ${duration} AS d FROM events WHERE event = ${ev('processingCompleted')} AND ${filter} AND ${current})
     WHERE d IS NOT NULL
     GROUP BY bucket`,
    // More: authenticated vs anonymous views, file types with mean size, download formats (seed 000, insights 8-11).
    `SELECT 'auth', 'current', if(${prop('is_authenticated')} = 'true', 'authenticated', 'anonymous') AS label, count(), 0.0, 0.0, 0.0, 0.0, 0.0
     FROM events WHERE event = ${ev('viewed')} AND ${filter} AND ${current}
     GROUP BY label`,
    `SELECT 'file_type', 'current', label, n, size, 0.0, 0.0, 0.0, 0.0
     FROM (
       SELECT coalesce(${prop('file_type')}, 'unknown') AS label, count() AS n, avg(toFloat64OrNull(${prop('file_size')})) AS size
       FROM events WHERE event = ${ev('uploadStarted')} AND ${filter} AND ${current}
       GROUP BY label ORDER BY n DESC LIMIT 6
     )`,
    `SELECT 'format', 'current', label, n, 0.0, 0.0, 0.0, 0.0, 0.0
     FROM (
       SELECT coalesce(${prop('download_format')}, 'unknown') AS label, count() AS n
       FROM events WHERE event = ${ev('resultDownloaded')} AND ${filter} AND ${current}
       GROUP BY label ORDER BY n DESC LIMIT 6
     )`,
    // LLM generations attributed to this tool (PostHog's own $ai_* properties).
    `SELECT 'llm', 'current', '', count(), quantileExact(0.95)(toFloat64OrNull(properties.$ai_latency)),
       sum(toFloat64OrNull(properties.$ai_total_cost_usd)), toFloat64(countIf(properties.$ai_is_error = 'true')),
       sum(toFloat64OrNull(properties.$ai_input_tokens)), sum(toFloat64OrNull(properties.$ai_output_tokens))
     FROM events WHERE event = ${ev('aiGeneration')} AND ${filter} AND ${current}`,
    // Health over the last hour, whatever the range: seed 000's alert rules.
    `SELECT 'health', 'current', '', countIf(event = ${ev('processingFailed')}),
       avgIf(${duration}, event = ${ev('processingCompleted')}), toFloat64(countIf(event = ${ev('processingCompleted')})), 0.0, 0.0, 0.0
     FROM events WHERE event IN (${ev('processingCompleted')}, ${ev('processingFailed')}) AND ${filter} AND ${lastHour}`,
  ];
  return { query: parts.map((p) => p.replace(/\n\s+/g, '\n  ')).join('\nUNION ALL\n'), values: v.values };
}

/** When a tool has no views: which tools do have some, to suggest a mapping. */
export function buildToolsSeenQuery(range: RangeKey, schema: SchemaMapping): HogQLRequest {
  const v = new HogQLValues();
  const tool = v.property(schema, 'tool_name');
  return {
    query: `SELECT ${tool} AS tool, count() AS views FROM events
WHERE event = ${v.event(schema, 'viewed')} AND timestamp >= now() - toIntervalSecond(${v.add('range_seconds', RANGES[range].seconds)}) AND ${tool} IS NOT NULL
GROUP BY tool ORDER BY views DESC LIMIT 8`,
    values: v.values,
  };
}

/** Processing time per day, readable on its own: what the card's latency link opens in PostHog. */
export function buildLatencyQuery({ tool, range, options }: CardQueryInput): HogQLRequest {
  const { schema } = options;
  const v = new HogQLValues();
  const filter = toolFilter(v, schema, tool, options.segment);
  return {
    query: `SELECT toStartOfDay(timestamp) AS day, count() AS jobs,
  round(quantile(0.5)(d)) AS p50_ms, round(quantile(0.95)(d)) AS p95_ms, round(quantile(0.99)(d)) AS p99_ms, round(avg(d)) AS mean_ms
FROM (
  SELECT timestamp, toFloat64OrNull(${v.property(schema, 'processing_duration_ms')}) AS d FROM events
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
  const path = v.property(schema, 'page_path');
  const tool = v.property(schema, 'tool_name');
  return {
    query: `SELECT ${path} AS path, ${tool} AS tool, count() AS views FROM events
WHERE event = ${v.event(schema, 'viewed')} AND timestamp >= now() - toIntervalDay(${v.add('days', 30)}) AND path IS NOT NULL AND tool IS NOT NULL
GROUP BY path, tool ORDER BY views DESC LIMIT 2000`,
    values: v.values,
  };
}

export const TRIAGE_ROWS = 8;

/** Triage tab: the slowest recent completed jobs and the latest failures, each with ids for links. */
export function buildTriageQuery({ tool, range, options }: CardQueryInput): HogQLRequest {
  const { schema } = options;
  const v = new HogQLValues();
  const filter = toolFilter(v, schema, tool, options.segment);
  const current = `timestamp >= now() - toIntervalSecond(${v.add('range_seconds', RANGES[range].seconds)})`;
  const duration = `toFloat64OrNull(${v.property(schema, 'processing_duration_ms')})`;
  const row = `toString(uuid), toString(timestamp), ${v.property(schema, 'job_id')}, ${duration} AS d, ${v.property(schema, 'session_id')}, properties.$session_id`;
  return {
    query: `SELECT 'slow', ${row}, ${v.property(schema, 'from_cache')}
FROM events WHERE event = ${v.event(schema, 'processingCompleted')} AND ${filter} AND ${current} AND ${duration} IS NOT NULL
ORDER BY d DESC LIMIT ${TRIAGE_ROWS}
UNION ALL
SELECT 'failure', ${row}, ${v.property(schema, 'error_type')}
FROM events WHERE event = ${v.event(schema, 'processingFailed')} AND ${filter} AND ${current}
ORDER BY timestamp DESC LIMIT ${TRIAGE_ROWS}`,
    values: v.values,
  };
}

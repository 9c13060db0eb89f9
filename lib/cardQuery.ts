/**
 * The card's HogQL: one request per tool and range, one pass over the tool's events, covering the
 * range and the equal period before it, so every figure can show its change.
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
  const viewed = ev('viewed');
  const uploaded = ev('uploadStarted');
  const started = ev('processingStarted');
  const completed = ev('processingCompleted');
  const failed = ev('processingFailed');
  const downloaded = ev('resultDownloaded');
  const ai = ev('aiGeneration');
  const funnelEvents = [viewed, uploaded, started, completed, downloaded];
  const entity = options.funnelUnit === 'persons' ? 'toString(person_id)' : prop('session_id');
  const bucket = `toString(toUnixTimestamp(toStartOfInterval(timestamp, toIntervalSecond(${v.add('bucket_seconds', sparkBucketSeconds(range))}))))`;
  const latencySections = `('latency', 'failed_latency')`;
  // The value whose quantiles a section shows: durations for latency and the sparkline, model latency for LLM.
  const q = `multiIf(section IN ${latencySections} OR section = 'spark', duration, section = 'llm', ai_latency, NULL)`;

  // One pass over the tool's events of the range and the period before it (the "look-back"). Each event
  // row is fanned out (ARRAY JOIN) to the sections it counts in, as (section, period, label) keys; the
  // funnel's key carries the session (or person) so that windowFunnel runs per session in the same
  // GROUP BY. What each key counts is what the card's former UNION ALL parts counted:
  //  - range and previous period end now (jobs, latency, funnel, errors); the current-range-only
  //    sections (spark, sign-in, file types, formats, LLM) and the last hour (health) have no upper bound.
  const rows = `SELECT event,
       reinterpretAsUInt64(toUnixTimestamp64Milli(timestamp)) AS ts,
       timestamp >= now() - toIntervalSecond(${v.add('range_seconds', RANGES[range].seconds)}) AS is_current,
       timestamp < now() AS until_now,
       if(is_current, 'current', 'previous') AS period,
       if(event IN (${completed}, ${failed}), toFloat64OrNull(${prop('processing_duration_ms')}), NULL) AS duration,
       ${entity} AS entity,
       event = ${completed} AND ${prop('from_cache')} = 'true' AS cache_hit,
       if(event = ${uploaded}, toFloat64OrNull(${prop('file_size')}), NULL) AS file_size,
       if(event = ${ai}, toFloat64OrNull(properties.$ai_latency), NULL) AS ai_latency,
       if(event = ${ai}, toFloat64OrNull(properties.$ai_total_cost_usd), NULL) AS ai_cost,
       event = ${ai} AND properties.$ai_is_error = 'true' AS ai_error,
       if(event = ${ai}, toFloat64OrNull(properties.$ai_input_tokens), NULL) AS ai_input,
       if(event = ${ai}, toFloat64OrNull(properties.$ai_output_tokens), NULL) AS ai_output,
       arrayFilter(k -> tupleElement(k, 1) != '', [
         tuple(if(until_now AND event != ${ai}, 'jobs', ''), period, ''),
         tuple(if(until_now AND duration IS NOT NULL, if(event = ${completed}, 'latency', 'failed_latency'), ''), period, ''),
         tuple(if(until_now AND event IN (${funnelEvents.join(', ')}) AND entity IS NOT NULL, 'funnel', ''), period, ifNull(entity, '')),
         tuple(if(until_now AND event = ${failed}, 'error', ''), period, if(event = ${failed}, coalesce(${prop('error_type')}, 'unknown'), '')),
         tuple(if(is_current AND event = ${completed} AND duration IS NOT NULL, 'spark', ''), 'current', if(is_current AND event = ${completed}, ${bucket}, '')),
         tuple(if(is_current AND event = ${viewed}, 'auth', ''), 'current', if(event = ${viewed}, if(${prop('is_authenticated')} = 'true', 'authenticated', 'anonymous'), '')),
         tuple(if(is_current AND event = ${uploaded}, 'file_type', ''), 'current', if(event = ${uploaded}, coalesce(${prop('file_type')}, 'unknown'), '')),
         tuple(if(is_current AND event = ${downloaded}, 'format', ''), 'current', if(event = ${downloaded}, coalesce(${prop('download_format')}, 'unknown'), '')),
         tuple(if(is_current AND event = ${ai}, 'llm', ''), 'current', ''),
         tuple(if(timestamp >= now() - toIntervalHour(1) AND event IN (${completed}, ${failed}), 'health', ''), 'current', '')
       ]) AS keys
     FROM events
     WHERE event IN (${[...funnelEvents, failed, ai].join(', ')}) AND ${filter}
       AND timestamp >= now() - toIntervalSecond(${v.add('lookback_seconds', RANGES[range].seconds * 2)})`;

  // Every figure of every key, in the card's row shape (section, period, label, n, a, b, c, d, e).
  // Durations are kept only for the sections that need their quantiles (LLM latency rides along).
  const sections = `SELECT tupleElement(key, 1) AS section, tupleElement(key, 2) AS key_period, tupleElement(key, 3) AS label,
       multiIf(section = 'jobs', countIf(event = ${started}), section = 'health', countIf(event = ${failed}), count()) AS n,
       multiIf(section = 'jobs', toFloat64(countIf(event = ${completed})), section IN ${latencySections}, quantileExact(0.5)(${q}),
               section IN ('spark', 'llm'), quantileExact(0.95)(${q}), section = 'file_type', avg(file_size),
               section = 'health', avgIf(duration, event = ${completed}), 0.0) AS a,
       multiIf(section = 'jobs', toFloat64(countIf(event = ${failed})), section IN ${latencySections}, quantileExact(0.95)(${q}),
               section = 'llm', sum(ai_cost), section = 'health', toFloat64(countIf(event = ${completed})), 0.0) AS b,
       multiIf(section = 'jobs', toFloat64(countIf(cache_hit)), section IN ${latencySections}, quantileExact(0.99)(${q}),
               section = 'llm', toFloat64(countIf(ai_error)), 0.0) AS c,
       multiIf(section = 'jobs', toFloat64(countIf(event = ${downloaded})), section IN ${latencySections}, avg(${q}), section = 'llm', sum(ai_input), 0.0) AS d,
       multiIf(section = 'jobs', toFloat64(countIf(event = ${viewed})), section = 'llm', sum(ai_output), 0.0) AS e,
       windowFunnel(${v.add('window_ms', options.funnelWindowHours * 3_600_000)})(ts, ${funnelEvents.map((e) => `section = 'funnel' AND event = ${e}`).join(', ')}) AS level
     FROM (${rows})
     ARRAY JOIN keys AS key
     GROUP BY section, key_period, label`;

  // Funnel: each session (or person) counted once per step reached in order within the window.
  const steps = `SELECT section, key_period, if(section = 'funnel', toString(step), label) AS step_label,
       if(section = 'funnel', count(), any(n)) AS step_n, any(a) AS sa, any(b) AS sb, any(c) AS sc, any(d) AS sd, any(e) AS se
     FROM (${sections})
     ARRAY JOIN if(section = 'funnel', range(1, level + 1), [0]) AS step
     GROUP BY section, key_period, step_label`;

  // The lists keep their former limits: the 40 most frequent error types over both periods, the 6 most
  // frequent file types and download formats.
  const limited = `SELECT section, arraySlice(arraySort(x -> tuple(negate(tupleElement(x, 3)), tupleElement(x, 2)), groupArray(tuple(key_period, step_label, step_n, sa, sb, sc, sd, se))), 1,
         multiIf(section = 'error', 40, section IN ('file_type', 'format'), 6, 1000)) AS section_rows
     FROM (${steps})
     GROUP BY section, if(section = 'error', '', key_period)`;

  const query = `SELECT section, tupleElement(r, 1) AS period, tupleElement(r, 2) AS label, tupleElement(r, 3) AS n,
  tupleElement(r, 4) AS a, tupleElement(r, 5) AS b, tupleElement(r, 6) AS c, tupleElement(r, 7) AS d, tupleElement(r, 8) AS e
FROM (${limited})
ARRAY JOIN section_rows AS r
LIMIT 1000`;
  return { query: query.replace(/\n\s+/g, '\n  '), values: v.values };
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

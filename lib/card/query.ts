/**
 * The card's HogQL: one request per tool and range, one pass over the tool's events, covering the
 * range and the equal period before it, so every figure can show its change.
 */
import { RANGES, type RangeKey } from '../model/ranges';
import { HogQLValues, TOOL_EVENT_KEYS, type SchemaMapping, type ToolProperty } from '../model/events';
import { GROUP_SLOTS, type MetricsOptions, type Segment } from '../settings/settings';
import type { HogQLRequest } from '../posthog/hogql';
import { P95_RANKS_SQL } from '../stats/intervals';

export const TOP_ERROR_TYPES = 8;
export const SPARK_POINTS = 12;

/**
 * Sparkline buckets: days for a week or more (a daily p95: the project's days, as PostHog's
 * toStartOfDay(timestamp) counts them), otherwise a twelfth of the period (whole milliseconds).
 */
export function sparkBucketSeconds(range: RangeKey, periodSeconds = RANGES[range].seconds): number {
  return periodSeconds >= 7 * 86_400 ? 86_400 : Math.max(1, Math.round((periodSeconds * 1000) / SPARK_POINTS)) / 1000;
}

export interface CardQueryInput {
  tool: string;
  range: RangeKey;
  options: Pick<MetricsOptions, 'funnelWindowHours' | 'funnelUnit' | 'segment' | 'schema'>;
  /**
   * The compared periods' length when it is not the range's: "before / after an annotation" compares
   * the time since the annotation with as long before it (periodForSplit). The query text stays the same.
   */
  periodSeconds?: number;
  /**
   * Read 1 in this many users (lib/card/sampling.ts): HogQL `SAMPLE 1/N` on events, by person. A whole
   * number the worker picks from a fixed list, never page input: the one number in the text besides the
   * group slot. 1 or absent: every event, and the query text of an exact card.
   */
  sampleFactor?: number;
}

/** The longest a split may look back: the card's longest range. */
export const MAX_SPLIT_SECONDS = RANGES['30d'].seconds;

/** The period after a split point (an annotation at `at`, epoch ms) up to now, in whole seconds; null when it is not within the last 30 days or under a minute ago. */
export function periodForSplit(at: number, now: number): number | null {
  const seconds = Math.round((now - at) / 1000);
  return Number.isFinite(seconds) && seconds >= 60 && seconds <= MAX_SPLIT_SECONDS ? seconds : null;
}

/**
 * The segment's property as text: the event's, its person's (person.properties) or its group's
 * (group_N.properties, N the group type's index: a number the settings bound to 0–4, the only part
 * of a segment in the query text).
 */
export function segmentRead(v: HogQLValues, segment: Segment): string {
  const base = segment.kind === 'person' ? 'person.properties' : segment.kind === 'group' ? `group_${groupSlot(segment)}.properties` : 'properties';
  return `toString(${base}[${v.add('segment_property', segment.property)}])`;
}

/**
 * The segment's test on its property read (segmentRead). PostHog types each property by its definition,
 * a group's by its group type's (transforms/property_types.py `_convert_string_property_to_type`), so
 * `toString` of a Numeric one is ClickHouse's text of the number ('2500', where 2500.0 was sent) and of a
 * DateTime one the time in the project's zone ('2024-01-15 15:30:00.000000'). The value is compared as sent
 * and in those two forms of it, made by the same casts; a form the value has none of is the value again,
 * so no NULL can match a group without the property.
 */
export function segmentMatch(v: HogQLValues, segment: Segment, read: string): string {
  const value = v.addText('segment_value', segment.value);
  return `${read} IN (${value}, toString(toFloat(${value})) ?? ${value}, toString(toDateTime(${value})) ?? ${value})`;
}

function groupSlot(segment: Segment): number {
  const index = segment.groupIndex ?? 0;
  if (!Number.isInteger(index) || index < 0 || index >= GROUP_SLOTS) throw new Error(`bad group index ${String(index)}`);
  return index;
}

/** The filter every part shares: this tool, the segment (values compared as PostHog stores strings). */
function toolFilter(v: HogQLValues, schema: SchemaMapping, tool: string, segment: Segment | null): string {
  const conditions = [`${v.text(schema, 'tool_name')} = ${v.addText('tool', tool)}`];
  if (segment) conditions.push(segmentMatch(v, segment, segmentRead(v, segment)));
  return conditions.join(' AND ');
}

/** The value at `level` of a sorted array of n values, as ClickHouse's quantileExact picks it: element ⌊level·n⌋ (0-based). */
// intDiv(y, 1) is ⌊y⌋ for y ≥ 0 in one call (it rounds toward zero; toInt would answer NULL for a fraction).
export const exactQuantile = (sorted: string, level: string, n = `length(${sorted})`) => `${sorted}[intDiv(${level} * ${n}, 1) + 1]`;

/**
 * A row's numbers, declared once, in order (see buildCardQuery): every row but the funnel's carries
 * all of them, and each section reads the ones it needs by name (metrics.ts). Counts first (whole
 * numbers: sums of conditions), then figures (sums of values, exact percentiles of the values until
 * now, the order statistics bounding p95). Each record says what the query computes for it, over the
 * columns the innermost select defines; the query's positions are derived from this list.
 */
const ROW_NUMBERS = [
  { name: 'all', count: '1' },
  { name: 'untilNow', count: 'u' },
  { name: 'cacheHits', count: 'u AND cached' },
  { name: 'authenticated', count: 'auth' },
  { name: 'lastHour', count: 'h' },
  { name: 'errors', count: 'err' },
  { name: 'n', count: 'xu IS NOT NULL' },
  { name: 'nLastHour', count: 'xh IS NOT NULL' },
  { name: 'current', count: 'cur' },
  { name: 'nSize', count: 'size IS NOT NULL' },
  { name: 'sum', sum: 'xu' },
  { name: 'sumLastHour', sum: 'xh' },
  { name: 'cost', sum: 'cost' },
  { name: 'inputTokens', sum: 'input' },
  { name: 'outputTokens', sum: 'output' },
  { name: 'sumSize', sum: 'size' },
  { name: 'p50', quantile: '0.5' },
  { name: 'p95', quantile: '0.95' },
  { name: 'p99', quantile: '0.99' },
  // The p95's interval: the values at the ranks p95IntervalRanks gives (out of the array when unbounded: the card ignores them).
  { name: 'p95Low', value: 'xs[p95_low_rank]' },
  { name: 'p95High', value: 'xs[p95_high_rank]' },
] as const;
type RowNumber = (typeof ROW_NUMBERS)[number];
const kindOf = (r: RowNumber) => ('count' in r ? 0 : 'sum' in r ? 1 : 'quantile' in r ? 2 : 3);
// The query lays a row out as sums (counts, then sums of values), quantiles, values: so must the list.
if (ROW_NUMBERS.some((r, i) => i > 0 && kindOf(r) < kindOf(ROW_NUMBERS[i - 1]!))) throw new Error('ROW_NUMBERS out of order');
/** The whole-number counts of a row, in order. */
export const ROW_COUNTS = ROW_NUMBERS.filter((r) => 'count' in r).map((r) => r.name) as Array<Extract<RowNumber, { count: string }>['name']>;
/** The figures of a row (sums and percentiles, null when there is no value), in order after the counts. */
export const ROW_FIGURES = ROW_NUMBERS.filter((r) => !('count' in r)).map((r) => r.name) as Array<Exclude<RowNumber['name'], (typeof ROW_COUNTS)[number]>>;
/** A number's position in a row, as HogQL indexes arrays (from 1). */
const at = (name: RowNumber['name']) => ROW_NUMBERS.findIndex((r) => r.name === name) + 1;
/** Rows at most: every section is small (7 events × 2 periods, ≤ 12 funnel rows, ≤ 30 spark buckets) but for property values. */
export const CARD_ROWS = 1000;

/**
 * A select list of shallow definitions, `expression AS alias`, later ones naming earlier ones.
 * PostHog's parser runs on every request, and what costs it is function calls — each one's
 * arguments are scanned again to tell a call from a parametric or window call — nested ones most:
 * `coalesce(toString(a), toString(b))` costs nearly twice `toString(a) AS a0, toString(b) AS b0,
 * a0 ?? b0`. So operators stand in for calls wherever HogQL has one, with the same meaning (its parser
 * turns them into the calls): `a ?? b` for ifNull, `c ? x : y` for if, `INTERVAL n SECOND` for
 * toIntervalSecond. bench/parse.ts measures the query against seed 000's insight 6.
 */
class Columns {
  readonly defs: string[] = [];
  def(alias: string, expression: string): string {
    this.defs.push(`${expression} AS ${alias}`);
    return alias;
  }
  /**
   * A custom property under each of its spellings, cast one by one (PostHog types each spelling by the
   * JSON it has seen: no common type otherwise), the first present wins. 'text' reads it as PostHog
   * types it, for a property only ever sent as a JSON string (PostHog then types it String).
   */
  read(v: HogQLValues, schema: SchemaMapping, property: ToolProperty, cast: 'toString' | 'toFloat' | 'text', alias: string): string {
    const each = schema.properties[property].map((spelling, i) => {
      const read = `properties[${v.add(`p_${property}_${i}`, spelling)}]`;
      return cast === 'text' ? read : `${cast}(${read})`;
    });
    if (each.length === 1) return this.def(alias, each[0]!);
    return this.def(alias, each.map((read, i) => this.def(`${alias}_${i}`, read)).join(' ?? '));
  }
}

/**
 * One request per tool and range, covering the range and the equal period before it (so every
 * figure can show its change), and one pass over the tool's events: ClickHouse would scan the
 * events once for every part of a UNION ALL (a CTE is inlined), and reading the tool's name out of
 * every event's JSON is most of the cost. So the innermost select reads the tool's events and each
 * property once — only on the events that use it: `c ? read : NULL` and `c AND read` are evaluated
 * lazily — in shallow definitions (Columns), and names for each event the sections it feeds:
 *  - "current" / "previous" (label: the event's name): every event, by its period;
 *  - "funnel" (label: the period), per session or person: the funnel's events until now;
 *  - one of "error" (label: the error type; failures until now, both periods), "spark" (label: the
 *    bucket's number, epoch ms ÷ bucket; completed jobs with a duration now), "file_type" (uploads now)
 *    or "format" (downloads now).
 * ARRAY JOIN repeats the event once per section (one to three times), one GROUP BY aggregates every
 * section at once, and an outer GROUP BY counts the funnel's sessions per level reached
 * (windowFunnel, in order within the window). Every row is `(section, label, numbers)`: ROW_COUNTS
 * (all; until now, as the range and previous period end now; cache hits, signed-in views, the last
 * hour, LLM errors, values until now and in the last hour, in the current period, file sizes) then
 * ROW_FIGURES (the sums of those values, LLM sums, the sum of file sizes, exact percentiles of the
 * values, the order statistics bounding p95), all from one sumForEach; funnel rows are
 * [level reached, sessions].
 * An event's value is its duration (model latency for LLM events, which count to the end of the
 * range as the other current-only figures do), until now: the values' count is n.
 * Percentiles are exact (quantileExact's rule) from sorted arrays: HogQL releases of the past year lack quantileExact.
 */
export function buildCardQuery({ tool, range, options, periodSeconds, sampleFactor = 1 }: CardQueryInput): HogQLRequest {
  if (!Number.isInteger(sampleFactor) || sampleFactor < 1 || sampleFactor > 1000) throw new Error(`bad sample factor ${String(sampleFactor)}`);
  const period = periodSeconds ?? RANGES[range].seconds;
  const { schema, segment } = options;
  const v = new HogQLValues();
  const events = TOOL_EVENT_KEYS.map((key) => v.event(schema, key));
  const [viewed, uploaded, started, completed, failed, downloaded, ai] = events as [string, string, string, string, string, string, string];
  const bucketSeconds = sparkBucketSeconds(range, period);
  const bucketMs = v.add('bucket_ms', Math.round(bucketSeconds * 1000));
  const sparkDays = v.add('spark_days', bucketSeconds === 86_400 ? 1 : 0);

  const c = new Columns();
  c.defs.push('event', 'timestamp');
  // A tool's name is text wherever it is sent (session ids, error codes and file types may be numbers).
  const toolName = c.read(v, schema, 'tool_name', 'text', 'tool');
  const segmentValue = segment ? c.def('segment_value', segmentRead(v, segment)) : null;
  c.def('query_time', 'now()');
  c.def('cur', `timestamp >= query_time - INTERVAL ${v.add('range_seconds', period)} SECOND`);
  c.def('period', `cur ? 'current' : 'previous'`);
  c.def('is_ai', `event = ${ai}`);
  c.def('u', 'timestamp < query_time OR is_ai');
  c.def('h', 'timestamp >= query_time - INTERVAL 1 HOUR');
  // Two definitions, not a call in a call: the parser pays more for nested calls (bench/parse.ts).
  c.def('ts', `reinterpretAsUInt64(${c.def('ts_ms', 'toUnixTimestamp64Milli(timestamp)')})`);
  c.def('latency', 'toFloat(properties.$ai_latency)');
  c.read(v, schema, 'processing_duration_ms', 'toFloat', 'duration');
  c.def('x', `is_ai ? latency : event IN (${completed}, ${failed}) ? duration : NULL`);
  c.def('xu', 'u ? x : NULL');
  c.def('xh', 'h ? x : NULL');
  if (options.funnelUnit === 'persons') c.def('entity', 'toString(person_id)');
  else c.read(v, schema, 'session_id', 'toString', 'entity');
  c.read(v, schema, 'error_type', 'toString', 'error_type');
  c.read(v, schema, 'file_type', 'toString', 'file_type');
  c.read(v, schema, 'download_format', 'toString', 'format');
  c.read(v, schema, 'file_size', 'toFloat', 'file_size');
  c.def('size', `event = ${uploaded} ? file_size : NULL`);
  c.def('cached', `event = ${completed} AND ${c.read(v, schema, 'from_cache', 'toString', 'cached_text')} = 'true'`);
  c.def('auth', `event = ${viewed} AND ${c.read(v, schema, 'is_authenticated', 'toString', 'auth_text')} = 'true'`);
  c.def('cost', 'is_ai ? toFloat(properties.$ai_total_cost_usd) : NULL');
  c.def('err', `is_ai AND toString(properties.$ai_is_error) = 'true'`);
  c.def('input', 'is_ai ? toFloat(properties.$ai_input_tokens) : NULL');
  c.def('output', 'is_ai ? toFloat(properties.$ai_output_tokens) : NULL');
  // The sections each event feeds, as parallel arrays for ARRAY JOIN ('' where it feeds none).
  c.def('funnel', `event NOT IN (${failed}, ${ai}) AND u AND entity IS NOT NULL ? 'funnel' : ''`);
  c.def(
    'detail',
    `event = ${failed} AND u ? 'error' : cur AND event = ${completed} AND xu IS NOT NULL ? 'spark' : cur AND event = ${uploaded} ? 'file_type' : cur AND event = ${downloaded} ? 'format' : ''`,
  );
  // A spark bucket's start, epoch ms. Days are the project's (timestamp is read in its zone), so a daily
  // p95 is PostHog's day, DST days included. A shorter bucket is a slice of elapsed time (a twelfth of
  // the range, or of a before/after period): the same instants in every zone, counted from the epoch.
  // Each branch is text: the two need no common number type, whatever type ClickHouse gives toUnixTimestamp.
  c.def('spark_label', `${sparkDays} ? toString(toUnixTimestamp(toStartOfDay(timestamp)) * 1000) : toString(intDiv(ts, ${bucketMs}) * ${bucketMs})`);
  c.def('detail_label', `(event = ${failed} ? error_type : event = ${uploaded} ? file_type : event = ${downloaded} ? format : spark_label) ?? 'unknown'`);
  c.def('sections', '[period, funnel, detail]');
  c.def('labels', '[event, period, detail_label]');
  c.def('entities', "['', entity, '']");
  // The aliases above serve the WHERE too: ClickHouse (and HogQL) resolve select aliases there. The
  // tool is a typed property read, which PostHog serves from a materialized column when the project
  // has one (`mat_tool_name`); never a read of the whole `properties`, which PostHog's JSON-typed
  // events table rebuilds row by row (posthog/hogql/printer.py `_serialize_events_json_field`).
  const where = [`event IN (${events.join(', ')})`, `${toolName} = ${v.addText('tool', tool)}`];
  if (segmentValue) where.push(segmentMatch(v, segment!, segmentValue));
  where.push(`timestamp >= query_time - INTERVAL ${v.add('lookback_seconds', period * 2)} SECOND`);

  const sums = ROW_NUMBERS.flatMap((r) => ('count' in r ? [r.count] : 'sum' in r ? [r.sum] : []));
  const quantiles = ROW_NUMBERS.flatMap((r) => ('quantile' in r ? [r.quantile] : []));
  const values = ROW_NUMBERS.flatMap((r) => ('value' in r ? [r.value] : []));
  const query = `SELECT section, label, section = 'funnel' ? [level, count() / 1] : any(numbers) AS numbers
FROM (
  SELECT section, label, entity_key,
    sumForEach([${sums.join(', ')}]) AS sums,
    groupArray(xu) AS xs_unsorted, arraySort(xs_unsorted) AS xs, sums[${at('n')}] AS n, ${P95_RANKS_SQL('n').join(', ')},
    arrayConcat(sums, arrayMap(q -> ${exactQuantile('xs', 'q', 'n')}, [${quantiles.join(', ')}]), [${values.join(', ')}]) AS numbers,
    windowFunnel(${v.add('window_ms', options.funnelWindowHours * 3_600_000)})(ts, ${[viewed, uploaded, started, completed, downloaded].map((e) => `event = ${e}`).join(', ')}) AS level
  FROM (
    SELECT ${c.defs.join(',\n      ')}
    FROM events${sampleFactor > 1 ? ` SAMPLE 1/${sampleFactor}` : ''}
    WHERE ${where.join(' AND ')})
  ARRAY JOIN sections AS section, labels AS label, entities AS entity_key
  WHERE section != ''
  GROUP BY section, label, entity_key)
GROUP BY section, label, level
ORDER BY section IN ('error', 'file_type', 'format'), numbers[${at('current')}] DESC, numbers[${at('all')}] DESC, label
LIMIT ${CARD_ROWS}`;
  return { query, values: v.values };
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

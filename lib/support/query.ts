/**
 * Support's lookup of one person, across every tool: one HogQL query per lookup. Who matched (by an
 * email, a distinct id, a session id or a job id: placeholders, never query text), then in the same
 * query the person (chosen person properties, distinct ids, when last seen), their jobs on every tool
 * in the range (failures first), each tool's p50/p95 to put a job's duration against, and PostHog's
 * `$exception` events in the sessions of those jobs (error tracking). Everything comes back as rows of
 * one shape, `(kind, id, texts, numbers, list)`, so the parts can be one UNION ALL.
 */
import { RANGES, type RangeKey } from '../model/ranges';
import { exactQuantile } from '../card/query';
import { HogQLValues, type SchemaMapping } from '../model/events';
import type { HogQLRequest } from '../posthog/hogql';
import type { MatchedBy, MatchKind } from '../model/person';

/** People one lookup may show: more than this says "narrow it down". */
export const MAX_PERSONS = 5;
/** Jobs shown per lookup: the latest failures, and as many of the latest other jobs. */
export const FAILED_JOB_ROWS = 50;
export const OTHER_JOB_ROWS = 50;
export const EXCEPTION_ROWS = 50;
export const DISTINCT_IDS = 10;
export const MAX_PERSON_PROPERTIES = 8;
/** Tools a person's jobs can span (the project's tools: lib/project/ranking.ts reads as many). */
export const TOOL_ROWS = 200;
/** Rows in the person's jobs in PostHog (the "N more" link): far more than the panel shows. */
export const JOBS_LINK_ROWS = 5000;

/** The order of the `matched by` flags in a person row's numbers, after the three counts. */
export const MATCHED_BY: readonly MatchedBy[] = ['email', 'distinct_id', 'session_id', 'job_id'];

export interface PersonLookupInput {
  range: RangeKey;
  /** What the value is taken for (lib/support/selection.ts resolveMatch). */
  match: MatchKind;
  value: string;
  schema: SchemaMapping;
  /** The person property that holds an email. */
  emailProperty: string;
  /** The person properties to show, in order (at most MAX_PERSON_PROPERTIES). */
  personProperties: string[];
}

/** Each way an event can match the value, as HogQL conditions on an events row (placeholders only). */
function matchConditions(v: HogQLValues, input: PersonLookupInput): Partial<Record<MatchedBy, string>> {
  const { schema, value, match } = input;
  const out: Partial<Record<MatchedBy, string>> = {};
  if (match === 'email') {
    // An email as support has it may differ in case from the one sent: compared lowercase, as a person
    // property and as a distinct id (products that identify people by their email).
    const lower = value.toLowerCase();
    out.email = `lower(toString(person.properties[${v.add('email_property', input.emailProperty)}])) = ${v.addText('who_email', lower)}`;
    out.distinct_id = `lower(distinct_id) = ${v.add('who_lower', lower)}`;
    return out;
  }
  if (match === 'distinct_id' || match === 'any_id') out.distinct_id = `distinct_id = ${v.add('who', value)}`;
  // A session is the tool's own session id, or posthog-js's $session_id (the replay's).
  if (match === 'session_id' || match === 'any_id')
    out.session_id = `(${v.text(schema, 'session_id')} = ${v.addText('who_text', value)} OR ${v.posthogText('session_id')} = ${v.addText('who_text', value)})`;
  if (match === 'job_id' || match === 'any_id') out.job_id = `${v.text(schema, 'job_id')} = ${v.addText('who_text', value)}`;
  return out;
}

/**
 * Columns of each kind of row (lib/support/lookup.ts reads them by position):
 *  - person:    id person id; texts the chosen properties (latest); numbers [last seen ms, first seen ms,
 *               events, matched by email, distinct id, session id, job id (events each)]; list distinct ids
 *               (DISTINCT_IDS + 1 at most: one more says there are more);
 *  - totals:    id person id; numbers [jobs, failed jobs] in the range;
 *  - job:       id job id (or its event's uuid); texts [tool, job id, error type, latest event uuid,
 *               $session_id, tool session id, person id]; numbers [first event ms, latest event ms,
 *               duration ms, failed events, completed events];
 *  - tool:      id tool; numbers [n, p50 ms, p95 ms]: completed jobs with a duration in the range, every
 *               user's, exact percentiles as the card computes them (lib/card/query.ts exactQuantile);
 *  - exception: id event uuid; texts [$exception_type, first $exception_list entry's type (raw JSON),
 *               $exception_message, its value (raw JSON), $session_id, $exception_issue_id]; numbers [ms].
 */
export function buildPersonLookupQuery(input: PersonLookupInput): HogQLRequest {
  const { schema } = input;
  const v = new HogQLValues();
  const [started, completed, failed] = (['processingStarted', 'processingCompleted', 'processingFailed'] as const).map((k) => v.event(schema, k)) as [
    string,
    string,
    string,
  ];
  const inRange = `timestamp >= now() - INTERVAL ${v.add('range_seconds', RANGES[input.range].seconds)} SECOND`;
  const conditions = matchConditions(v, input);
  const who = Object.values(conditions).join(' OR ');
  const flags = MATCHED_BY.map((k) => (conditions[k] ? `toFloat(countIf(${conditions[k]}))` : 'toFloat(0)'));
  const properties = input.personProperties
    .slice(0, MAX_PERSON_PROPERTIES)
    .map((name, i) => `argMax(toString(person.properties[${v.add(`person_property_${i}`, name)}]), timestamp)`);
  const session = v.posthogText('session_id');
  const exceptionList = v.posthogText('exception_list');
  const tool = v.text(schema, 'tool_name');
  const duration = v.number(schema, 'processing_duration_ms');
  const ms = (expression: string) => `toFloat(${expression}(toUnixTimestamp64Milli(timestamp)))`;
  const jobRows = (filter: string, rows: number) => `SELECT 'job' AS kind, job_key AS id,
    [tool, any(job), anyIf(error_type, event = ${failed}), argMax(event_id, timestamp), any(session), any(tool_session), any(person)] AS texts,
    [toFloat(min(ms)), toFloat(max(ms)), maxIf(duration, event != ${started}), toFloat(countIf(event = ${failed})), toFloat(countIf(event = ${completed}))] AS numbers,
    [] AS list
  FROM jobs GROUP BY tool, job_key HAVING ${filter} ORDER BY max(ms) DESC LIMIT ${rows}`;
  const query = `WITH matched AS (
  SELECT person_id FROM events WHERE ${inRange} AND (${who})
  GROUP BY person_id ORDER BY max(timestamp) DESC LIMIT ${MAX_PERSONS + 1}
),
jobs AS (
  SELECT event, timestamp, toUnixTimestamp64Milli(timestamp) AS ms, toString(uuid) AS event_id, toString(person_id) AS person,
    ${tool} AS tool, ${v.text(schema, 'job_id')} AS job, job ?? event_id AS job_key, ${v.text(schema, 'error_type')} AS error_type,
    ${duration} AS duration, ${session} AS session, ${v.text(schema, 'session_id')} AS tool_session
  FROM events
  WHERE event IN (${started}, ${completed}, ${failed}) AND ${inRange} AND person_id IN (SELECT person_id FROM matched)
)
SELECT kind, id, texts, numbers, list FROM (
  SELECT 'person' AS kind, toString(person_id) AS id,
    [${properties.join(', ')}] AS texts,
    [${ms('max')}, ${ms('min')}, toFloat(count()), ${flags.join(', ')}] AS numbers,
    arraySlice(groupUniqArray(distinct_id), 1, ${DISTINCT_IDS + 1}) AS list
  FROM events WHERE ${inRange} AND person_id IN (SELECT person_id FROM matched)
  GROUP BY person_id
  UNION ALL
  SELECT 'totals' AS kind, person AS id, [] AS texts,
    [toFloat(uniqExact(tuple(tool, job_key))), toFloat(uniqExactIf(tuple(tool, job_key), event = ${failed}))] AS numbers, [] AS list
  FROM jobs GROUP BY person
  UNION ALL
  ${jobRows(`countIf(event = ${failed}) > 0`, FAILED_JOB_ROWS)}
  UNION ALL
  ${jobRows(`countIf(event = ${failed}) = 0`, OTHER_JOB_ROWS)}
  UNION ALL
  SELECT 'tool' AS kind, tool AS id, [] AS texts,
    [toFloat(n), n > 0 ? ${exactQuantile('xs', '0.5', 'n')} : NULL, n > 0 ? ${exactQuantile('xs', '0.95', 'n')} : NULL] AS numbers, [] AS list
  FROM (
    SELECT ${tool} AS tool, arraySort(groupArray(${duration})) AS xs, length(xs) AS n
    FROM events
    WHERE event = ${completed} AND ${inRange} AND timestamp < now() AND tool IN (SELECT tool FROM jobs WHERE tool IS NOT NULL)
    GROUP BY tool
    LIMIT ${TOOL_ROWS})
  UNION ALL
  SELECT 'exception' AS kind, toString(uuid) AS id,
    [${v.posthogText('exception_type')}, JSONExtractRaw(${exceptionList}, 1, 'type'), ${v.posthogText('exception_message')}, JSONExtractRaw(${exceptionList}, 1, 'value'), ${session}, ${v.posthogText('exception_issue_id')}] AS texts,
    [${ms('')}] AS numbers, [] AS list
  FROM events
  WHERE event = ${v.posthogEvent('exception')} AND ${inRange} AND ${session} IN (SELECT session FROM jobs WHERE session IS NOT NULL)
  ORDER BY timestamp DESC LIMIT ${EXCEPTION_ROWS})
LIMIT 1000`;
  return { query, values: v.values };
}

/**
 * One person's jobs in PostHog, every one in the range, newest first: the SQL insight the panel's
 * "N more" link opens (the person by id, a placeholder like every value).
 */
export function buildPersonJobsQuery({ range, schema, personId }: { range: RangeKey; schema: SchemaMapping; personId: string }): HogQLRequest {
  const v = new HogQLValues();
  const events = (['processingStarted', 'processingCompleted', 'processingFailed'] as const).map((k) => v.event(schema, k));
  return {
    query: `SELECT timestamp, event, ${v.text(schema, 'tool_name')} AS tool, ${v.text(schema, 'job_id')} AS job_id, ${v.text(schema, 'error_type')} AS error_type,
  ${v.number(schema, 'processing_duration_ms')} AS duration_ms, ${v.posthogText('session_id')} AS session_id
FROM events
WHERE event IN (${events.join(', ')}) AND toString(person_id) = ${v.add('person_id', personId)} AND timestamp >= now() - INTERVAL ${v.add('range_seconds', RANGES[range].seconds)} SECOND
ORDER BY timestamp DESC
LIMIT ${JOBS_LINK_ROWS}`,
    values: v.values,
  };
}

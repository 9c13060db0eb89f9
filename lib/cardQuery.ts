import { RANGES, type RangeKey } from './ranges';
import { TOOL_EVENTS, propertyExpr } from './schema';

export interface HogQLRequest {
  query: string;
  values: Record<string, string | number>;
}

/** Sessions must reach each later step within this time of their view (PostHog's funnel default: 1 day). */
export const FUNNEL_WINDOW_MS = 86_400_000;
export const TOP_ERROR_TYPES = 8;

const tool = propertyExpr('tool_name');
const inRange = 'timestamp >= now() - toIntervalSecond({range_seconds})';

/**
 * One HogQL query for the whole card. Rows are (section, label, n, p50, p95, p99):
 *  - 'funnel': one row per step reached, n = sessions that reached it in order (windowFunnel),
 *  - 'latency': n completed jobs with a duration, and their exact p50/p95/p99 in ms,
 *  - 'error': the most frequent error types of failed jobs.
 * windowFunnel needs an unsigned timestamp: reinterpretAsUInt64 is the conversion HogQL exposes.
 * Every value (tool, event names, range) is a placeholder; only fixed identifiers are in the text.
 */
export const CARD_QUERY = `SELECT 'funnel' AS section, toString(step) AS label, count() AS n, 0.0 AS p50, 0.0 AS p95, 0.0 AS p99
FROM (
  SELECT ${propertyExpr('session_id')} AS session,
         windowFunnel({window_ms})(reinterpretAsUInt64(toUnixTimestamp64Milli(timestamp)), event = {ev_viewed}, event = {ev_upload}, event = {ev_started}, event = {ev_completed}, event = {ev_downloaded}) AS level
  FROM events
  WHERE event IN ({ev_viewed}, {ev_upload}, {ev_started}, {ev_completed}, {ev_downloaded})
    AND ${tool} = {tool}
    AND ${inRange}
  GROUP BY session
  HAVING session IS NOT NULL
)
ARRAY JOIN range(1, level + 1) AS step
GROUP BY step
UNION ALL
SELECT 'latency', '', count(), quantileExact(0.5)(d), quantileExact(0.95)(d), quantileExact(0.99)(d)
FROM (
  SELECT toFloat64OrNull(${propertyExpr('processing_duration_ms')}) AS d
  FROM events
  WHERE event = {ev_completed} AND ${tool} = {tool}
    AND ${inRange}
)
WHERE d IS NOT NULL
UNION ALL
SELECT 'error', label, n, 0.0, 0.0, 0.0
FROM (
  SELECT coalesce(properties.error_type, properties.$error_type, 'unknown') AS label, count() AS n
  FROM events
  WHERE event = {ev_failed} AND ${tool} = {tool}
    AND ${inRange}
  GROUP BY label ORDER BY n DESC LIMIT ${TOP_ERROR_TYPES}
)`;

export function buildCardQuery(toolName: string, range: RangeKey): HogQLRequest {
  return {
    query: CARD_QUERY,
    values: {
      tool: toolName,
      range_seconds: RANGES[range].seconds,
      window_ms: FUNNEL_WINDOW_MS,
      ev_viewed: TOOL_EVENTS.viewed,
      ev_upload: TOOL_EVENTS.uploadStarted,
      ev_started: TOOL_EVENTS.processingStarted,
      ev_completed: TOOL_EVENTS.processingCompleted,
      ev_downloaded: TOOL_EVENTS.resultDownloaded,
      ev_failed: TOOL_EVENTS.processingFailed,
    },
  };
}

/**
 * Threshold alerts across all tools (seed 000's two alert rules, plus any added): one HogQL query
 * per check for every tool at once, evaluated here. Pure.
 */
import * as z from 'zod/mini';
import type { HogQLRequest } from '../posthog/hogql';
import { fromStoredForm, HogQLValues, type SchemaMapping } from '../instrumentation/schema';

export const ALERT_METRICS = {
  failures_last_hour: { label: 'failures in the last hour', unit: '' },
  mean_duration_s: { label: 'mean processing time in the last hour', unit: ' s' },
  p95_duration_s: { label: 'p95 processing time in the last hour', unit: ' s' },
  failure_rate_pct: { label: 'failure rate in the last hour', unit: '%' },
} as const;
export type AlertMetric = keyof typeof ALERT_METRICS;

export const alertRuleSchema = z.object({
  metric: z.enum(Object.keys(ALERT_METRICS) as [AlertMetric, ...AlertMetric[]]),
  above: z.number().check(z.minimum(0)),
});
export type AlertRule = z.infer<typeof alertRuleSchema>;

/** The rules in force: seed 000's thresholds first, then the ones the user added. */
export function alertRules(options: { thresholds: { failuresPerHour: number; meanDurationSeconds: number }; extraAlertRules?: AlertRule[] }): AlertRule[] {
  return [
    { metric: 'failures_last_hour', above: options.thresholds.failuresPerHour },
    { metric: 'mean_duration_s', above: options.thresholds.meanDurationSeconds },
    ...(options.extraAlertRules ?? []),
  ];
}

export function buildAlertsQuery(schema: SchemaMapping): HogQLRequest {
  const v = new HogQLValues();
  const completed = v.event(schema, 'processingCompleted');
  const failed = v.event(schema, 'processingFailed');
  const started = v.event(schema, 'processingStarted');
  const duration = v.number(schema, 'processing_duration_ms');
  const tool = v.text(schema, 'tool_name');
  return {
    query: `SELECT ${tool} AS tool, countIf(event = ${failed}) AS failures, countIf(event = ${started}) AS started,
  countIf(event = ${completed}) AS completed, avgIf(${duration}, event = ${completed}) AS mean_ms,
  quantileIf(0.95)(${duration}, event = ${completed}) AS p95_ms
FROM events
WHERE event IN (${completed}, ${failed}, ${started}) AND timestamp >= now() - toIntervalHour(1) AND tool IS NOT NULL
GROUP BY tool
ORDER BY failures DESC
LIMIT 500`,
    values: v.values,
  };
}

const maybe = z.nullable(z.number());
export const alertRowsSchema = z.array(z.tuple([z.string(), z.number(), z.number(), z.number(), maybe, maybe]));

export interface ToolInTrouble {
  tool: string;
  reasons: string[];
  /** The rules that fired, in the order of `reasons`. */
  metrics: AlertMetric[];
  failures: number;
  meanMs: number | null;
}

function value(metric: AlertMetric, row: z.infer<typeof alertRowsSchema>[number]): number | null {
  const [, failures, started, completed, meanMs, p95Ms] = row;
  switch (metric) {
    case 'failures_last_hour':
      return failures;
    case 'mean_duration_s':
      return completed > 0 && meanMs !== null ? meanMs / 1000 : null;
    case 'p95_duration_s':
      return completed > 0 && p95Ms !== null ? p95Ms / 1000 : null;
    case 'failure_rate_pct':
      return started > 0 ? (failures / started) * 100 : null;
  }
}

const show = (n: number) => (Number.isInteger(n) ? String(n) : n.toFixed(1));

/** Tools over any rule, most failures first. A rule fires strictly above its threshold. */
export function evaluateAlerts(rows: z.infer<typeof alertRowsSchema>, rules: AlertRule[]): ToolInTrouble[] {
  const out: ToolInTrouble[] = [];
  for (const row of rows) {
    const reasons: string[] = [];
    const metrics: AlertMetric[] = [];
    for (const rule of rules) {
      const v = value(rule.metric, row);
      const { label, unit } = ALERT_METRICS[rule.metric];
      if (v !== null && v > rule.above) {
        reasons.push(`${show(v)}${unit} ${label} (alert above ${show(rule.above)}${unit})`);
        metrics.push(rule.metric);
      }
    }
    // Tool names are property values: PostHog reads them JSON-escaped.
    if (reasons.length) out.push({ tool: fromStoredForm(row[0]), reasons, metrics, failures: row[1], meanMs: row[4] });
  }
  return out.sort((a, b) => b.failures - a.failures || a.tool.localeCompare(b.tool));
}

export const alertStateSchema = z.object({
  checkedAt: z.number(),
  error: z.nullable(z.string()),
  tools: z.array(
    z.object({
      tool: z.string(),
      reasons: z.array(z.string()),
      metrics: z.array(alertRuleSchema.shape.metric),
      failures: z.number(),
      meanMs: maybe,
      /** The project it is in, when a site names a project other than the connection's (staging, production). */
      project: z.optional(z.string()),
    }),
  ),
});
export type AlertState = z.infer<typeof alertStateSchema>;

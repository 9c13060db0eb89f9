/**
 * Alert rules and the state of the last check: what the settings store, the worker keeps and the
 * popup shows. The check itself (one query over every tool) is lib/project/alerts.ts.
 */
import * as z from 'zod/mini';

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

const maybe = z.nullable(z.number());
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

/** Turns the card query's rows into the figures the card shows. */
import { z } from 'zod';
import { FUNNEL_STEPS } from './schema';
import type { RangeKey } from './ranges';
import type { ToolMetrics } from './messages';
import { describeZodError, PostHogError, type HogQLResponse } from './posthogClient';

// ClickHouse writes NaN (quantile of nothing) as null in JSON.
const maybeNumber = z.number().nullable();
const cardRowSchema = z.tuple([
  z.enum(['funnel', 'latency', 'error']),
  z.string(),
  z.number().int().nonnegative(),
  maybeNumber,
  maybeNumber,
  maybeNumber,
]);
const cardRowsSchema = z.array(cardRowSchema);

export function toToolMetrics(response: HogQLResponse, tool: string, range: RangeKey, asOf: Date): ToolMetrics {
  const parsed = cardRowsSchema.safeParse(response.results);
  if (!parsed.success) throw new PostHogError('bad_response', describeZodError(parsed.error).replace('response', 'results'));

  const stepSessions = new Array<number>(FUNNEL_STEPS.length).fill(0);
  let latency: ToolMetrics['latency'] = { n: 0, p50Ms: null, p95Ms: null, p99Ms: null };
  const errors: ToolMetrics['errors'] = [];

  for (const [section, label, n, p50, p95, p99] of parsed.data) {
    if (section === 'funnel') {
      const step = Number(label);
      if (Number.isInteger(step) && step >= 1 && step <= FUNNEL_STEPS.length) stepSessions[step - 1] = n;
    } else if (section === 'latency') {
      latency = n === 0 ? { n: 0, p50Ms: null, p95Ms: null, p99Ms: null } : { n, p50Ms: p50, p95Ms: p95, p99Ms: p99 };
    } else {
      errors.push({ type: label, count: n });
    }
  }
  errors.sort((a, b) => b.count - a.count || a.type.localeCompare(b.type));

  return {
    tool,
    range,
    asOf: (response.last_refresh ? new Date(response.last_refresh) : asOf).toISOString(),
    funnel: FUNNEL_STEPS.map((step, i) => ({ label: step.label, sessions: stepSessions[i] ?? 0 })),
    latency,
    errors,
  };
}

/**
 * The one message protocol between contexts. Every message is parsed with these schemas on arrival;
 * anything else is rejected.
 */
import { z } from 'zod';
import { RANGE_KEYS } from './ranges';

export const rangeSchema = z.enum(RANGE_KEYS as [string, ...string[]]).transform((r) => r as (typeof RANGE_KEYS)[number]);

export const toolMetricsSchema = z.object({
  tool: z.string(),
  range: rangeSchema,
  asOf: z.string(),
  funnel: z.array(z.object({ label: z.string(), sessions: z.number().int().nonnegative() })),
  latency: z.object({
    n: z.number().int().nonnegative(),
    p50Ms: z.number().nullable(),
    p95Ms: z.number().nullable(),
    p99Ms: z.number().nullable(),
  }),
  errors: z.array(z.object({ type: z.string(), count: z.number().int().nonnegative() })),
});
export type ToolMetrics = z.infer<typeof toolMetricsSchema>;

export const errorKindSchema = z.enum([
  'not_configured',
  'unauthorized',
  'forbidden',
  'not_found',
  'rate_limited',
  'server',
  'network',
  'timeout',
  'bad_response',
  'query_error',
  'bad_request',
]);
export type ErrorKind = z.infer<typeof errorKindSchema>;

export const failureSchema = z.object({ kind: errorKindSchema, message: z.string() });
export type Failure = z.infer<typeof failureSchema>;

// Requests -------------------------------------------------------------------------------------

export const getToolMetricsRequest = z.object({
  type: z.literal('tool-metrics/get'),
  tool: z.string().min(1).max(200),
  range: rangeSchema,
  refresh: z.boolean().optional(),
});

export const testConnectionRequest = z.object({ type: z.literal('connection/test') });
export const openOptionsRequest = z.object({ type: z.literal('options/open') });

export const requestSchema = z.discriminatedUnion('type', [
  getToolMetricsRequest,
  testConnectionRequest,
  openOptionsRequest,
]);
export type Request = z.infer<typeof requestSchema>;

// Responses ------------------------------------------------------------------------------------

export const toolMetricsResponse = z.discriminatedUnion('ok', [
  z.object({ ok: z.literal(true), metrics: toolMetricsSchema, postHogUrl: z.string() }),
  z.object({ ok: z.literal(false), error: failureSchema }),
]);
export type ToolMetricsResponse = z.infer<typeof toolMetricsResponse>;

export const connectionCheckSchema = z.object({
  step: z.enum(['settings', 'user', 'project', 'query']),
  ok: z.boolean(),
  detail: z.string(),
});
export const testConnectionResponse = z.object({
  ok: z.boolean(),
  checks: z.array(connectionCheckSchema),
});
export type TestConnectionResponse = z.infer<typeof testConnectionResponse>;

export const okResponse = z.object({ ok: z.boolean() });

/** Maps each request type to the schema of its answer, so callers get typed, validated replies. */
export const responseSchemas = {
  'tool-metrics/get': toolMetricsResponse,
  'connection/test': testConnectionResponse,
  'options/open': okResponse,
} as const;

export type ResponseFor<T extends Request['type']> = z.infer<(typeof responseSchemas)[T]>;

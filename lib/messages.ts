/**
 * The one message protocol between contexts. Every message is parsed with these schemas on arrival;
 * anything else is rejected.
 */
// zod/mini: the same checks as zod, in a fraction of the bytes (this module ships in the content script).
import * as z from 'zod/mini';
import type { RangeKey } from './ranges';

export const rangeSchema = z.enum(['1h', '24h', '7d', '30d']);
// Compile-time guard: the schema and RANGES list the same keys.
const sameRanges: [RangeKey, z.infer<typeof rangeSchema>] extends [z.infer<typeof rangeSchema>, RangeKey] ? true : never = true;
void sameRanges;

const count = () => z.int().check(z.nonnegative());

export const toolMetricsSchema = z.object({
  tool: z.string(),
  range: rangeSchema,
  asOf: z.string(),
  funnel: z.array(z.object({ label: z.string(), sessions: count() })),
  latency: z.object({
    n: count(),
    p50Ms: z.nullable(z.number()),
    p95Ms: z.nullable(z.number()),
    p99Ms: z.nullable(z.number()),
  }),
  errors: z.array(z.object({ type: z.string(), count: count() })),
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
  tool: z.string().check(z.minLength(1), z.maxLength(200)),
  range: rangeSchema,
  refresh: z.optional(z.boolean()),
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

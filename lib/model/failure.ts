/**
 * What went wrong, as every context shows it: the kind (what the user can do about it) and the words.
 */
import * as z from 'zod/mini';

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
  /** PostHog stopped the query: too slow, or out of memory (504, 512, 513). */
  'too_slow',
  /** Not a failure: PostHog is still computing the figures as an async query; ask again in retryInMs. */
  'computing',
  'bad_request',
  /** The extension's own background worker did not answer (it was stopped or restarted). */
  'extension',
]);
export type ErrorKind = z.infer<typeof errorKindSchema>;

export const failureSchema = z.object({
  kind: errorKindSchema,
  message: z.string(),
  /** When asking again can help, as far as the worker knows (PostHog's Retry-After, the budget's refill). */
  retryInMs: z.optional(z.number().check(z.nonnegative())),
});
export type Failure = z.infer<typeof failureSchema>;

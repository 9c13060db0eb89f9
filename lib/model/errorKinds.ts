/**
 * The kinds of failure, as every context names them. A plain list (no zod): the card checks answers
 * against it in plain code (lib/protocol/cardAnswers.ts), the worker's schema is built from it
 * (./failure.ts).
 */
export const ERROR_KINDS = [
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
] as const;

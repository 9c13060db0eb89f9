/**
 * What a failed PostHog request tells the user: every error the client throws is a PostHogError
 * (lib/posthog/client.ts), turned into the protocol's Failure here and nowhere else.
 */
import type { Failure } from '../model/failure';
import { PostHogError } from './client';
import { retryInMsOf } from './retryAfter';

export function toFailure(error: unknown): Failure {
  const retryInMs = retryInMsOf(error);
  if (error instanceof PostHogError) return { kind: error.kind, message: error.message, ...(retryInMs !== undefined ? { retryInMs } : {}) };
  return { kind: 'bad_response', message: `Unexpected error: ${(error as Error)?.message ?? String(error)}` };
}

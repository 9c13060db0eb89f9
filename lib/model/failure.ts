/**
 * What went wrong, as every context shows it: the kind (what the user can do about it) and the words.
 */
import * as z from 'zod/mini';
import { ERROR_KINDS } from './errorKinds';

export const errorKindSchema = z.enum(ERROR_KINDS);
export type ErrorKind = z.infer<typeof errorKindSchema>;

export const failureSchema = z.object({
  kind: errorKindSchema,
  message: z.string(),
  /** When asking again can help, as far as the worker knows (PostHog's Retry-After, the budget's refill). */
  retryInMs: z.optional(z.number().check(z.nonnegative())),
});
export type Failure = z.infer<typeof failureSchema>;

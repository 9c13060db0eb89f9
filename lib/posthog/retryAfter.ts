/**
 * PostHog's last Retry-After, one for everything that asks PostHog (cards, triage, popup, alerts)
 * and kept in storage, so neither another caller nor a restarted worker asks sooner.
 */
import { PostHogError } from './client';
import type { Store } from '../storage/store';
import { retryAfterItem } from '../storage/items';

/** Longest Retry-After honoured: a longer one (a broken proxy) would silence Tool Lens for good. */
const MAX_RETRY_AFTER_MS = 24 * 3_600_000;

export interface RetryAfter {
  /** The wait still running, with what to tell the user (of the key or the sign-in asking); null when PostHog may be asked. */
  blocked(credential?: 'key' | 'signIn'): Promise<{ retryInMs: number; message: string } | null>;
  /** Starts (or lengthens) the wait when `error` is a 429 carrying Retry-After. */
  note(error: unknown): void;
  /** Ends the wait: it was PostHog's answer for another host, project or key. */
  forget(): void;
}

export function createRetryAfter(deps: { store: Store; now?: () => number }): RetryAfter {
  const now = deps.now ?? Date.now;
  let until = 0;
  let loaded: Promise<void> | null = null;
  let forgotten = 0;
  const load = () => {
    const at = forgotten;
    return (loaded ??= deps.store
      .get(retryAfterItem)
      .then((stored) => {
        // A forget() meanwhile wins over what was stored before it.
        if (at === forgotten && Number.isFinite(stored)) until = Math.max(until, Math.min(stored, now() + MAX_RETRY_AFTER_MS));
      })
      .catch(() => undefined));
  };

  return {
    async blocked(credential = 'key') {
      await load();
      const retryInMs = until - now();
      if (retryInMs <= 0) return null;
      return {
        retryInMs,
        message: `PostHog is rate limiting this ${credential === 'signIn' ? 'sign-in' : 'key'}; retrying in ${Math.ceil(retryInMs / 1000)} s`,
      };
    },
    note(error) {
      if (!(error instanceof PostHogError) || !error.retryAfterSeconds) return;
      until = Math.max(until, now() + Math.min(error.retryAfterSeconds * 1000, MAX_RETRY_AFTER_MS));
      void deps.store.set(retryAfterItem, until).catch(() => undefined);
    },
    forget() {
      forgotten++;
      until = 0;
      // A wait stored before this worker read it must not come back either.
      loaded = Promise.resolve();
      void deps.store.set(retryAfterItem, 0).catch(() => undefined);
    },
  };
}

/** Tool Lens did not send the request (Retry-After running, or the budget spent); it may ask again in `retryInMs`. */
export class NotSentError extends PostHogError {
  constructor(
    message: string,
    readonly retryInMs: number,
  ) {
    super('rate_limited', message);
    this.name = 'NotSentError';
  }
}

/** When asking again may succeed, as far as Tool Lens knows: the wait PostHog or the budget imposes. */
export function retryInMsOf(error: unknown): number | undefined {
  if (error instanceof NotSentError) return Math.max(0, Math.round(error.retryInMs));
  if (error instanceof PostHogError && error.retryAfterSeconds) return Math.min(error.retryAfterSeconds * 1000, MAX_RETRY_AFTER_MS);
  return undefined;
}

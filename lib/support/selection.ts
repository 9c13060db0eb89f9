/**
 * What support looks a person up by: text selected on any page (a ticket) or typed in the panel, and
 * what it is taken for. An email (a person property, or a distinct id that is one) is told apart by its
 * shape; any other value is looked for as a distinct id, a session id and a job id at once (one query
 * either way), since a ticket's ids do not say which they are. Pure.
 */
import type { LookupBy, MatchKind } from '../model/person';

/** Longer than any id or email Tool Lens looks up. */
export const MAX_LOOKUP_VALUE = 500;

const EMAIL = /^[^\s@<>()[\]{}"',;:\\]+@[^\s@<>()[\]{}"',;:\\]+\.[^\s@<>()[\]{}"',;:\\.]+$/;
const EMAIL_IN_TEXT = /[^\s@<>()[\]{}"',;:\\]+@[^\s@<>()[\]{}"',;:\\]+\.[^\s@<>()[\]{}"',;:\\.]+/;
/** Punctuation a selection picks up around an id: quotes, brackets, a trailing full stop or colon. */
const EDGES = /^[\s"'`“”‘’«»()[\]{}<>.,;:!?]+|[\s"'`“”‘’«»()[\]{}<>.,;:!?]+$/g;

/** Every way a value can be matched (lib/support/query.ts). */
export const MATCH_KINDS: readonly MatchKind[] = ['email', 'distinct_id', 'session_id', 'job_id', 'any_id'];

export const looksLikeEmail = (value: string) => EMAIL.test(value);

/**
 * The value a selection stands for: an email anywhere in it; else the selection itself when it is one
 * word; else its most id-like word (the longest with a digit, `-` or `_`: "Session 0190e4c2-…" → the
 * id), or the whole text (the panel shows it to be corrected). Null when nothing is selected.
 */
export function valueFromSelection(selection: string): { value: string; by: LookupBy } | null {
  const text = selection.replace(/\s+/g, ' ').trim();
  if (!text) return null;
  const email = EMAIL_IN_TEXT.exec(text)?.[0];
  if (email) return { value: email.replace(EDGES, '').slice(0, MAX_LOOKUP_VALUE), by: 'auto' };
  const words = text
    .split(' ')
    .map((w) => w.replace(EDGES, ''))
    .filter(Boolean);
  if (words.length === 0) return null;
  if (words.length === 1) return { value: words[0]!.slice(0, MAX_LOOKUP_VALUE), by: 'auto' };
  const idLike = words.filter((w) => w.length >= 4 && /[\d_-]/.test(w)).sort((a, b) => b.length - a.length)[0];
  return { value: (idLike ?? text).slice(0, MAX_LOOKUP_VALUE), by: 'auto' };
}

/**
 * What a lookup matches in PostHog: `auto` is an email when the value has an email's shape, else any id
 * (distinct, session or job). An email is compared without regard to case, as a person property and as
 * a distinct id (many products identify people by their email).
 */
export function resolveMatch(by: LookupBy, value: string): MatchKind {
  if (by !== 'auto') return by;
  return looksLikeEmail(value) ? 'email' : 'any_id';
}

/** Why a value cannot be looked up, in words for the field; null when it can. */
export function valueProblem(value: string): string | null {
  const v = value.trim();
  if (!v) return 'Type an email, a distinct id, a session id or a job id to look up.';
  if (v.length > MAX_LOOKUP_VALUE) return `That is longer than any id Tool Lens looks up (${MAX_LOOKUP_VALUE} characters).`;
  return null;
}

/**
 * Support's person lookup: what a person is looked up by, what matched, and what is shown of them
 * (their jobs across tools, each tool's latency, the exceptions of their sessions).
 */
import * as z from 'zod/mini';
import { count, maybeNumber, shortText } from './checks';
import { rangeSchema } from './figures';

/** What support looks a person up by: `auto` tells an email from an id by its shape (lib/support/selection.ts). */
export const lookupBySchema = z.enum(['auto', 'email', 'distinct_id', 'session_id', 'job_id']);
export type LookupBy = z.infer<typeof lookupBySchema>;
/** What a lookup matched in PostHog: an email (person property or distinct id), one kind of id, or any id. */
export const matchKindSchema = z.enum(['email', 'distinct_id', 'session_id', 'job_id', 'any_id']);
export type MatchKind = z.infer<typeof matchKindSchema>;
/** Which of a person's events matched: their email property, a distinct id, a session or a job. */
export const matchedBySchema = z.enum(['email', 'distinct_id', 'session_id', 'job_id']);
export type MatchedBy = z.infer<typeof matchedBySchema>;

const lookedUpPerson = z.object({
  /** PostHog's person id (a UUID). */
  id: shortText(100),
  url: z.string(),
  /** Every job of theirs in the range, in PostHog (a SQL insight): the "N more" link. */
  jobsUrl: z.string(),
  distinctIds: z.array(shortText()).check(z.maxLength(10)),
  moreDistinctIds: z.boolean(),
  /** The chosen person properties, in order, as the person's latest event in the range carries them. */
  properties: z.array(z.object({ name: shortText(200), value: z.nullable(shortText()) })).check(z.maxLength(8)),
  firstSeen: z.string(),
  lastSeen: z.string(),
  events: count(),
  jobs: count(),
  failedJobs: count(),
  matchedBy: z.array(matchedBySchema),
});
export type LookedUpPerson = z.infer<typeof lookedUpPerson>;
const lookedUpJob = z.object({
  tool: z.nullable(shortText(200)),
  jobId: z.nullable(shortText()),
  status: z.enum(['started', 'completed', 'failed']),
  errorType: z.nullable(shortText()),
  durationMs: maybeNumber(),
  /** Its first and latest event, ISO 8601 in UTC. */
  startedAt: z.string(),
  at: z.string(),
  eventUrl: z.string(),
  replayUrl: z.nullable(z.string()),
  /** posthog-js's session ($session_id): where the page's exceptions are found. */
  sessionId: z.nullable(shortText()),
  personId: shortText(100),
});
export type LookedUpJob = z.infer<typeof lookedUpJob>;
const toolStats = z.object({ tool: shortText(200), n: count(), p50Ms: maybeNumber(), p95Ms: maybeNumber() });
export type ToolStats = z.infer<typeof toolStats>;
const lookedUpException = z.object({
  type: z.nullable(shortText(200)),
  message: z.nullable(shortText(1000)),
  at: z.string(),
  sessionId: z.nullable(shortText()),
  eventUrl: z.string(),
  replayUrl: z.nullable(z.string()),
  /** Its error tracking issue in PostHog, when PostHog's ingestion linked one. */
  issueUrl: z.nullable(z.string()),
});
export type LookedUpException = z.infer<typeof lookedUpException>;
export const personLookupSchema = z.object({
  range: rangeSchema,
  value: shortText(),
  match: matchKindSchema,
  asOf: z.string(),
  persons: z.array(lookedUpPerson).check(z.maxLength(5)),
  /** More people matched than are shown. */
  morePersons: z.boolean(),
  /** The latest failed jobs, then the latest others; `jobs` of `persons` counts them all. */
  jobs: z.array(lookedUpJob).check(z.maxLength(100)),
  tools: z.array(toolStats).check(z.maxLength(200)),
  exceptions: z.array(lookedUpException).check(z.maxLength(50)),
});
export type PersonLookup = z.infer<typeof personLookupSchema>;

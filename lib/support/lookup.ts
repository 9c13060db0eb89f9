/**
 * PostHog's answer to support's lookup (lib/support/query.ts), checked and turned into what the panel
 * shows: the people matched, their jobs (failures first, then newest first, bounded), each tool's
 * p50/p95, and the exceptions in their jobs' sessions. Also how a job's duration stands against its
 * tool's, and which exceptions sit beside which job. Pure.
 */
import * as z from 'zod/mini';
import { fromStoredForm } from '../model/events';
import { formatDuration } from '../helpers/format';
import { errorIssueUrl, eventUrl, personUrl, replayUrl } from '../posthog/deepLinks';
import type { RangeKey } from '../model/ranges';
import type { LookedUpException, LookedUpJob, LookedUpPerson, MatchKind, PersonLookup, ToolStats } from '../model/person';
import { DISTINCT_IDS, FAILED_JOB_ROWS, MATCHED_BY, MAX_PERSONS, OTHER_JOB_ROWS } from './query';

const text = z.nullable(z.string());
const num = z.nullable(z.number());
/** (kind, id, texts, numbers, list): every row of the lookup query. */
export const lookupRowsSchema = z.array(
  z.tuple([z.enum(['person', 'totals', 'job', 'tool', 'exception']), z.string(), z.array(text), z.array(num), z.array(z.string())]),
);
export type LookupRows = z.infer<typeof lookupRowsSchema>;

export interface LookupContext {
  baseUrl: string;
  projectId: string;
  range: RangeKey;
  value: string;
  match: MatchKind;
  /** The person properties asked for, in the query's order. */
  personProperties: string[];
  /** When PostHog computed the answer (ISO 8601). */
  asOf: string;
  /** The person's jobs in PostHog (lib/support/query.ts buildPersonJobsQuery, as a SQL insight). */
  jobsUrl: (personId: string) => string;
}

/** A custom or PostHog property read as text comes in the form PostHog stores it (JSON escapes kept). */
const decode = (value: string | null | undefined) => (value === null || value === undefined ? null : fromStoredForm(value));
/** A piece of raw JSON (`"TypeError"`) as the string it is; null when absent or not a string. */
function jsonString(raw: string | null | undefined): string | null {
  if (!raw) return null;
  try {
    const value: unknown = JSON.parse(raw);
    return typeof value === 'string' ? value : JSON.stringify(value);
  } catch {
    return raw;
  }
}
const cut = (value: string | null, max: number) => (value === null ? null : value.length > max ? `${value.slice(0, max - 1)}…` : value);
const iso = (ms: number | null | undefined) => new Date(ms ?? 0).toISOString();
const at = <T>(list: T[], i: number) => list[i] ?? null;

export function toPersonLookup(rows: LookupRows, ctx: LookupContext): PersonLookup {
  const event = (uuid: string, when: string) => eventUrl(ctx.baseUrl, ctx.projectId, uuid, when);
  const replay = (sessionId: string | null) => replayUrl(ctx.baseUrl, ctx.projectId, sessionId);
  const totals = new Map(rows.filter((r) => r[0] === 'totals').map(([, id, , n]) => [id, { jobs: at(n, 0) ?? 0, failed: at(n, 1) ?? 0 }]));

  const persons = rows
    .filter((r) => r[0] === 'person')
    .map(([, id, texts, n, list]): LookedUpPerson => ({
      id,
      url: personUrl(ctx.baseUrl, ctx.projectId, id),
      jobsUrl: ctx.jobsUrl(id),
      distinctIds: list.slice(0, DISTINCT_IDS).map((d) => cut(d, 500)!),
      moreDistinctIds: list.length > DISTINCT_IDS,
      properties: ctx.personProperties.map((name, i) => ({ name, value: cut(decode(at(texts, i)), 500) })),
      lastSeen: iso(at(n, 0)),
      firstSeen: iso(at(n, 1)),
      events: at(n, 2) ?? 0,
      jobs: totals.get(id)?.jobs ?? 0,
      failedJobs: totals.get(id)?.failed ?? 0,
      matchedBy: MATCHED_BY.filter((_, i) => (at(n, 3 + i) ?? 0) > 0),
    }))
    .sort((a, b) => b.lastSeen.localeCompare(a.lastSeen));

  const jobs = rows
    .filter((r) => r[0] === 'job')
    .map(([, , texts, n]): LookedUpJob => {
      const [tool, jobId, errorType, uuid, session, , personId] = [0, 1, 2, 3, 4, 5, 6].map((i) => at(texts, i));
      const status = (at(n, 3) ?? 0) > 0 ? 'failed' : (at(n, 4) ?? 0) > 0 ? 'completed' : 'started';
      const latest = iso(at(n, 1));
      const sessionId = decode(session);
      return {
        tool: cut(decode(tool), 200),
        jobId: cut(decode(jobId), 500),
        status,
        errorType: status === 'failed' ? (cut(decode(errorType), 500) ?? 'unknown') : null,
        durationMs: status === 'started' ? null : at(n, 2),
        startedAt: iso(at(n, 0)),
        at: latest,
        eventUrl: event(uuid ?? '', latest),
        replayUrl: replay(sessionId),
        sessionId: cut(sessionId, 500),
        personId: personId ?? '',
      };
    });
  // Failures first, each part newest first, bounded whatever PostHog sends.
  const newest = (a: LookedUpJob, b: LookedUpJob) => b.at.localeCompare(a.at);
  const orderedJobs = [
    ...jobs
      .filter((j) => j.status === 'failed')
      .sort(newest)
      .slice(0, FAILED_JOB_ROWS),
    ...jobs
      .filter((j) => j.status !== 'failed')
      .sort(newest)
      .slice(0, OTHER_JOB_ROWS),
  ];

  const tools = rows
    .filter((r) => r[0] === 'tool')
    .map(([, id, , n]): ToolStats => {
      const count = at(n, 0) ?? 0;
      return { tool: cut(fromStoredForm(id), 200)!, n: count, p50Ms: count > 0 ? at(n, 1) : null, p95Ms: count > 0 ? at(n, 2) : null };
    })
    .slice(0, 200);

  const exceptions = rows
    .filter((r) => r[0] === 'exception')
    .map(([, id, texts, n]): LookedUpException => {
      // PostHog's own UI reads $exception_type / $exception_message first, then the list's first entry.
      const type = decode(at(texts, 0)) ?? jsonString(at(texts, 1));
      const message = decode(at(texts, 2)) ?? jsonString(at(texts, 3));
      const when = iso(at(n, 0));
      const sessionId = decode(at(texts, 4));
      return {
        type: cut(type, 200),
        message: cut(message, 1000),
        at: when,
        sessionId: cut(sessionId, 500),
        eventUrl: event(id, when),
        replayUrl: replay(sessionId),
        issueUrl: errorIssueUrl(ctx.baseUrl, ctx.projectId, decode(at(texts, 5))),
      };
    })
    .sort((a, b) => b.at.localeCompare(a.at))
    .slice(0, 50);

  return {
    range: ctx.range,
    value: ctx.value,
    match: ctx.match,
    asOf: ctx.asOf,
    persons: persons.slice(0, MAX_PERSONS),
    morePersons: persons.length > MAX_PERSONS,
    jobs: orderedJobs,
    tools,
    exceptions,
  };
}

/** Where a job's duration stands against its tool's in the range: over p95, over p50, or at most p50. */
export type Standing = 'above_p95' | 'above_p50' | 'typical';
export function durationStanding(durationMs: number | null, stats: ToolStats | undefined): Standing | null {
  if (durationMs === null || !stats || stats.p50Ms === null || stats.p95Ms === null) return null;
  if (durationMs > stats.p95Ms) return 'above_p95';
  if (durationMs > stats.p50Ms) return 'above_p50';
  return 'typical';
}

/** A duration against its tool's, in words: "over p95 (3.10 s)", "over p50 (1.20 s), within p95 (3.10 s)", "within p50 (1.20 s)". */
export function standingWords(durationMs: number | null, stats: ToolStats | undefined): string | null {
  const standing = durationStanding(durationMs, stats);
  if (!standing || !stats) return null;
  if (standing === 'above_p95') return `over p95 (${formatDuration(stats.p95Ms)})`;
  if (standing === 'above_p50') return `over p50 (${formatDuration(stats.p50Ms)}), within p95 (${formatDuration(stats.p95Ms)})`;
  return `within p50 (${formatDuration(stats.p50Ms)})`;
}

/**
 * The exceptions beside each job: those in the job's session ($session_id), by the job's index; the
 * rest (sessions of jobs not shown) apart. Newest first in each.
 */
export function exceptionsByJob(
  jobs: LookedUpJob[],
  exceptions: LookedUpException[],
): { byJob: Map<number, LookedUpException[]>; others: LookedUpException[] } {
  const byJob = new Map<number, LookedUpException[]>();
  const placed = new Set<LookedUpException>();
  jobs.forEach((job, i) => {
    if (!job.sessionId) return;
    const mine = exceptions.filter((e) => e.sessionId === job.sessionId);
    if (mine.length) byJob.set(i, mine);
    for (const e of mine) placed.add(e);
  });
  return { byJob, others: exceptions.filter((e) => !placed.has(e)) };
}

/** Every job of the people found, and the failed ones (the lookup shows at most 100 of them). */
export function jobTotals(lookup: Pick<PersonLookup, 'persons'>): { jobs: number; failed: number } {
  return lookup.persons.reduce((sum, p) => ({ jobs: sum.jobs + p.jobs, failed: sum.failed + p.failedJobs }), { jobs: 0, failed: 0 });
}

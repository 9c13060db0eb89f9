/**
 * "Copy for the ticket": what the lookup found, in Markdown that reads as plain text too. Every piece
 * of event data (emails, ids, tool names, error types, messages) is in a code span on one line, as the
 * card's own summaries are (lib/card/summary.ts), so it stays text wherever it is pasted. Pure.
 */
import { codeSpan } from '../card/summary';
import { RANGES } from '../model/ranges';
import { formatCount, formatDuration } from '../helpers/format';
import type { LookedUpJob, PersonLookup } from '../model/person';
import { jobTotals, standingWords } from './lookup';

const MATCH_WORDS: Record<PersonLookup['match'], string> = {
  email: 'email',
  distinct_id: 'distinct id',
  session_id: 'session id',
  job_id: 'job id',
  any_id: 'id',
};
const FAILURES_LISTED = 5;
const OTHERS_LISTED = 3;
const EXCEPTIONS_LISTED = 3;

const links = (parts: Array<[string, string | null]>) =>
  parts
    .filter((p): p is [string, string] => p[1] !== null)
    .map(([label, url]) => `[${label}](${url})`)
    .join(' · ');

function jobLine(job: LookedUpJob, lookup: PersonLookup): string {
  const standing = standingWords(
    job.durationMs,
    lookup.tools.find((t) => t.tool === job.tool),
  );
  const against = standing ? ` (${standing})` : '';
  const what =
    job.status === 'failed' ? `failed with ${codeSpan(job.errorType ?? 'unknown')}` : job.status === 'completed' ? 'completed' : 'started, no end yet';
  const duration = job.durationMs !== null ? ` after ${formatDuration(job.durationMs)}${against}` : '';
  return `  - ${codeSpan(job.tool ?? 'unknown tool')} job ${job.jobId === null ? '(no job id)' : codeSpan(job.jobId)} ${what}${duration}, ${job.at} ${links([
    ['event', job.eventUrl],
    ['replay', job.replayUrl],
  ])}`;
}

export function lookupSummary(lookup: PersonLookup): string {
  const range = RANGES[lookup.range].label.toLowerCase();
  const lines = [`**Tool Lens: ${codeSpan(lookup.value)}** (${MATCH_WORDS[lookup.match]}), ${range}, as of ${lookup.asOf}`];
  if (lookup.persons.length === 0) {
    lines.push(`- Nobody in PostHog matches it in the ${range}.`);
    return lines.join('\n');
  }
  for (const person of lookup.persons) {
    const shown = person.properties.filter((p) => p.value !== null).map((p) => `${p.name} ${codeSpan(p.value!)}`);
    const ids = person.distinctIds.map(codeSpan).join(', ') + (person.moreDistinctIds ? ', …' : '');
    lines.push(`- Person: ${[...shown, `distinct ids ${ids}`, `last seen ${person.lastSeen}`].join(' · ')} ${links([['in PostHog', person.url]])}`);
  }
  if (lookup.morePersons) lines.push(`- More people match: only the ${lookup.persons.length} seen last are listed.`);
  const totals = jobTotals(lookup);
  const tools = [...new Set(lookup.jobs.map((j) => j.tool ?? 'unknown tool'))];
  lines.push(`- Jobs: ${formatCount(totals.jobs)}, ${formatCount(totals.failed)} failed${tools.length ? `, on ${tools.map(codeSpan).join(', ')}` : ''}`);
  const failures = lookup.jobs.filter((j) => j.status === 'failed');
  const others = lookup.jobs.filter((j) => j.status !== 'failed');
  if (failures.length) lines.push(`- Latest failures:`, ...failures.slice(0, FAILURES_LISTED).map((j) => jobLine(j, lookup)));
  if (others.length) lines.push(`- Latest other jobs:`, ...others.slice(0, OTHERS_LISTED).map((j) => jobLine(j, lookup)));
  if (lookup.exceptions.length) {
    lines.push(
      `- Exceptions in the same sessions (${formatCount(lookup.exceptions.length)}):`,
      ...lookup.exceptions.slice(0, EXCEPTIONS_LISTED).map(
        (e) =>
          `  - ${codeSpan(e.type ?? 'Error')}${e.message ? ` ${codeSpan(e.message)}` : ''}, ${e.at} ${links([
            ['event', e.eventUrl],
            ['replay', e.replayUrl],
            ['issue', e.issueUrl],
          ])}`,
      ),
    );
  }
  if (totals.jobs > lookup.jobs.length && lookup.persons.length === 1)
    lines.push(`- All ${formatCount(totals.jobs)} jobs: ${links([['in PostHog', lookup.persons[0]!.jobsUrl]])}`);
  return lines.join('\n');
}

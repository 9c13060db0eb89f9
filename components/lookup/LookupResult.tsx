/**
 * What a lookup found: who it is, their jobs on every tool (failures first, each against its tool's
 * p50/p95, with event and replay links and the exceptions of its session), and the states before
 * that (looking up, nothing found, PostHog's reason). Event data is text, never HTML.
 */
import { RANGES } from '../../lib/model/ranges';
import { formatAgo, formatCount, formatDuration } from '../../lib/helpers/format';
import type { LookedUpException, LookedUpPerson, MatchedBy, PersonLookup } from '../../lib/model/person';
import { durationStanding, standingWords } from '../../lib/support/lookup';
import { lookupSummary } from '../../lib/support/summary';
import type { LookupState } from './usePersonLookup';
import { ALL_TOOLS, useLookupView, type JobView } from './useLookupView';

const MATCH_WORDS: Record<PersonLookup['match'], string> = {
  email: 'email',
  distinct_id: 'distinct id',
  session_id: 'session id',
  job_id: 'job id',
  any_id: 'distinct, session or job id',
};
const MATCHED_BY_WORDS: Record<MatchedBy, string> = { email: 'email', distinct_id: 'distinct id', session_id: 'session', job_id: 'job' };
const EXTERNAL = { target: '_blank', rel: 'noopener noreferrer' } as const;

export interface LookupResultProps {
  state: LookupState;
  /** The tool the page was opened for. */
  tool: string;
  onAgain: () => void;
  onCopy?: ((summary: string) => void) | undefined;
  copyStatus: string;
}

export function LookupResult({ state, tool, onAgain, onCopy, copyStatus }: LookupResultProps) {
  if (state.status === 'idle') return null;
  if (state.status === 'loading' && !state.previous) {
    return (
      <p role="status" data-testid="lookup-loading" class="muted">
        Looking up <code>{state.question.value}</code> in PostHog…
      </p>
    );
  }
  if (state.status === 'error') {
    return (
      <div class="lookup-error" data-testid="lookup-error">
        <p class="field-error" role="alert">
          {state.error.message}
        </p>
        <button type="button" onClick={onAgain}>
          Try again
        </button>
      </div>
    );
  }
  const lookup = state.status === 'ready' ? state.lookup : state.previous!;
  const range = RANGES[lookup.range].label.toLowerCase();
  if (lookup.persons.length === 0) {
    return (
      <p class="muted" role="status" data-testid="lookup-empty">
        Nobody in PostHog matches <code>{lookup.value}</code> as {MATCH_WORDS[lookup.match] === 'email' ? 'an email' : `a ${MATCH_WORDS[lookup.match]}`} in the{' '}
        {range}.
      </p>
    );
  }
  return <Found lookup={lookup} refreshing={state.status === 'loading'} tool={tool} onAgain={onAgain} onCopy={onCopy} copyStatus={copyStatus} />;
}

function Found({
  lookup,
  refreshing,
  tool,
  onAgain,
  onCopy,
  copyStatus,
}: {
  lookup: PersonLookup;
  refreshing: boolean;
  tool: string;
  onAgain: () => void;
  onCopy?: ((summary: string) => void) | undefined;
  copyStatus: string;
}) {
  const view = useLookupView(lookup, tool);
  const range = RANGES[lookup.range].label.toLowerCase();
  const single = lookup.persons.length === 1 ? lookup.persons[0]! : null;
  return (
    <div class="lookup-result" data-testid="lookup-result" aria-busy={refreshing ? true : undefined}>
      <h2 id="lookup-result-h">{single ? 'Who it is' : `${lookup.persons.length}${lookup.morePersons ? '+' : ''} people match`}</h2>
      <p class="muted" data-testid="lookup-as-of">
        <code>{lookup.value}</code> as {MATCH_WORDS[lookup.match] === 'email' ? 'an email' : `a ${MATCH_WORDS[lookup.match]}`}, {range} · PostHog's answer from{' '}
        <time dateTime={lookup.asOf}>{formatAgo(lookup.asOf)}</time>
      </p>
      <div class="actions">
        <button type="button" onClick={onAgain} disabled={refreshing}>
          {refreshing ? 'Looking again…' : 'Look again'}
        </button>
        {onCopy && (
          <button type="button" data-testid="copy-for-ticket" onClick={() => onCopy(lookupSummary(lookup))}>
            Copy for the ticket
          </button>
        )}
      </div>
      <p class="help" role="status" data-testid="copy-status">
        {copyStatus}
      </p>
      {lookup.persons.map((person, i) => (
        <Person key={person.id} person={person} index={i} />
      ))}
      {lookup.morePersons && (
        <p class="help" data-testid="more-persons">
          More people match: these are the {lookup.persons.length} seen last. Look up by a narrower id to find the one you mean.
        </p>
      )}
      <section aria-labelledby="lookup-jobs-h" data-testid="lookup-jobs">
        <h3 id="lookup-jobs-h">
          Jobs on every tool: {formatCount(view.totals.jobs)}, {formatCount(view.totals.failed)} failed
        </h3>
        {view.tools.length > 1 && (
          <p class="tool-filter">
            <label for="lookup-tool-filter">Show jobs on</label>{' '}
            <select id="lookup-tool-filter" value={view.tool} onChange={(e) => view.setTool((e.currentTarget as HTMLSelectElement).value)}>
              <option value={ALL_TOOLS}>every tool ({formatCount(lookup.jobs.length)})</option>
              {view.tools.map(([name, count]) => (
                <option key={name} value={name}>
                  {name || 'no tool name'} ({formatCount(count)})
                </option>
              ))}
            </select>
          </p>
        )}
        {lookup.jobs.length === 0 && (
          <p class="muted" data-testid="lookup-no-jobs">
            No jobs in the {range}: {single ? 'this person' : 'these people'} started none on any tool.
          </p>
        )}
        {view.failures.length > 0 && <JobList title="Failed" views={view.failures} lookup={lookup} id="failed" />}
        {view.others.length > 0 && <JobList title={view.failures.length ? 'Other jobs' : 'Jobs'} views={view.others} lookup={lookup} id="others" />}
        {view.notListed > 0 && (
          <p class="help" data-testid="lookup-more">
            {formatCount(view.notListed)} more {view.notListed === 1 ? 'job is' : 'jobs are'} not listed here (the latest {formatCount(lookup.jobs.length)}{' '}
            are).{' '}
            {lookup.persons.map((p) => (
              <a key={p.id} href={p.jobsUrl} {...EXTERNAL} data-testid="lookup-more-link">
                All {formatCount(p.jobs)} jobs{lookup.persons.length > 1 ? ` of ${personName(p)}` : ''} in PostHog
              </a>
            ))}
          </p>
        )}
      </section>
      {view.otherExceptions.length > 0 && (
        <section aria-labelledby="lookup-exceptions-h" data-testid="lookup-other-exceptions">
          <h3 id="lookup-exceptions-h">Other exceptions in their sessions</h3>
          <Exceptions list={view.otherExceptions} label="Other exceptions in their sessions" />
        </section>
      )}
    </div>
  );
}

const personName = (p: LookedUpPerson) => p.properties.find((x) => x.value)?.value ?? p.distinctIds[0] ?? p.id;

function Person({ person, index }: { person: LookedUpPerson; index: number }) {
  return (
    <article class="person" data-testid="lookup-person" aria-labelledby={`lookup-person-${index}`}>
      <h3 id={`lookup-person-${index}`}>{personName(person)}</h3>
      <dl class="facts">
        {person.properties.map((p) => (
          <div key={p.name}>
            <dt>{p.name}</dt>
            <dd data-testid={`person-property-${p.name}`}>{p.value ?? <span class="muted">not set</span>}</dd>
          </div>
        ))}
        <div>
          <dt>Distinct ids</dt>
          <dd data-testid="person-distinct-ids">
            {person.distinctIds.join(', ')}
            {person.moreDistinctIds ? ', …' : ''}
          </dd>
        </div>
        <div>
          <dt>Last seen</dt>
          <dd>
            <time dateTime={person.lastSeen} title={person.lastSeen}>
              {formatAgo(person.lastSeen)}
            </time>
          </dd>
        </div>
        <div>
          <dt>Found by</dt>
          <dd>{person.matchedBy.map((m) => MATCHED_BY_WORDS[m]).join(', ') || '—'}</dd>
        </div>
      </dl>
      <a href={person.url} {...EXTERNAL}>
        Open {personName(person)} in PostHog
      </a>
    </article>
  );
}

function JobList({ title, views, lookup, id }: { title: string; views: JobView[]; lookup: PersonLookup; id: string }) {
  return (
    <>
      <h4 id={`lookup-${id}-h`}>
        {title} ({formatCount(views.length)})
      </h4>
      <ul class="jobs" aria-labelledby={`lookup-${id}-h`}>
        {views.map(({ job, exceptions }, i) => {
          const stats = lookup.tools.find((t) => t.tool === job.tool);
          const standing = durationStanding(job.durationMs, stats);
          const name = `${job.tool ?? 'unknown tool'} job ${job.jobId ?? '(no job id)'}`;
          return (
            <li
              key={`${job.tool}-${job.jobId}-${i}`}
              data-testid="lookup-job"
              data-status={job.status}
              data-tool={job.tool ?? ''}
              data-job-id={job.jobId ?? ''}
            >
              <div class="job-head">
                <span class={`job-status ${job.status}`}>
                  {job.status === 'failed' ? `failed: ${job.errorType ?? 'unknown'}` : job.status === 'started' ? 'started, no end yet' : 'completed'}
                </span>{' '}
                <code>{job.tool ?? 'unknown tool'}</code> <span class="job-id">{job.jobId ?? 'no job id'}</span>
              </div>
              <div class="job-meta">
                {job.durationMs !== null && (
                  <span data-testid="job-duration" class={standing === 'above_p95' ? 'bad' : undefined}>
                    {formatDuration(job.durationMs)}
                    {standing && ` · ${standingWords(job.durationMs, stats)}`}
                  </span>
                )}
                {job.durationMs !== null && ' · '}
                <time dateTime={job.at} title={job.at}>
                  {formatAgo(job.at)}
                </time>{' '}
                <span class="job-links">
                  <a href={job.eventUrl} {...EXTERNAL} aria-label={`Open the event of ${name} in PostHog`}>
                    event
                  </a>
                  {job.replayUrl && (
                    <>
                      {' '}
                      <a href={job.replayUrl} {...EXTERNAL} aria-label={`Watch the session replay of ${name}`}>
                        replay
                      </a>
                    </>
                  )}
                </span>
              </div>
              {exceptions.length > 0 && <Exceptions list={exceptions} label={`Exceptions in the session of ${name}`} />}
            </li>
          );
        })}
      </ul>
    </>
  );
}

function Exceptions({ list, label }: { list: LookedUpException[]; label: string }) {
  return (
    <ul class="exceptions" aria-label={label}>
      {list.map((e, i) => (
        <li key={`${e.eventUrl}-${i}`} data-testid="lookup-exception">
          <span class="bad">{e.type ?? 'Error'}</span>
          {e.message && <span class="exception-message">: {e.message}</span>}{' '}
          <time class="muted" dateTime={e.at} title={e.at}>
            {formatAgo(e.at)}
          </time>{' '}
          <a href={e.eventUrl} {...EXTERNAL} aria-label={`Open the ${e.type ?? 'exception'} event in PostHog`}>
            event
          </a>
          {e.issueUrl && (
            <>
              {' '}
              <a href={e.issueUrl} {...EXTERNAL} aria-label={`Open the ${e.type ?? 'exception'} issue in PostHog error tracking`}>
                issue
              </a>
            </>
          )}
        </li>
      ))}
    </ul>
  );
}

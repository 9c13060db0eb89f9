/** Triage tab: slowest recent completed jobs and latest failures, each linking into PostHog. */
import type { ComponentChildren } from 'preact';
import { useState } from 'preact/hooks';
import type { Failure, LookedUpJob, LookupBy, Triage, TriageRow } from '../../lib/protocol/messages';
import { formatAgo, formatDuration } from '../../lib/helpers/format';

export type TriageState = { status: 'loading' } | { status: 'error'; error: Failure } | { status: 'ready'; triage: Triage };

export type LookupState =
  | { status: 'idle' }
  | { status: 'loading'; by: LookupBy; value: string }
  | { status: 'error'; by: LookupBy; value: string; error: Failure }
  | { status: 'ready'; by: LookupBy; value: string; jobs: LookedUpJob[] };

export interface LookupProps {
  lookup: LookupState;
  onFind: (by: LookupBy, value: string) => void;
  onClear: () => void;
}

export function CardTriage({ state, onRetry, onCopy, lookup }: { state: TriageState; onRetry: () => void; onCopy?: ((row: TriageRow, kind: 'slow' | 'failure') => void) | undefined; lookup?: LookupProps | undefined }) {
  return (
    <>
      {lookup && <JobLookup {...lookup} />}
      <TriageLists state={state} onRetry={onRetry} onCopy={onCopy} />
    </>
  );
}

function TriageLists({ state, onRetry, onCopy }: { state: TriageState; onRetry: () => void; onCopy?: ((row: TriageRow, kind: 'slow' | 'failure') => void) | undefined }) {
  if (state.status === 'loading') return <div class="tl-skeleton" data-testid="triage-loading" aria-label="Loading triage" />;
  if (state.status === 'error') {
    return (
      <div class="tl-error" role="alert" data-testid="triage-error">
        <p>{state.error.message}</p>
        <button type="button" class="tl-button" onClick={onRetry}>
          Try again
        </button>
      </div>
    );
  }
  const { slowest, failures } = state.triage;
  return (
    <>
      <section class="tl-section" data-testid="triage-slowest" aria-labelledby="tl-slow-h">
        <h3 id="tl-slow-h">Slowest completed jobs</h3>
        {slowest.length === 0 ? <p class="tl-empty">No completed jobs in this range.</p> : <Rows rows={slowest} kind="slow" onCopy={onCopy} />}
      </section>
      <section class="tl-section" data-testid="triage-failures" aria-labelledby="tl-fail-h">
        <h3 id="tl-fail-h">Latest failures</h3>
        {failures.length === 0 ? <p class="tl-empty">No failed jobs in this range.</p> : <Rows rows={failures} kind="failure" onCopy={onCopy} />}
      </section>
    </>
  );
}

function Rows({ rows, kind, onCopy }: { rows: TriageRow[]; kind: 'slow' | 'failure'; onCopy?: ((row: TriageRow, kind: 'slow' | 'failure') => void) | undefined }) {
  return (
    <ul class="tl-triage">
      {rows.map((row, i) => (
        <li key={`${row.eventUrl}-${i}`} data-testid={`triage-${kind}`}>
          <span class={kind === 'failure' ? 'tl-error-type' : 'tl-triage-main'}>{kind === 'failure' ? (row.detail ?? 'unknown') : formatDuration(row.durationMs)}</span>
          <span class="tl-triage-job" title={row.jobId ?? undefined}>
            {row.jobId ?? 'no job id'}
            {kind === 'slow' && row.detail === 'true' ? ' · cached' : ''}
            {kind === 'failure' && row.durationMs !== null ? ` · ${formatDuration(row.durationMs)}` : ''}
          </span>
          <span class="tl-triage-when">{formatAgo(row.at)}</span>
          <JobLinks job={row}>
            {onCopy && (
              <button type="button" class="tl-link-button" data-testid="copy-row" aria-label={`Copy a summary of job ${row.jobId ?? ''}`} onClick={() => onCopy(row, kind)}>
                copy
              </button>
            )}
          </JobLinks>
        </li>
      ))}
    </ul>
  );
}

const LOOKUP_BY: Array<[LookupBy, string, string]> = [
  ['email', 'Email', 'person@example.com'],
  ['distinct_id', 'Distinct id', 'distinct id'],
  ['session_id', 'Session id', 'session id'],
];

/** Support: one person's recent jobs on this tool. What is typed goes to PostHog as a placeholder value and is kept nowhere. */
function JobLookup({ lookup, onFind, onClear }: LookupProps) {
  const [by, setBy] = useState<LookupBy>('email');
  const [value, setValue] = useState('');
  const [problem, setProblem] = useState<string | null>(null);
  const placeholder = LOOKUP_BY.find(([key]) => key === by)![2];
  return (
    <section class="tl-section" data-testid="job-lookup" aria-labelledby="tl-lookup-h">
      <h3 id="tl-lookup-h">One person's jobs</h3>
      <form
        class="tl-lookup"
        onSubmit={(e) => {
          e.preventDefault();
          const trimmed = value.trim();
          if (!trimmed) return setProblem(`Type ${by === 'email' ? 'an email' : `a ${by === 'distinct_id' ? 'distinct id' : 'session id'}`} to look up.`);
          if (trimmed.length > 500) return setProblem('That is longer than any id Tool Lens looks up (500 characters).');
          setProblem(null);
          onFind(by, trimmed);
        }}
      >
        <label class="tl-visually-hidden" for="tl-lookup-by">
          Look up by
        </label>
        <select id="tl-lookup-by" value={by} onChange={(e) => setBy((e.currentTarget as HTMLSelectElement).value as LookupBy)}>
          {LOOKUP_BY.map(([key, label]) => (
            <option key={key} value={key}>
              {label}
            </option>
          ))}
        </select>
        <label class="tl-visually-hidden" for="tl-lookup-value">
          {LOOKUP_BY.find(([key]) => key === by)![1]} to look up
        </label>
        <input id="tl-lookup-value" type="search" value={value} placeholder={placeholder} autoComplete="off" spellcheck={false} onInput={(e) => setValue((e.currentTarget as HTMLInputElement).value)} aria-describedby={problem ? 'tl-lookup-problem' : undefined} aria-invalid={problem ? true : undefined} />
        <button type="submit" class="tl-button">
          Find
        </button>
        {lookup.status !== 'idle' && (
          <button type="button" class="tl-link-button" onClick={() => (setValue(''), onClear())}>
            Clear
          </button>
        )}
      </form>
      {problem && (
        <p class="tl-hint" id="tl-lookup-problem" role="alert">
          {problem}
        </p>
      )}
      <LookupResult lookup={lookup} />
    </section>
  );
}

function LookupResult({ lookup }: { lookup: LookupState }) {
  if (lookup.status === 'idle') return null;
  if (lookup.status === 'loading') return <p class="tl-hint" role="status">Looking up…</p>;
  if (lookup.status === 'error') {
    return (
      <p class="tl-error" role="alert" data-testid="lookup-error">
        {lookup.error.message}
      </p>
    );
  }
  if (lookup.jobs.length === 0) {
    return (
      <p class="tl-empty" role="status" data-testid="lookup-empty">
        No jobs on this tool in this range for that {lookup.by === 'email' ? 'email' : lookup.by === 'distinct_id' ? 'distinct id' : 'session id'}.
      </p>
    );
  }
  return (
    <ul class="tl-triage" data-testid="lookup-jobs" aria-live="polite">
      {lookup.jobs.map((job: LookedUpJob, i) => (
        <li key={`${job.eventUrl}-${i}`} data-testid="lookup-job" data-status={job.status}>
          <span class={job.status === 'failed' ? 'tl-error-type' : 'tl-triage-main'}>{job.status === 'failed' ? `failed: ${job.errorType ?? 'unknown'}` : job.status}</span>
          <span class="tl-triage-job" title={job.jobId ?? undefined}>
            {job.jobId ?? 'no job id'}
            {job.durationMs !== null ? ` · ${formatDuration(job.durationMs)}` : ''}
          </span>
          <span class="tl-triage-when">{formatAgo(job.at)}</span>
          <JobLinks job={job} />
        </li>
      ))}
    </ul>
  );
}

/** A job's way into PostHog: its event, its session replay when it has one, and anything else the row adds. */
function JobLinks({ job, children }: { job: Pick<TriageRow, 'jobId' | 'eventUrl' | 'replayUrl'>; children?: ComponentChildren }) {
  return (
    <span class="tl-triage-links">
      <a href={job.eventUrl} target="_blank" rel="noopener noreferrer" aria-label={`Open the event for job ${job.jobId ?? ''} in PostHog`}>
        event
      </a>
      {job.replayUrl && (
        <a href={job.replayUrl} target="_blank" rel="noopener noreferrer" aria-label={`Watch the session replay for job ${job.jobId ?? ''}`}>
          replay
        </a>
      )}
      {children}
    </span>
  );
}

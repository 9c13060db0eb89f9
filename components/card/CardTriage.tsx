/** Triage tab: slowest recent completed jobs and latest failures, each linking into PostHog. */
import type { ComponentChildren } from 'preact';
import { useState } from 'preact/hooks';
import type { Failure } from '../../lib/model/failure';
import type { Triage, TriageRow } from '../../lib/model/figures';
import { formatAgo, formatDuration } from '../../lib/helpers/format';

export type TriageState = { status: 'loading' } | { status: 'error'; error: Failure } | { status: 'ready'; triage: Triage };

/** Where support's person lookup opened, when asked from the card. */
export type LookupOpened = { ok: boolean; where: 'panel' | 'tab' | 'none' };

export interface LookupProps {
  /** Opens the lookup in an extension page (the side panel), for this tool and range. */
  open: () => Promise<LookupOpened>;
}

export function CardTriage({
  state,
  onRetry,
  onCopy,
  lookup,
}: {
  state: TriageState;
  onRetry: () => void;
  onCopy?: ((row: TriageRow, kind: 'slow' | 'failure') => void) | undefined;
  lookup?: LookupProps | undefined;
}) {
  return (
    <>
      {lookup && <LookupLink {...lookup} />}
      <TriageLists state={state} onRetry={onRetry} onCopy={onCopy} />
    </>
  );
}

function TriageLists({
  state,
  onRetry,
  onCopy,
}: {
  state: TriageState;
  onRetry: () => void;
  onCopy?: ((row: TriageRow, kind: 'slow' | 'failure') => void) | undefined;
}) {
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

function Rows({
  rows,
  kind,
  onCopy,
}: {
  rows: TriageRow[];
  kind: 'slow' | 'failure';
  onCopy?: ((row: TriageRow, kind: 'slow' | 'failure') => void) | undefined;
}) {
  return (
    <ul class="tl-triage">
      {rows.map((row, i) => (
        <li key={`${row.eventUrl}-${i}`} data-testid={`triage-${kind}`}>
          <span class={kind === 'failure' ? 'tl-error-type' : 'tl-triage-main'}>
            {kind === 'failure' ? (row.detail ?? 'unknown') : formatDuration(row.durationMs)}
          </span>
          <span class="tl-triage-job" title={row.jobId ?? undefined}>
            {row.jobId ?? 'no job id'}
            {kind === 'slow' && row.detail === 'true' ? ' · cached' : ''}
            {kind === 'failure' && row.durationMs !== null ? ` · ${formatDuration(row.durationMs)}` : ''}
          </span>
          <span class="tl-triage-when">{formatAgo(row.at)}</span>
          <JobLinks job={row}>
            {onCopy && (
              <button
                type="button"
                class="tl-link-button"
                data-testid="copy-row"
                aria-label={`Copy a summary of job ${row.jobId ?? ''}`}
                onClick={() => onCopy(row, kind)}
              >
                copy
              </button>
            )}
          </JobLinks>
        </li>
      ))}
    </ul>
  );
}

/**
 * Support's lookup lives in Tool Lens's side panel, not here: this card sits in the tool page, whose
 * scripts see every key pressed in it (event.key), so an email typed here would be the page's too.
 */
function LookupLink({ open }: LookupProps) {
  const [said, setSaid] = useState<string | null>(null);
  return (
    <section class="tl-section" data-testid="job-lookup" aria-labelledby="tl-lookup-h">
      <h3 id="tl-lookup-h">One person's jobs</h3>
      <p class="tl-hint">
        Look a person up by email, distinct id, session id or job id — their jobs on every tool, failures first — in Tool Lens's side panel, where this page
        cannot see what you type.
      </p>
      <button
        type="button"
        class="tl-button"
        data-testid="open-lookup"
        onClick={() =>
          void open().then(
            (r) =>
              setSaid(
                !r.ok
                  ? 'Tool Lens could not open its side panel here: open it from the toolbar button.'
                  : r.where === 'tab'
                    ? 'Opened in a new tab.'
                    : 'Opened in the side panel.',
              ),
            () => setSaid('Tool Lens could not open its side panel: its background worker did not answer.'),
          )
        }
      >
        Look up a person
      </button>
      {said && (
        <p class="tl-hint" role="status">
          {said}
        </p>
      )}
    </section>
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

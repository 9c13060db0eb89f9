/** Triage tab: slowest recent completed jobs and latest failures, each linking into PostHog. */
import type { Failure, Triage, TriageRow } from '../../lib/protocol/messages';
import { formatAgo, formatDuration } from '../../lib/helpers/format';

export type TriageState = { status: 'loading' } | { status: 'error'; error: Failure } | { status: 'ready'; triage: Triage };

export function CardTriage({ state, onRetry, onCopy }: { state: TriageState; onRetry: () => void; onCopy?: ((row: TriageRow, kind: 'slow' | 'failure') => void) | undefined }) {
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
          <span class="tl-triage-links">
            <a href={row.eventUrl} target="_blank" rel="noopener noreferrer" aria-label={`Open the event for job ${row.jobId ?? ''} in PostHog`}>
              event
            </a>
            {row.replayUrl && (
              <a href={row.replayUrl} target="_blank" rel="noopener noreferrer" aria-label={`Watch the session replay for job ${row.jobId ?? ''}`}>
                replay
              </a>
            )}
            {onCopy && (
              <button type="button" class="tl-link-button" data-testid="copy-row" aria-label={`Copy a summary of job ${row.jobId ?? ''}`} onClick={() => onCopy(row, kind)}>
                copy
              </button>
            )}
          </span>
        </li>
      ))}
    </ul>
  );
}

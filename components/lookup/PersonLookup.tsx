/**
 * Support: one person's recent jobs on a tool, looked up in an extension page (the side panel, or the
 * popup where the browser has none) — never in a tool page, whose scripts would see every keystroke.
 * What is typed goes to PostHog as a query placeholder and is kept nowhere.
 */
import { useState } from 'preact/hooks';
import { RANGES, RANGE_KEYS, type RangeKey } from '../../lib/card/ranges';
import { formatAgo, formatDuration } from '../../lib/helpers/format';
import type { LookedUpJob, LookupBy } from '../../lib/protocol/messages';
import { useJobLookup, type LookupJobs, type LookupState } from './useJobLookup';

const LOOKUP_BY: Array<[LookupBy, string, string]> = [
  ['email', 'Email', 'person@example.com'],
  ['distinct_id', 'Distinct id', 'distinct id'],
  ['session_id', 'Session id', 'session id'],
];
const byLabel = (by: LookupBy) => LOOKUP_BY.find(([key]) => key === by)![1];

export interface PersonLookupProps {
  /** The tool of the page it was opened for (editable); empty when none. */
  tool: string;
  range: RangeKey;
  lookupJobs: LookupJobs;
}

export function PersonLookup({ tool: initialTool, range: initialRange, lookupJobs }: PersonLookupProps) {
  const { lookup, find, clear } = useJobLookup(lookupJobs);
  const [tool, setTool] = useState(initialTool);
  const [range, setRange] = useState<RangeKey>(initialRange);
  const [by, setBy] = useState<LookupBy>('email');
  const [value, setValue] = useState('');
  const [problem, setProblem] = useState<string | null>(null);
  return (
    <section data-testid="person-lookup" aria-labelledby="lookup-h">
      <h2 id="lookup-h">One person's jobs</h2>
      <p class="help">By email (a person property), distinct id or session id: their recent jobs on the tool. What you type is sent to PostHog as a query value and kept nowhere.</p>
      <form
        class="lookup"
        onSubmit={(e) => {
          e.preventDefault();
          const [t, v] = [tool.trim(), value.trim()];
          if (!t) return setProblem('Name the tool to look in (the tool_name of its events).');
          if (t.length > 200) return setProblem('A tool name is at most 200 characters.');
          if (!v) return setProblem(`Type ${by === 'email' ? 'an email' : `a ${byLabel(by).toLowerCase()}`} to look up.`);
          if (v.length > 500) return setProblem('That is longer than any id Tool Lens looks up (500 characters).');
          setProblem(null);
          find({ tool: t, range, by, value: v });
        }}
      >
        <label for="lookup-tool">Tool</label>
        <input id="lookup-tool" value={tool} autoComplete="off" spellcheck={false} onInput={(e) => setTool((e.currentTarget as HTMLInputElement).value)} />
        <label for="lookup-range">Range</label>
        <select id="lookup-range" value={range} onChange={(e) => setRange((e.currentTarget as HTMLSelectElement).value as RangeKey)}>
          {RANGE_KEYS.map((key) => (
            <option key={key} value={key}>
              {RANGES[key].label}
            </option>
          ))}
        </select>
        <label for="lookup-by">Look up by</label>
        <select id="lookup-by" value={by} onChange={(e) => setBy((e.currentTarget as HTMLSelectElement).value as LookupBy)}>
          {LOOKUP_BY.map(([key, label]) => (
            <option key={key} value={key}>
              {label}
            </option>
          ))}
        </select>
        <label for="lookup-value">{byLabel(by)} to look up</label>
        <input
          id="lookup-value"
          type="search"
          value={value}
          placeholder={LOOKUP_BY.find(([key]) => key === by)![2]}
          autoComplete="off"
          spellcheck={false}
          onInput={(e) => setValue((e.currentTarget as HTMLInputElement).value)}
          aria-describedby={problem ? 'lookup-problem' : undefined}
          aria-invalid={problem ? true : undefined}
        />
        <div class="actions">
          <button type="submit">Find</button>
          {lookup.status !== 'idle' && (
            <button type="button" class="link" onClick={() => (setValue(''), clear())}>
              Clear
            </button>
          )}
        </div>
      </form>
      {problem && (
        <p class="field-error" id="lookup-problem" role="alert">
          {problem}
        </p>
      )}
      <LookupResult lookup={lookup} />
    </section>
  );
}

function LookupResult({ lookup }: { lookup: LookupState }) {
  if (lookup.status === 'idle') return null;
  if (lookup.status === 'loading') return <p role="status">Looking up…</p>;
  if (lookup.status === 'error') {
    return (
      <p class="field-error" role="alert" data-testid="lookup-error">
        {lookup.error.message}
      </p>
    );
  }
  if (lookup.jobs.length === 0) {
    return (
      <p class="muted" role="status" data-testid="lookup-empty">
        No jobs on {lookup.tool} in this range for that {byLabel(lookup.by).toLowerCase()}.
      </p>
    );
  }
  return (
    <ul class="jobs" data-testid="lookup-jobs" aria-live="polite">
      {lookup.jobs.map((job: LookedUpJob, i) => (
        <li key={`${job.eventUrl}-${i}`} data-testid="lookup-job" data-status={job.status}>
          <span class={job.status === 'failed' ? 'bad' : undefined}>{job.status === 'failed' ? `failed: ${job.errorType ?? 'unknown'}` : job.status}</span>{' '}
          <span title={job.jobId ?? undefined}>
            {job.jobId ?? 'no job id'}
            {job.durationMs !== null ? ` · ${formatDuration(job.durationMs)}` : ''}
          </span>{' '}
          <span class="muted">{formatAgo(job.at)}</span>{' '}
          <a href={job.eventUrl} target="_blank" rel="noopener noreferrer" aria-label={`Open the event for job ${job.jobId ?? ''} in PostHog`}>
            event
          </a>
          {job.replayUrl && (
            <>
              {' '}
              <a href={job.replayUrl} target="_blank" rel="noopener noreferrer" aria-label={`Watch the session replay for job ${job.jobId ?? ''}`}>
                replay
              </a>
            </>
          )}
        </li>
      ))}
    </ul>
  );
}

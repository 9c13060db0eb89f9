/**
 * Support's person lookup, in the extension's own page (the side panel or sidebar; the popup where the
 * browser has neither) — never in a tool page, whose scripts would see every keystroke. Typed here, or
 * handed over from the context menu's "Look up in Tool Lens" on any page. What is looked up goes to
 * PostHog as a query placeholder and is kept only in this page's state.
 */
import { useState } from 'preact/hooks';
import { RANGES, RANGE_KEYS, type RangeKey } from '../../lib/model/ranges';
import type { LookupBy } from '../../lib/model/person';
import { valueProblem } from '../../lib/support/selection';
import { useCopy } from '../card/useCopy';
import { LookupResult } from './LookupResult';
import { useIncomingLookups, type IncomingLookups } from './useIncomingLookups';
import { usePersonLookup, type LookUp } from './usePersonLookup';

export const LOOKUP_BY: Array<[LookupBy, string]> = [
  ['auto', 'Any (email or id)'],
  ['email', 'Email'],
  ['distinct_id', 'Distinct id'],
  ['session_id', 'Session id'],
  ['job_id', 'Job id'],
];

export interface PersonLookupProps {
  range: RangeKey;
  /** The tool of the page it was opened for: its jobs are shown first when the person used several. */
  tool?: string;
  lookUp: LookUp;
  /** Lookups chosen from the context menu, for the side panel and the tab it falls back to. */
  incoming?: IncomingLookups;
  /** Writes text to the clipboard (rejects with why not). */
  copy?: (text: string) => Promise<void>;
}

export function PersonLookup({ range: initialRange, tool = '', lookUp, incoming, copy }: PersonLookupProps) {
  const { state, find, again, clear } = usePersonLookup(lookUp);
  const [range, setRange] = useState<RangeKey>(initialRange);
  const [by, setBy] = useState<LookupBy>('auto');
  const [value, setValue] = useState('');
  const [problem, setProblem] = useState<string | null>(null);
  const copied = useCopy(copy ?? (async () => Promise.reject(new Error('this page cannot reach the clipboard'))));
  const submit = (v: string, b: LookupBy, r: RangeKey) => {
    const wrong = valueProblem(v);
    setProblem(wrong);
    if (!wrong) find({ range: r, by: b, value: v.trim() });
  };
  // A value chosen from the context menu: shown in the field, then looked up at once.
  useIncomingLookups(incoming, (chosen) => {
    setValue(chosen.value);
    setBy(chosen.by);
    submit(chosen.value, chosen.by, range);
  });
  return (
    <section data-testid="person-lookup" aria-labelledby="lookup-h">
      <h2 id="lookup-h">Look up a person</h2>
      <p class="help">
        An email, distinct id, session id or job id — or select one on any page (a ticket) and choose <em>Look up in Tool Lens</em> from the menu. Their jobs on
        every tool, failures first. Sent to PostHog as a query value; nothing is kept once this panel closes.
      </p>
      <form
        class="lookup"
        onSubmit={(e) => {
          e.preventDefault();
          submit(value, by, range);
        }}
      >
        <label for="lookup-value">Email or id to look up</label>
        <input
          id="lookup-value"
          type="search"
          value={value}
          placeholder="person@example.com, a distinct, session or job id"
          autoComplete="off"
          spellcheck={false}
          onInput={(e) => setValue((e.currentTarget as HTMLInputElement).value)}
          aria-describedby={problem ? 'lookup-problem' : undefined}
          aria-invalid={problem ? true : undefined}
        />
        <div class="lookup-options">
          <span>
            <label for="lookup-by">Look up by</label>
            <select id="lookup-by" value={by} onChange={(e) => setBy((e.currentTarget as HTMLSelectElement).value as LookupBy)}>
              {LOOKUP_BY.map(([key, label]) => (
                <option key={key} value={key}>
                  {label}
                </option>
              ))}
            </select>
          </span>
          <span>
            <label for="lookup-range">Range</label>
            <select id="lookup-range" value={range} onChange={(e) => setRange((e.currentTarget as HTMLSelectElement).value as RangeKey)}>
              {RANGE_KEYS.map((key) => (
                <option key={key} value={key}>
                  {RANGES[key].label}
                </option>
              ))}
            </select>
          </span>
        </div>
        <div class="actions">
          <button type="submit">Find</button>
          {state.status !== 'idle' && (
            <button
              type="button"
              class="link"
              onClick={() => {
                setValue('');
                setProblem(null);
                clear();
              }}
            >
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
      <LookupResult
        state={state}
        tool={tool}
        onAgain={again}
        onCopy={copy ? (text) => void copied.copy(text, 'Summary') : undefined}
        copyStatus={copied.status}
      />
    </section>
  );
}

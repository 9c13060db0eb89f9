/** Support's lookup of one person's jobs: asked for on submit; the latest question wins. */
import { useRef, useState } from 'preact/hooks';
import type { RangeKey } from '../../lib/card/ranges';
import type { Failure, LookedUpJob, LookupBy, LookupJobsResponse } from '../../lib/protocol/messages';

export interface LookupQuestion {
  tool: string;
  range: RangeKey;
  by: LookupBy;
  value: string;
}
export type LookupState =
  | { status: 'idle' }
  | ({ status: 'loading' } & LookupQuestion)
  | ({ status: 'error'; error: Failure } & LookupQuestion)
  | ({ status: 'ready'; jobs: LookedUpJob[] } & LookupQuestion);

export type LookupJobs = (question: LookupQuestion) => Promise<LookupJobsResponse>;

export function useJobLookup(lookupJobs: LookupJobs) {
  const [lookup, setLookup] = useState<LookupState>({ status: 'idle' });
  const latest = useRef(0);
  const find = async (question: LookupQuestion) => {
    const id = ++latest.current;
    setLookup({ status: 'loading', ...question });
    let next: LookupState;
    try {
      const response = await lookupJobs(question);
      next = response.ok ? { status: 'ready', ...question, jobs: response.jobs } : { status: 'error', ...question, error: response.error };
    } catch (error) {
      next = { status: 'error', ...question, error: { kind: 'extension', message: `Tool Lens lost touch with its background worker (${(error as Error)?.message ?? String(error)}).` } };
    }
    if (id === latest.current) setLookup(next);
  };
  // Nothing about the person is kept once cleared (or the panel closes): the answer lives in this state only.
  const clear = () => {
    ++latest.current;
    setLookup({ status: 'idle' });
  };
  return { lookup, find: (q: LookupQuestion) => void find(q), clear };
}

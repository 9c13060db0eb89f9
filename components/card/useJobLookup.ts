/** Support's lookup in the Triage tab: one person's jobs, asked for on submit; a new range asks again. */
import { useEffect, useRef, useState } from 'preact/hooks';
import type { RangeKey } from '../../lib/card/ranges';
import type { LookupBy, LookupJobsResponse } from '../../lib/protocol/messages';
import type { LookupState } from './CardTriage';
import { lostWorker } from './useCardMetrics';

export function useJobLookup(range: RangeKey, lookupJobs: (range: RangeKey, by: LookupBy, value: string) => Promise<LookupJobsResponse>) {
  const [lookup, setLookup] = useState<LookupState>({ status: 'idle' });
  const latest = useRef(0);
  const run = async (by: LookupBy, value: string, inRange = range) => {
    const id = ++latest.current;
    setLookup({ status: 'loading', by, value });
    let next: LookupState;
    try {
      const response = await lookupJobs(inRange, by, value);
      next = response.ok ? { status: 'ready', by, value, jobs: response.jobs } : { status: 'error', by, value, error: response.error };
    } catch (error) {
      next = { status: 'error', by, value, error: lostWorker(error) };
    }
    if (id === latest.current) setLookup(next);
  };
  // The answer is for one range: a new range asks again for the same person.
  const asked = useRef(range);
  useEffect(() => {
    if (asked.current === range) return;
    asked.current = range;
    if (lookup.status !== 'idle') void run(lookup.by, lookup.value, range);
  }, [range]);
  return { lookup, find: (by: LookupBy, value: string) => void run(by, value), clear: () => (++latest.current, setLookup({ status: 'idle' })) };
}

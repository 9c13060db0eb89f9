/** The triage tab's rows: asked for when the tab is open, again on a new range or a retry. */
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import type { RangeKey } from '../../lib/model/ranges';
import type { TriageResponse } from '../../lib/protocol/messages';
import type { TriageState } from './CardTriage';
import { lostWorker } from './useCardMetrics';

export function useTriage(open: boolean, range: RangeKey, loadTriage: (range: RangeKey) => Promise<TriageResponse>) {
  const [triage, setTriage] = useState<TriageState>({ status: 'loading' });
  const latest = useRef(0);

  const load = useCallback(
    async (nextRange: RangeKey) => {
      const id = ++latest.current;
      setTriage({ status: 'loading' });
      let next: TriageState;
      try {
        const response = await loadTriage(nextRange);
        next = response.ok ? { status: 'ready', triage: response.triage } : { status: 'error', error: response.error };
      } catch (error) {
        next = { status: 'error', error: lostWorker(error) };
      }
      if (id === latest.current) setTriage(next);
    },
    [loadTriage],
  );

  useEffect(() => {
    if (open) void load(range);
  }, [open, range, load]);

  return { triage, retry: () => void load(range) };
}

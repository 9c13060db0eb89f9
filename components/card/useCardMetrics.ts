/**
 * The card's figures for a range: loaded on a new range, refreshed on request, and asked again by
 * themselves after a failure (lib/card/autoRetry.ts's schedule) — never by a hidden tab, which asks
 * when it is looked at again. A slower answer to an older request never overwrites a newer one.
 */
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { autoRetryDelayMs } from '../../lib/card/autoRetry';
import type { RangeKey } from '../../lib/model/ranges';
import type { ToolMetricsResponse } from '../../lib/protocol/messages';
import type { Failure } from '../../lib/model/failure';
import type { CardState } from './MetricsCard';

/**
 * `first`: a new range, nothing to show yet; `refresh`: the user asked for new figures; `retry`: the card
 * asks again by itself (after a failure, or while PostHog computes); `switch`: other figures of the same
 * range (all data instead of a sample), the ones on screen kept meanwhile.
 */
type LoadMode = 'first' | 'refresh' | 'retry' | 'switch';

/** What went wrong with the figures on screen, if anything: a card error, or figures served stale. */
const failureOf = (state: CardState) => (state.status === 'error' ? state.error : state.status === 'ready' ? state.stale : undefined);

/** The worker did not answer (stopped, restarted, or the extension reloaded). */
export const lostWorker = (error: unknown): Failure => ({
  kind: 'extension',
  message: `Tool Lens lost touch with its background worker (${(error as Error)?.message ?? String(error)}).`,
});

/** `since`: compare after that moment (an annotation's) with as long before it; null: the range against the one before. */
export function useCardMetrics(
  range: RangeKey,
  since: number | null,
  loadMetrics: (range: RangeKey, refresh: boolean, since?: number, allData?: boolean) => Promise<ToolMetricsResponse>,
  /** Good figures already at hand for the first range: the first render shows them and nothing is loaded. */
  initial: ToolMetricsResponse | null = null,
  /** Every event rather than a sample, however big the tool. */
  allData = false,
) {
  const [state, setState] = useState<CardState>(() =>
    initial?.ok ? { status: 'ready', metrics: initial.metrics, links: initial.links, changes: initial.changes, stale: initial.stale } : { status: 'loading' },
  );
  const usedInitial = useRef(!!initial?.ok);
  const [retryAt, setRetryAt] = useState<number | null>(null);
  const latestRequest = useRef(0);
  // The automatic retry: its timer, how many in a row, and whether it fell due while the tab was hidden.
  const retryTimer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  const retries = useRef(0);
  const retryDue = useRef(false);
  /** False once the card is removed: an answer still on its way then schedules nothing. */
  const mounted = useRef(true);
  const current = useRef({ state, range, since, allData });
  current.current = { state, range, since, allData };

  const cancelRetry = () => {
    clearTimeout(retryTimer.current);
    retryTimer.current = undefined;
    retryDue.current = false;
    setRetryAt(null);
  };

  const load = useCallback(
    async (nextRange: RangeKey, mode: LoadMode) => {
      const id = ++latestRequest.current;
      cancelRetry();
      if (mode === 'first') retries.current = 0;
      // A refresh, retry or switch keeps the figures (or the error, or the progress) on screen; a new range has none yet.
      setState((shown) =>
        mode === 'first'
          ? { status: 'loading' }
          : shown.status === 'ready'
            ? { ...shown, refreshing: mode === 'retry' && shown.computing ? shown.refreshing : true }
            : mode === 'retry' || shown.status === 'computing'
              ? shown
              : { status: 'loading' },
      );
      let next: CardState;
      try {
        // A retry is not a refresh: the worker may answer it from another tab's newer request.
        const { since: split, allData: all } = current.current;
        const response = await (all
          ? loadMetrics(nextRange, mode === 'refresh', split ?? undefined, true)
          : split === null
            ? loadMetrics(nextRange, mode === 'refresh')
            : loadMetrics(nextRange, mode === 'refresh', split));
        next = response.ok
          ? {
              status: 'ready',
              metrics: response.metrics,
              links: response.links,
              changes: response.changes,
              stale: response.stale,
              computing: response.computing,
            }
          : response.computing
            ? { status: 'computing', computing: response.computing }
            : { status: 'error', error: response.error };
      } catch (error) {
        next = { status: 'error', error: lostWorker(error) };
      }
      if (id !== latestRequest.current || !mounted.current) return;
      // A failed refresh or retry (the worker stopped, say) keeps the figures on screen, marked stale;
      // figures being computed anew keep the ones on screen, with the progress.
      const failed = next.status === 'error' && mode !== 'first' ? next.error : null;
      const computingNow = next.status === 'computing' || next.status === 'ready' ? next.computing : undefined;
      setState((shown) =>
        failed && shown.status === 'ready'
          ? { ...shown, refreshing: false, stale: failed }
          : next.status === 'computing' && shown.status === 'ready' && mode !== 'first'
            ? { ...shown, refreshing: false, computing: next.computing }
            : next,
      );
      if (computingNow) {
        // Asking again is what tells the worker a card still wants the figures: hidden tabs ask too.
        retryTimer.current = setTimeout(() => {
          retryTimer.current = undefined;
          if (mounted.current) void load(current.current.range, 'retry');
        }, computingNow.askAgainInMs);
        return;
      }
      const failure = failureOf(next);
      if (!failure) {
        retries.current = 0;
        return;
      }
      const delay = autoRetryDelayMs(failure, retries.current++);
      if (delay === null) return;
      setRetryAt(Date.now() + delay);
      retryTimer.current = setTimeout(() => {
        retryTimer.current = undefined;
        if (!mounted.current) return;
        if (document.hidden) retryDue.current = true;
        else void load(current.current.range, 'retry');
      }, delay);
    },
    [loadMetrics],
  );

  useEffect(() => {
    mounted.current = true;
    const onVisibility = () => {
      if (document.hidden) return;
      // Back in view: a retry that fell due meanwhile, or settings the user may just have fixed.
      if (retryDue.current || failureOf(current.current.state)?.kind === 'not_configured') void load(current.current.range, 'retry');
    };
    document.addEventListener('visibilitychange', onVisibility);
    return () => {
      mounted.current = false;
      document.removeEventListener('visibilitychange', onVisibility);
      clearTimeout(retryTimer.current);
    };
  }, [load]);

  useEffect(() => {
    if (usedInitial.current) {
      usedInitial.current = false;
      return;
    }
    void load(range, 'first');
  }, [range, since, load]);

  // All data instead of a sample: the sample's figures stay until the others come.
  const firstAllData = useRef(allData);
  useEffect(() => {
    if (allData === firstAllData.current) return;
    firstAllData.current = allData;
    void load(current.current.range, 'switch');
  }, [allData, load]);

  return { state, retryAt, refresh: () => void load(range, 'refresh') };
}

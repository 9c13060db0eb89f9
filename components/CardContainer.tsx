/** Card state machine: asks for metrics, follows range/refresh/collapse. Talks to the world only through props. */
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import type { ToolMetricsResponse } from '../lib/messages';
import { DEFAULT_RANGE, type RangeKey } from '../lib/ranges';
import { MetricsCard, type CardState } from './MetricsCard';

export interface CardContainerProps {
  tool: string;
  matchedBy: 'marker' | 'url';
  loadMetrics: (range: RangeKey, refresh: boolean) => Promise<ToolMetricsResponse>;
  openOptions: () => void;
}

export function CardContainer({ tool, matchedBy, loadMetrics, openOptions }: CardContainerProps) {
  const [range, setRange] = useState<RangeKey>(DEFAULT_RANGE);
  const [state, setState] = useState<CardState>({ status: 'loading' });
  const [collapsed, setCollapsed] = useState(false);
  const latestRequest = useRef(0);

  const load = useCallback(
    async (nextRange: RangeKey, refresh: boolean) => {
      const id = ++latestRequest.current;
      setState({ status: 'loading' });
      let next: CardState;
      try {
        const response = await loadMetrics(nextRange, refresh);
        next = response.ok ? { status: 'ready', metrics: response.metrics, postHogUrl: response.postHogUrl } : { status: 'error', error: response.error };
      } catch (error) {
        next = { status: 'error', error: { kind: 'bad_response', message: (error as Error)?.message ?? String(error) } };
      }
      // A slower answer for an older range must not overwrite a newer one.
      if (id === latestRequest.current) setState(next);
    },
    [loadMetrics],
  );

  useEffect(() => {
    void load(range, false);
  }, [range, load]);

  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      if (event.key === 'Escape' && !collapsed) setCollapsed(true);
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [collapsed]);

  return (
    <MetricsCard
      tool={tool}
      matchedBy={matchedBy}
      range={range}
      state={state}
      collapsed={collapsed}
      onRangeChange={setRange}
      onRefresh={() => void load(range, true)}
      onToggleCollapsed={() => setCollapsed((c) => !c)}
      onOpenOptions={openOptions}
    />
  );
}

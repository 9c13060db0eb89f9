/** Card state machine: metrics, range, tabs, triage, collapse, corner. Talks to the world only through props. */
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import type { CardPrefs, ToolMetricsResponse, TriageResponse } from '../../lib/protocol/messages';
import { autoRetryDelayMs } from '../../lib/card/autoRetry';
import { DEFAULT_RANGE, type RangeKey } from '../../lib/card/ranges';
import { MetricsCard, type CardState, type CardTab } from './MetricsCard';
import type { TriageState } from './CardTriage';

export interface CardApi {
  loadMetrics: (range: RangeKey, refresh: boolean) => Promise<ToolMetricsResponse>;
  loadTriage: (range: RangeKey) => Promise<TriageResponse>;
  openOptions: () => void;
  savePrefs: (prefs: CardPrefs) => void;
}

export interface CardContainerProps {
  tool: string;
  matchedBy: string;
  api: CardApi;
  prefs: CardPrefs;
  /** Bumped by the keyboard command: toggles between expanded and collapsed. */
  toggleSignal?: number;
  onHide: () => void;
}

const CORNERS: CardPrefs['corner'][] = ['bottom-right', 'bottom-left', 'top-left', 'top-right'];

/** `first`: a new range, nothing to show yet; `refresh`: the user asked for new figures; `retry`: the card asks again by itself after a failure. */
type LoadMode = 'first' | 'refresh' | 'retry';

/** What went wrong with the figures on screen, if anything: a card error, or figures served stale. */
const failureOf = (state: CardState) => (state.status === 'error' ? state.error : state.status === 'ready' ? state.stale : undefined);

export function CardContainer({ tool, matchedBy, api, prefs, toggleSignal = 0, onHide }: CardContainerProps) {
  const [range, setRange] = useState<RangeKey>(DEFAULT_RANGE);
  const [state, setState] = useState<CardState>({ status: 'loading' });
  const [tab, setTab] = useState<CardTab>('overview');
  const [triage, setTriage] = useState<TriageState>({ status: 'loading' });
  const [collapsed, setCollapsed] = useState(false);
  const [corner, setCorner] = useState(prefs.corner);
  const [drag, setDrag] = useState<{ x: number; y: number } | null>(null);
  const [retryAt, setRetryAt] = useState<number | null>(null);
  const latestRequest = useRef(0);
  const latestTriage = useRef(0);
  const wrapper = useRef<HTMLDivElement>(null);
  // The automatic retry: its timer, how many in a row, and whether it fell due while the tab was hidden.
  const retryTimer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  const retries = useRef(0);
  const retryDue = useRef(false);
  /** False once the card is removed: an answer still on its way then schedules nothing. */
  const mounted = useRef(true);
  const current = useRef({ state, range });
  current.current = { state, range };

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
      // A refresh or retry keeps the figures (or the error) on screen; a new range has none yet.
      setState((shown) => (mode === 'first' ? { status: 'loading' } : shown.status === 'ready' ? { ...shown, refreshing: true } : mode === 'retry' ? shown : { status: 'loading' }));
      let next: CardState;
      try {
        // A retry is not a refresh: the worker may answer it from another tab's newer request.
        const response = await api.loadMetrics(nextRange, mode === 'refresh');
        next = response.ok ? { status: 'ready', metrics: response.metrics, links: response.links, stale: response.stale } : { status: 'error', error: response.error };
      } catch (error) {
        next = { status: 'error', error: { kind: 'extension', message: `Tool Lens lost touch with its background worker (${(error as Error)?.message ?? String(error)}).` } };
      }
      // A slower answer for an older request must not overwrite a newer one.
      if (id !== latestRequest.current || !mounted.current) return;
      // A failed refresh or retry (the worker stopped, say) keeps the figures on screen, marked stale.
      const failed = next.status === 'error' && mode !== 'first' ? next.error : null;
      setState((shown) => (failed && shown.status === 'ready' ? { ...shown, refreshing: false, stale: failed } : next));
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
        // A hidden tab spends nothing: it asks when it is looked at again.
        if (document.hidden) retryDue.current = true;
        else void load(current.current.range, 'retry');
      }, delay);
    },
    [api],
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

  const loadTriage = useCallback(
    async (nextRange: RangeKey) => {
      const id = ++latestTriage.current;
      setTriage({ status: 'loading' });
      let next: TriageState;
      try {
        const response = await api.loadTriage(nextRange);
        next = response.ok ? { status: 'ready', triage: response.triage } : { status: 'error', error: response.error };
      } catch (error) {
        next = { status: 'error', error: { kind: 'extension', message: `Tool Lens lost touch with its background worker (${(error as Error)?.message ?? String(error)}).` } };
      }
      if (id === latestTriage.current) setTriage(next);
    },
    [api],
  );

  useEffect(() => void load(range, 'first'), [range, load]);
  useEffect(() => {
    if (tab === 'triage') void loadTriage(range);
  }, [tab, range, loadTriage]);
  useEffect(() => {
    if (toggleSignal > 0) setCollapsed((c) => !c);
  }, [toggleSignal]);

  const moveTo = (next: CardPrefs['corner']) => {
    setCorner(next);
    api.savePrefs({ corner: next, hidden: false });
  };

  /** Drag by the header; on release the card settles in the nearest corner. */
  const onDragStart = (event: PointerEvent) => {
    if ((event.target as HTMLElement).closest('button, a') || event.button !== 0) return;
    const start = { x: event.clientX, y: event.clientY };
    const onMove = (e: PointerEvent) => setDrag({ x: e.clientX - start.x, y: e.clientY - start.y });
    const onUp = (e: PointerEvent) => {
      window.removeEventListener('pointermove', onMove);
      window.removeEventListener('pointerup', onUp);
      setDrag(null);
      if (Math.abs(e.clientX - start.x) + Math.abs(e.clientY - start.y) < 4) return;
      const vertical = e.clientY < window.innerHeight / 2 ? 'top' : 'bottom';
      const horizontal = e.clientX < window.innerWidth / 2 ? 'left' : 'right';
      moveTo(`${vertical}-${horizontal}`);
    };
    window.addEventListener('pointermove', onMove);
    window.addEventListener('pointerup', onUp);
  };

  return (
    <div
      ref={wrapper}
      class={`tl-root tl-${corner}${drag ? ' tl-dragging' : ''}`}
      style={drag ? { transform: `translate(${drag.x}px, ${drag.y}px)` } : undefined}
      data-testid="card-root"
      data-corner={corner}
      onKeyDown={(e) => {
        if (e.key === 'Escape' && !collapsed) {
          e.stopPropagation();
          setCollapsed(true);
        }
      }}
    >
      <MetricsCard
        tool={tool}
        matchedBy={matchedBy}
        range={range}
        state={state}
        retryAt={retryAt}
        tab={tab}
        triage={triage}
        collapsed={collapsed}
        onRangeChange={setRange}
        onTabChange={setTab}
        onRefresh={() => void load(range, 'refresh')}
        onRetryTriage={() => void loadTriage(range)}
        onToggleCollapsed={() => setCollapsed((c) => !c)}
        onHide={() => {
          api.savePrefs({ corner, hidden: true });
          onHide();
        }}
        onMove={() => moveTo(CORNERS[(CORNERS.indexOf(corner) + 1) % CORNERS.length]!)}
        onOpenOptions={api.openOptions}
        onDragStart={onDragStart}
      />
    </div>
  );
}

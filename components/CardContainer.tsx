/** Card state machine: metrics, range, tabs, triage, collapse, corner. Talks to the world only through props. */
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import type { CardPrefs, ToolMetricsResponse, TriageResponse } from '../lib/messages';
import { DEFAULT_RANGE, type RangeKey } from '../lib/ranges';
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

export function CardContainer({ tool, matchedBy, api, prefs, toggleSignal = 0, onHide }: CardContainerProps) {
  const [range, setRange] = useState<RangeKey>(DEFAULT_RANGE);
  const [state, setState] = useState<CardState>({ status: 'loading' });
  const [tab, setTab] = useState<CardTab>('overview');
  const [triage, setTriage] = useState<TriageState>({ status: 'loading' });
  const [collapsed, setCollapsed] = useState(false);
  const [corner, setCorner] = useState(prefs.corner);
  const [drag, setDrag] = useState<{ x: number; y: number } | null>(null);
  const latestRequest = useRef(0);
  const latestTriage = useRef(0);
  const wrapper = useRef<HTMLDivElement>(null);

  const load = useCallback(
    async (nextRange: RangeKey, refresh: boolean) => {
      const id = ++latestRequest.current;
      // A refresh keeps the figures on screen; a new range has none yet.
      setState((current) => (refresh && current.status === 'ready' ? { ...current, refreshing: true } : { status: 'loading' }));
      let next: CardState;
      try {
        const response = await api.loadMetrics(nextRange, refresh);
        next = response.ok ? { status: 'ready', metrics: response.metrics, links: response.links, stale: response.stale } : { status: 'error', error: response.error };
      } catch (error) {
        next = { status: 'error', error: { kind: 'extension', message: `Tool Lens lost touch with its background worker (${(error as Error)?.message ?? String(error)}).` } };
      }
      // A slower answer for an older request must not overwrite a newer one.
      if (id === latestRequest.current) setState(next);
    },
    [api],
  );

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

  useEffect(() => void load(range, false), [range, load]);
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
        tab={tab}
        triage={triage}
        collapsed={collapsed}
        onRangeChange={setRange}
        onTabChange={setTab}
        onRefresh={() => void load(range, true)}
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

/** The card: range, tab and collapse here; figures, triage and corner in their hooks. Talks to the world only through props. */
import { useEffect, useState } from 'preact/hooks';
import type { CardPrefs, ToolMetricsResponse, TriageResponse } from '../../lib/protocol/messages';
import { DEFAULT_RANGE, type RangeKey } from '../../lib/card/ranges';
import { MetricsCard, type CardTab } from './MetricsCard';
import { useCardMetrics } from './useCardMetrics';
import { useCornerDrag } from './useCornerDrag';
import { useTriage } from './useTriage';

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

/** The card's state, in hooks (figures, triage, corner); what it shows is MetricsCard's. */
export function CardContainer({ tool, matchedBy, api, prefs, toggleSignal = 0, onHide }: CardContainerProps) {
  const [range, setRange] = useState<RangeKey>(DEFAULT_RANGE);
  const [tab, setTab] = useState<CardTab>('overview');
  const [collapsed, setCollapsed] = useState(false);
  const { state, retryAt, refresh } = useCardMetrics(range, api.loadMetrics);
  const { triage, retry: retryTriage } = useTriage(tab === 'triage', range, api.loadTriage);
  const { corner, offset, moveToNext, onDragStart } = useCornerDrag(prefs.corner, (next) => api.savePrefs({ corner: next, hidden: false }));

  useEffect(() => {
    if (toggleSignal > 0) setCollapsed((c) => !c);
  }, [toggleSignal]);

  return (
    <div
      class={`tl-root tl-${corner}${offset ? ' tl-dragging' : ''}`}
      style={offset ? { transform: `translate(${offset.x}px, ${offset.y}px)` } : undefined}
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
        onRefresh={refresh}
        onRetryTriage={retryTriage}
        onToggleCollapsed={() => setCollapsed((c) => !c)}
        onHide={() => {
          api.savePrefs({ corner, hidden: true });
          onHide();
        }}
        onMove={moveToNext}
        onOpenOptions={api.openOptions}
        onDragStart={onDragStart}
      />
    </div>
  );
}

/** The card: range, tab and collapse here; figures, triage and corner in their hooks. Talks to the world only through props. */
import { useEffect, useRef, useState } from 'preact/hooks';
import type { AnnotationsResponse, RankingResponse, ToolMetricsResponse, TriageResponse } from '../../lib/protocol/messages';
import type { CardPrefs, CardPrefsChange } from '../../lib/model/cardPrefs';
import type { LookupOpened } from './CardTriage';
import { useRanking } from './useRanking';
import { useAnnotations } from './useAnnotations';
import { DEFAULT_RANGE, type RangeKey } from '../../lib/model/ranges';
import { MetricsCard, type CardTab } from './MetricsCard';
import { useCardMetrics } from './useCardMetrics';
import { useCornerDrag } from './useCornerDrag';
import { useTriage } from './useTriage';
import { useCardFocus } from './useCardFocus';
import { useCopy, writeToClipboard } from './useCopy';

export interface CardApi {
  /** `since`: compare after that moment with as long before it (before / after an annotation). */
  loadMetrics: (range: RangeKey, refresh: boolean, since?: number, allData?: boolean) => Promise<ToolMetricsResponse>;
  loadTriage: (range: RangeKey) => Promise<TriageResponse>;
  /** Opens support's person lookup (an extension page) for this tool and range. */
  openLookup?: (range: RangeKey) => Promise<LookupOpened>;
  loadRanking?: (range: RangeKey) => Promise<RankingResponse>;
  loadAnnotations?: (range: RangeKey) => Promise<AnnotationsResponse>;
  openOptions: () => void;
  /** Saves one change of the site's prefs: the fields it names. */
  savePrefs: (change: CardPrefsChange) => void;
  /** Writes text to the clipboard (rejects with why not). */
  copyText?: (text: string) => Promise<void>;
}

export interface CardContainerProps {
  tool: string;
  matchedBy: string;
  api: CardApi;
  prefs: CardPrefs;
  /** Bumped by the keyboard command: toggles between expanded and collapsed. */
  toggleSignal?: number;
  /** Figures of the default range already at hand: shown by the first render, not loaded again. */
  initial?: ToolMetricsResponse | null;
  /** With them, the default range's ranking and annotations when those are at hand too: one render shows all. */
  initialRanking?: RankingResponse | null;
  initialAnnotations?: AnnotationsResponse | null;
  onHide: () => void;
}

/** The card's state, in hooks (figures, triage, corner); what it shows is MetricsCard's. */
export function CardContainer({
  tool,
  matchedBy,
  api,
  prefs,
  toggleSignal = 0,
  onHide,
  initial = null,
  initialRanking = null,
  initialAnnotations = null,
}: CardContainerProps) {
  const [range, setRange] = useState<RangeKey>(DEFAULT_RANGE);
  /** Before / after an annotation: its moment; a new range goes back to the range against the one before. */
  const [since, setSince] = useState<number | null>(null);
  const [tab, setTab] = useState<CardTab>('overview');
  const [collapsed, setCollapsed] = useState(prefs.collapsed ?? false);
  /** Every event instead of a sample, once asked for ("Use all data"): for every range after. */
  const [allData, setAllData] = useState(false);
  const { state, retryAt, refresh } = useCardMetrics(range, since, api.loadMetrics, initial, allData);
  const { triage, retry: retryTriage } = useTriage(tab === 'triage', range, api.loadTriage);
  /**
   * What the site's next page opens with: each change saves only what it changed (the worker merges it
   * into the site's prefs), so a listener set up in an earlier render (Escape on the page, a drag's
   * release) saves nothing stale, and another tab of the site keeps what it saved.
   */
  const save = api.savePrefs;
  const { corner, offset, moveToNext, onDragStart } = useCornerDrag(prefs.corner, (next) => save({ corner: next }));

  const focus = useCardFocus(collapsed);
  // What came with the first figures is for the first range only.
  const standing = useRanking(state.status === 'ready', tool, range, api.loadRanking, initial?.ok ? initialRanking : null);
  const annotations = useAnnotations(state.status === 'ready', range, api.loadAnnotations, initial?.ok ? initialAnnotations : null);
  const { status: copyStatus, copy } = useCopy((text) => (api.copyText ? api.copyText(text) : writeToClipboard(text, focus.rootRef.current!)));
  /** Collapsed or expanded, however asked (button, pill, Escape, the keyboard command): the site's next page opens so. */
  const collapse = (next: boolean, moveFocus: boolean) => {
    if (moveFocus) focus.moveOnNextRender();
    setCollapsed(next);
    save({ collapsed: next });
  };

  // The keyboard command: the way in from the page, so expanding takes the focus into the card.
  const lastToggle = useRef(toggleSignal);
  useEffect(() => {
    if (toggleSignal === lastToggle.current) return;
    lastToggle.current = toggleSignal;
    if (collapsed) focus.rememberPageFocus();
    collapse(!collapsed, collapsed || focus.isInside());
  }, [toggleSignal]);

  // Escape with nothing focused on the page (focus on <body>) collapses the card too; a page's own use
  // of Escape (a dialog, a field) is left alone.
  useEffect(() => {
    if (collapsed) return;
    const onKey = (e: KeyboardEvent) => {
      if (e.key === 'Escape' && !e.defaultPrevented && (document.activeElement === null || document.activeElement === document.body)) collapse(true, false);
    };
    document.addEventListener('keydown', onKey);
    return () => document.removeEventListener('keydown', onKey);
  }, [collapsed]);

  return (
    <div
      ref={focus.rootRef}
      class={`tl-root tl-${corner}${offset ? ' tl-dragging' : ''}`}
      style={offset ? { transform: `translate(${offset.x}px, ${offset.y}px)` } : undefined}
      data-testid="card-root"
      data-corner={corner}
      onFocusIn={focus.onFocusIn}
      onKeyDown={(e) => {
        if (e.key === 'Escape' && !collapsed) {
          e.stopPropagation();
          collapse(true, true);
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
        onRangeChange={(next) => {
          setSince(null);
          setRange(next);
        }}
        onTabChange={setTab}
        onRefresh={refresh}
        onRetryTriage={retryTriage}
        onToggleCollapsed={() => collapse(!collapsed, true)}
        onHide={() => {
          save({ hidden: true });
          focus.returnToPage();
          onHide();
        }}
        onCopy={(text, what) => void copy(text, what)}
        copyStatus={copyStatus}
        standing={standing}
        annotations={annotations}
        onCompareAt={setSince}
        onUseAllData={() => setAllData(true)}
        lookup={api.openLookup ? { open: () => api.openLookup!(range) } : undefined}
        pillRef={focus.pillRef}
        cardRef={focus.cardRef}
        onMove={moveToNext}
        onOpenOptions={api.openOptions}
        onDragStart={onDragStart}
      />
    </div>
  );
}

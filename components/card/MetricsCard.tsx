/** The floating card: presentational only. Everything it shows arrives through props. */
import type { Ref } from 'preact';
import type { Failure } from '../../lib/model/failure';
import type { CardLinks, ChangeTests, Computing, ToolMetrics } from '../../lib/model/figures';
import { formatClock, formatCount, formatDayTime, formatDuration, formatPercent, formatTime } from '../../lib/helpers/format';
import { RANGES, RANGE_KEYS, type RangeKey } from '../../lib/model/ranges';
import { CardOverview } from './CardOverview';
import { useReadyStamp } from './useReadyStamp';
import { CardTriage, type LookupProps, type TriageState } from './CardTriage';
import type { StandingView } from './useRanking';
import type { CardAnnotation } from './useAnnotations';
import { cardSummary, segmentKindLabel, triageRowSummary } from '../../lib/card/summary';

export type CardState =
  | { status: 'loading' }
  | { status: 'error'; error: Failure }
  /** PostHog computes the figures as an async query, and there are none to show meanwhile. */
  | { status: 'computing'; computing: Computing }
  | {
      status: 'ready';
      metrics: ToolMetrics;
      links: CardLinks;
      /** The tests of change of these figures, run by the worker (lib/card/compare.ts testChanges). */
      changes: ChangeTests;
      stale?: Failure | undefined;
      refreshing?: boolean;
      computing?: Computing | undefined;
    };

export type CardTab = 'overview' | 'triage';
const TABS: readonly CardTab[] = ['overview', 'triage'];

/** WAI-ARIA's tabs pattern: arrows move between tabs (and select them), Home and End go to the ends. */
function onTabKey(event: KeyboardEvent, current: CardTab, select: (tab: CardTab) => void) {
  const at = TABS.indexOf(current);
  const next = { ArrowRight: at + 1, ArrowLeft: at - 1, Home: 0, End: TABS.length - 1 }[event.key];
  if (next === undefined) return;
  event.preventDefault();
  const tab = TABS[(next + TABS.length) % TABS.length]!;
  select(tab);
  const list = event.currentTarget as HTMLElement;
  // The tab buttons stay mounted: focus follows the selection at once.
  (list.querySelector(`#tl-tab-${tab}`) as HTMLElement | null)?.focus();
}

export interface MetricsCardProps {
  tool: string;
  matchedBy: string;
  range: RangeKey;
  state: CardState;
  /** When the card asks PostHog again by itself after a failure (epoch ms); null when it does not. */
  retryAt?: number | null;
  tab: CardTab;
  triage: TriageState;
  collapsed: boolean;
  onRangeChange: (range: RangeKey) => void;
  onTabChange: (tab: CardTab) => void;
  onRefresh: () => void;
  onRetryTriage: () => void;
  onToggleCollapsed: () => void;
  onHide: () => void;
  onMove: () => void;
  onOpenOptions: () => void;
  /** Copies a summary (Markdown) to the clipboard; what the card says about it after. */
  onCopy?: (text: string, what: string) => void;
  copyStatus?: string;
  /** Where this tool stands among the project's tools (null until known, or when it cannot be). */
  standing?: StandingView | null;
  /** The project's annotations in the range: marks on the p95 line. */
  annotations?: CardAnnotation[];
  /** Compare after an annotation (its moment, epoch ms) with as long before it; null: back to the range. */
  onCompareAt?: (at: number | null) => void;
  /** Support's lookup of one person's jobs, in the Triage tab. */
  lookup?: LookupProps;
  /** Figures from a sample of users: ask for every event instead. */
  onUseAllData?: () => void;
  /** Where the container puts the focus: the pill once collapsed, the card's first control once expanded. */
  pillRef?: Ref<HTMLButtonElement>;
  cardRef?: Ref<HTMLElement>;
  /** Pointer down on the header: the container turns it into a drag. */
  onDragStart?: (event: PointerEvent) => void;
}

function failureRate(metrics: ToolMetrics): string {
  return formatPercent(metrics.jobs.current.failed, metrics.jobs.current.started);
}

export function MetricsCard(props: MetricsCardProps) {
  const { tool, state, collapsed } = props;
  const health = state.status === 'ready' ? state.metrics.health : null;
  if (collapsed) return <Pill {...props} />;
  return (
    <section
      ref={props.cardRef}
      class={`tl-card ${health?.status === 'alert' ? 'tl-alert' : ''}`}
      aria-label={`Tool Lens metrics for ${tool}`}
      aria-busy={state.status === 'loading' || state.status === 'computing'}
    >
      <header class="tl-header" onPointerDown={(e) => props.onDragStart?.(e as unknown as PointerEvent)}>
        <span class={`tl-logo ${health ? `tl-health-${health.status}` : ''}`} aria-hidden="true" />
        <div class="tl-heading">
          <h2 class="tl-tool" data-testid="tool-name">
            {tool}
          </h2>
          <p class="tl-meta" data-testid="card-meta">
            {RANGES[props.range].label}
            {state.status === 'ready' && ` · as of ${formatTime(state.metrics.asOf)}`}
            {` · found by ${props.matchedBy}`}
            {state.status === 'ready' && state.links.projectId && <span data-testid="card-project">{` · project ${state.links.projectId}`}</span>}
          </p>
        </div>
        <button
          type="button"
          class="tl-icon"
          onClick={props.onRefresh}
          aria-label="Refresh"
          title="Refresh"
          disabled={state.status === 'loading' || state.status === 'computing' || (state.status === 'ready' && (state.refreshing || !!state.computing))}
        >
          <span aria-hidden="true">↻</span>
        </button>
        <button type="button" class="tl-icon" onClick={props.onMove} aria-label="Move to the next corner" title="Move (or drag the header)">
          <span aria-hidden="true">⇲</span>
        </button>
        <button type="button" class="tl-icon" onClick={props.onToggleCollapsed} aria-label="Collapse" title="Collapse (Esc)">
          <span aria-hidden="true">–</span>
        </button>
        <button type="button" class="tl-icon" onClick={props.onHide} aria-label="Hide on this site" title="Hide on this site (Alt+Shift+L brings it back)">
          <span aria-hidden="true">×</span>
        </button>
      </header>
      {health?.status === 'alert' && (
        <p class="tl-banner" role="status" data-testid="health-banner">
          Over threshold: {health.reasons.join('; ')}
        </p>
      )}
      {state.status === 'ready' && state.stale && (
        <p class="tl-banner tl-stale" role="status" data-testid="stale-banner">
          Showing figures as of {formatTime(state.metrics.asOf)}: {props.retryAt ? asSentence(state.stale.message) : state.stale.message}
          {props.retryAt ? <RetryNote at={props.retryAt} /> : null}
        </p>
      )}
      {state.status === 'ready' && state.computing && (
        <p class="tl-banner tl-computing-banner" role="status" data-testid="computing-banner">
          PostHog is computing new figures ({progressWords(state.computing)}); showing those as of {formatTime(state.metrics.asOf)}.
        </p>
      )}
      {state.status === 'ready' && state.metrics.split && (
        <p class="tl-banner tl-split" role="status" data-testid="split-banner">
          Before / after {formatDayTime(state.metrics.split.at)}
          {splitLabel(state.metrics.split.at, props.annotations ?? [])}: the {formatSpan(state.metrics.split.seconds)} since, against as long before.{' '}
          <button type="button" class="tl-link-button" data-testid="split-back" onClick={() => props.onCompareAt?.(null)}>
            Back to {RANGES[props.range].label.toLowerCase()}
          </button>
        </p>
      )}
      {state.status === 'ready' && state.metrics.sample && (
        <p class="tl-meta tl-sample" data-testid="sample">
          Sampled: 1 in {formatCount(state.metrics.sample.factor)} users, counts estimated (×{formatCount(state.metrics.sample.factor)}).{' '}
          {props.onUseAllData && (
            <button type="button" class="tl-link-button" data-testid="use-all-data" onClick={props.onUseAllData}>
              Use all data
            </button>
          )}
        </p>
      )}
      {state.status === 'ready' && state.metrics.segment && (
        <p class="tl-meta tl-segment" data-testid="segment">
          Segment: {segmentKindLabel(state.metrics.segment)} property {state.metrics.segment.property} = “{state.metrics.segment.value}”
        </p>
      )}
      <div class="tl-controls">
        <div class="tl-tabs" role="tablist" aria-label="Card view" onKeyDown={(e) => onTabKey(e, props.tab, props.onTabChange)}>
          {TABS.map((tab) => (
            <button
              key={tab}
              id={`tl-tab-${tab}`}
              type="button"
              role="tab"
              aria-selected={props.tab === tab}
              aria-controls="tl-tabpanel"
              tabIndex={props.tab === tab ? 0 : -1}
              onClick={() => props.onTabChange(tab)}
            >
              {tab === 'overview' ? 'Overview' : 'Triage'}
            </button>
          ))}
        </div>
        <div class="tl-ranges" role="group" aria-label="Time range">
          {RANGE_KEYS.map((key) => (
            <button type="button" key={key} aria-pressed={key === props.range} onClick={() => props.onRangeChange(key)}>
              {key}
            </button>
          ))}
        </div>
      </div>
      <div class="tl-body" role="tabpanel" id="tl-tabpanel" aria-labelledby={`tl-tab-${props.tab}`}>
        <CardBody {...props} />
      </div>
      <p class="tl-copy-status" role="status" data-testid="copy-status">
        {props.copyStatus}
      </p>
    </section>
  );
}

/** What the pill says when the card could not get figures: a card that opens collapsed must not look like it is still loading. */
const PILL_FAILURE: Record<Failure['kind'], string> = {
  not_configured: 'not connected',
  unauthorized: 'key rejected',
  forbidden: 'key lacks access',
  not_found: 'project not found',
  rate_limited: 'rate limited',
  server: 'PostHog error',
  network: 'offline',
  timeout: 'timed out',
  bad_response: 'unreadable answer',
  query_error: 'query error',
  too_slow: 'too slow',
  computing: 'computing…',
  bad_request: 'check the options',
  extension: 'extension error',
};

/** The collapsed card: the tool, its p95 and failure rate (or why there are none), a button that expands it. */
function Pill(props: MetricsCardProps) {
  const { tool, state } = props;
  const readyStamp = useReadyStamp();
  const ready = state.status === 'ready';
  const figures = ready
    ? `p95 ${formatDuration(state.metrics.latency.current.p95Ms)} · ${failureRate(state.metrics)} failed`
    : state.status === 'error'
      ? PILL_FAILURE[state.error.kind]
      : '…';
  const alert = (ready && state.metrics.health?.status === 'alert') || state.status === 'error';
  return (
    // Named by its own text (what is seen is what is said), with the words the eye does not need hidden.
    <button
      ref={props.pillRef}
      class={`tl-pill ${alert ? 'tl-alert' : ''}`}
      data-state={state.status}
      type="button"
      onClick={props.onToggleCollapsed}
      data-testid="card-pill"
    >
      <span class="tl-logo" aria-hidden="true" />
      <span class="tl-visually-hidden">Show Tool Lens metrics for </span>
      <span>{tool}</span>
      <span class="tl-visually-hidden">: </span>
      {/* Stamped as the expanded card's figures are (useReadyStamp): a card that opens collapsed is timed by its pill. */}
      <span class="tl-pill-figure" ref={ready ? readyStamp : undefined} data-testid={ready ? 'pill-ready' : undefined}>
        {figures}
      </span>
    </button>
  );
}

function CardBody(props: MetricsCardProps) {
  const { state, onOpenOptions, onRefresh } = props;
  const readyStamp = useReadyStamp();
  if (state.status === 'loading') {
    return (
      <div data-testid="card-loading">
        <p class="tl-visually-hidden">Loading metrics…</p>
        {[0, 1, 2, 3].map((i) => (
          <div key={i} class="tl-skeleton" />
        ))}
      </div>
    );
  }
  if (state.status === 'error') return <ErrorState error={state.error} retryAt={props.retryAt ?? null} onOpenOptions={onOpenOptions} onRetry={onRefresh} />;
  if (state.status === 'computing') return <ComputingState computing={state.computing} />;
  const { metrics, links, changes } = state;
  if (props.tab === 'triage') {
    return (
      <div data-testid="card-triage">
        <CardTriage
          state={props.triage}
          onRetry={props.onRetryTriage}
          lookup={props.lookup}
          onCopy={props.onCopy ? (row, kind) => props.onCopy!(triageRowSummary(row, kind, props.tool), 'Job summary') : undefined}
        />
      </div>
    );
  }
  return (
    <div data-testid="card-ready" ref={readyStamp}>
      {(metrics.funnel.steps[0]?.current ?? 0) === 0 && <NoData metrics={metrics} />}
      <CardOverview
        metrics={metrics}
        links={links}
        changes={changes}
        standing={props.standing ?? null}
        annotations={props.annotations ?? []}
        onCompareAt={props.onCompareAt}
      />
      <footer class="tl-footer">
        <a href={links.project} target="_blank" rel="noopener noreferrer">
          Open project in PostHog ↗
        </a>
        <a href={links.replays} target="_blank" rel="noopener noreferrer">
          Replays ↗
        </a>
        {props.onCopy && (
          <button
            type="button"
            class="tl-link-button"
            data-testid="copy-summary"
            onClick={() => props.onCopy!(cardSummary(metrics, links, changes), 'Summary')}
          >
            Copy summary
          </button>
        )}
      </footer>
    </div>
  );
}

/** Each kind of failure with its own next step. */
const NEXT_STEP: Record<Failure['kind'], { action: 'options' | 'retry'; hint: string }> = {
  not_configured: { action: 'options', hint: '' },
  unauthorized: { action: 'options', hint: 'Create a new personal API key in PostHog (Settings → Personal API keys) and paste it in the options.' },
  forbidden: { action: 'options', hint: 'Give the key the query:read scope (and project:read) in PostHog, or use another key.' },
  not_found: { action: 'options', hint: 'Check the project id and host in the options.' },
  rate_limited: { action: 'retry', hint: 'Tool Lens waits as PostHog asked and retries by itself.' },
  server: { action: 'retry', hint: 'PostHog had a problem; try again in a moment.' },
  network: { action: 'retry', hint: 'Check your connection or the PostHog host in the options.' },
  timeout: { action: 'retry', hint: 'PostHog is slow to answer; try again, or pick a shorter range.' },
  bad_response: { action: 'retry', hint: 'This may be a PostHog change Tool Lens does not understand yet.' },
  query_error: { action: 'retry', hint: 'Check the event and property names in the options (Data schema).' },
  too_slow: { action: 'retry', hint: 'A shorter range scans less; the card asks again only every few minutes meanwhile.' },
  computing: { action: 'retry', hint: '' },
  bad_request: { action: 'options', hint: 'Check the settings in the options.' },
  extension: { action: 'retry', hint: 'Its background worker restarts by itself: try again.' },
};

/** How far PostHog is: the time so far, and the share of rows read when PostHog says. */
function progressWords(c: Computing): string {
  const seconds = Math.max(0, Math.round((Date.now() - c.since) / 1000));
  const share = c.rowsRead !== null && c.rowsTotal ? Math.min(1, c.rowsRead / c.rowsTotal) : null;
  return `${seconds} s so far${share !== null && share > 0 ? `, ${Math.round(share * 100)} % of ${formatCount(c.rowsTotal!)} rows read` : ''}`;
}

/** No figures yet, and PostHog needs longer than one request for them: say so, and how far it is. */
function ComputingState({ computing }: { computing: Computing }) {
  const share = computing.rowsRead !== null && computing.rowsTotal ? Math.min(1, computing.rowsRead / computing.rowsTotal) : null;
  return (
    <div class="tl-computing" data-testid="card-computing" role="status">
      <p>PostHog is computing these figures ({progressWords(computing)}).</p>
      <p class="tl-hint">Too much data for one request: PostHog runs it as an async query and the card fills in when it is done.</p>
      {share !== null && share > 0 ? <progress value={share} max={1} aria-label="Query progress" /> : <progress aria-label="Query progress" />}
    </div>
  );
}

/** Ends a message with a full stop when it has none, so another sentence can follow it. */
const asSentence = (message: string) => (/[.!?)]$/.test(message.trim()) ? message : `${message}.`);

/** Says when the card asks again by itself, so nobody has to sit clicking Try again. */
function RetryNote({ at }: { at: number }) {
  return (
    <span class="tl-retry" data-testid="retry-at">
      {' '}
      Tool Lens asks again by itself at {formatClock(at)}.
    </span>
  );
}

function ErrorState({ error, retryAt, onOpenOptions, onRetry }: { error: Failure; retryAt: number | null; onOpenOptions: () => void; onRetry: () => void }) {
  const next = NEXT_STEP[error.kind];
  return (
    <div class="tl-error" role="alert" data-testid="card-error" data-kind={error.kind}>
      <p>{error.message}</p>
      {next.hint && <p class="tl-hint">{next.hint}</p>}
      {retryAt ? (
        <p class="tl-hint">
          <RetryNote at={retryAt} />
        </p>
      ) : null}
      {next.action === 'options' ? (
        <button type="button" class="tl-button" onClick={onOpenOptions}>
          Open Tool Lens options
        </button>
      ) : (
        <button type="button" class="tl-button" onClick={onRetry}>
          Try again
        </button>
      )}
    </div>
  );
}

function NoData({ metrics }: { metrics: ToolMetrics }) {
  const others = (metrics.toolsSeen ?? []).filter((t) => t.tool !== metrics.tool);
  return (
    <div class="tl-nodata" data-testid="card-nodata">
      <p>
        No <code>tool_viewed</code> for <strong>{metrics.tool}</strong> in {RANGES[metrics.range].label.toLowerCase()}
        {metrics.segment ? ' in this segment' : ''}.
      </p>
      {others.length > 0 ? (
        <p class="tl-hint" data-testid="tools-seen">
          Tools with views in this project: {others.map((t) => `${t.tool} (${formatCount(t.views)})`).join(', ')}. If this page is one of them, set the page
          marker or a URL rule.
        </p>
      ) : (
        <p class="tl-hint">Try a longer range, or check that this tool sends its events to this PostHog project.</p>
      )}
    </div>
  );
}

/** The annotation at a split point, named in the banner (its text, quoted). */
function splitLabel(at: number, annotations: CardAnnotation[]): string {
  const annotation = annotations.find((a) => a.at === at);
  return annotation ? ` (“${annotation.content}”)` : '';
}

/** A period's length in words: "3 h 20 min", "2 d 4 h". */
function formatSpan(seconds: number): string {
  const minutes = Math.round(seconds / 60);
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return minutes % 60 ? `${hours} h ${minutes % 60} min` : `${hours} h`;
  const days = Math.floor(hours / 24);
  return hours % 24 ? `${days} d ${hours % 24} h` : `${days} d`;
}

/** The floating card: presentational only. Everything it shows arrives through props. */
import type { Failure, ToolMetrics } from '../lib/messages';
import { formatCount, formatDuration, formatPercent, formatTime } from '../lib/format';
import { RANGES, RANGE_KEYS, type RangeKey } from '../lib/ranges';

export type CardState =
  | { status: 'loading' }
  | { status: 'error'; error: Failure }
  | { status: 'ready'; metrics: ToolMetrics; postHogUrl: string };

export interface MetricsCardProps {
  tool: string;
  matchedBy: 'marker' | 'url';
  range: RangeKey;
  state: CardState;
  collapsed: boolean;
  onRangeChange: (range: RangeKey) => void;
  onRefresh: () => void;
  onToggleCollapsed: () => void;
  onOpenOptions: () => void;
}

export function MetricsCard(props: MetricsCardProps) {
  const { tool, state, collapsed } = props;
  if (collapsed) {
    const p95 = state.status === 'ready' ? formatDuration(state.metrics.latency.p95Ms) : '…';
    return (
      <button class="tl-pill" type="button" onClick={props.onToggleCollapsed} aria-label={`Show Tool Lens metrics for ${tool}`}>
        <span class="tl-logo" aria-hidden="true" />
        <span>{tool}</span>
        <span class="tl-pill-figure">p95 {p95}</span>
      </button>
    );
  }
  return (
    <section class="tl-card" aria-label={`Tool Lens metrics for ${tool}`} aria-busy={state.status === 'loading'}>
      <header class="tl-header">
        <span class="tl-logo" aria-hidden="true" />
        <div class="tl-heading">
          <h2 class="tl-tool" data-testid="tool-name">{tool}</h2>
          <p class="tl-meta" data-testid="card-meta">
            {RANGES[props.range].label}
            {state.status === 'ready' && ` · as of ${formatTime(state.metrics.asOf)}`}
            {` · found by ${props.matchedBy === 'marker' ? 'page marker' : 'URL'}`}
          </p>
        </div>
        <button type="button" class="tl-icon" onClick={props.onRefresh} aria-label="Refresh" title="Refresh" disabled={state.status === 'loading'}>
          ↻
        </button>
        <button type="button" class="tl-icon" onClick={props.onToggleCollapsed} aria-label="Collapse" title="Collapse (Esc)">
          –
        </button>
      </header>
      <div class="tl-ranges" role="group" aria-label="Time range">
        {RANGE_KEYS.map((key) => (
          <button type="button" key={key} aria-pressed={key === props.range} onClick={() => props.onRangeChange(key)}>
            {key}
          </button>
        ))}
      </div>
      <CardBody {...props} />
    </section>
  );
}

function CardBody({ state, onOpenOptions, onRefresh }: MetricsCardProps) {
  if (state.status === 'loading') {
    return (
      <div class="tl-body" data-testid="card-loading">
        <p class="tl-visually-hidden">Loading metrics…</p>
        {[0, 1, 2, 3].map((i) => (
          <div key={i} class="tl-skeleton" />
        ))}
      </div>
    );
  }
  if (state.status === 'error') {
    const notConfigured = state.error.kind === 'not_configured';
    return (
      <div class="tl-body tl-error" role="alert" data-testid="card-error" data-kind={state.error.kind}>
        <p>{state.error.message}</p>
        {notConfigured || state.error.kind === 'unauthorized' || state.error.kind === 'not_found' ? (
          <button type="button" class="tl-button" onClick={onOpenOptions}>
            Open Tool Lens options
          </button>
        ) : (
          <button type="button" class="tl-button" onClick={onRefresh}>
            Try again
          </button>
        )}
      </div>
    );
  }
  const { metrics, postHogUrl } = state;
  return (
    <div class="tl-body" data-testid="card-ready">
      <Funnel metrics={metrics} />
      <Latency metrics={metrics} />
      <Errors metrics={metrics} />
      <footer class="tl-footer">
        <a href={postHogUrl} target="_blank" rel="noopener noreferrer">
          Open in PostHog ↗
        </a>
      </footer>
    </div>
  );
}

function Funnel({ metrics }: { metrics: ToolMetrics }) {
  const first = metrics.funnel[0]?.sessions ?? 0;
  if (first === 0) {
    return (
      <section class="tl-section" data-testid="funnel">
        <h3>Funnel</h3>
        <p class="tl-empty" data-testid="funnel-empty">
          No <code>tool_viewed</code> sessions for {metrics.tool} in this range.
        </p>
      </section>
    );
  }
  return (
    <section class="tl-section" data-testid="funnel">
      <h3>
        Funnel <small>sessions, in order, within 1 day of the view</small>
      </h3>
      <ol class="tl-funnel">
        {metrics.funnel.map((step, i) => (
          <li key={step.label} data-testid={`funnel-step-${i + 1}`} data-sessions={step.sessions}>
            <span class="tl-step-label">{step.label}</span>
            <span class="tl-bar" aria-hidden="true">
              <span style={{ width: `${first ? (step.sessions / first) * 100 : 0}%` }} />
            </span>
            <span class="tl-step-count">{formatCount(step.sessions)}</span>
            <span class="tl-step-pct">{formatPercent(step.sessions, first)}</span>
          </li>
        ))}
      </ol>
    </section>
  );
}

function Latency({ metrics }: { metrics: ToolMetrics }) {
  const { latency } = metrics;
  return (
    <section class="tl-section" data-testid="latency">
      <h3>
        Processing time <small data-testid="latency-n">n = {formatCount(latency.n)} completed jobs</small>
      </h3>
      {latency.n === 0 ? (
        <p class="tl-empty">No completed jobs with a duration in this range.</p>
      ) : (
        <dl class="tl-quantiles">
          {(
            [
              ['p50', latency.p50Ms],
              ['p95', latency.p95Ms],
              ['p99', latency.p99Ms],
            ] as const
          ).map(([name, value]) => (
            <div key={name} data-testid={`latency-${name}`}>
              <dt>{name}</dt>
              <dd>{formatDuration(value)}</dd>
            </div>
          ))}
        </dl>
      )}
    </section>
  );
}

function Errors({ metrics }: { metrics: ToolMetrics }) {
  const total = metrics.errors.reduce((sum, e) => sum + e.count, 0);
  return (
    <section class="tl-section" data-testid="errors">
      <h3>
        Errors <small>{formatCount(total)} failed jobs{metrics.errors.length >= 8 ? ' in the top 8 types' : ''}</small>
      </h3>
      {metrics.errors.length === 0 ? (
        <p class="tl-empty">No failed jobs in this range.</p>
      ) : (
        <ul class="tl-errors">
          {metrics.errors.map((error) => (
            <li key={error.type} data-testid="error-type" data-type={error.type} data-count={error.count}>
              <span class="tl-error-type">{error.type}</span>
              <span class="tl-error-count">{formatCount(error.count)}</span>
              <span class="tl-step-pct">{formatPercent(error.count, total)}</span>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

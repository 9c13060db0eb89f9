/** The card's overview tab: funnel, processing time, errors, more, LLM. Every figure says what it counts. */
import { useMemo } from 'preact/hooks';
import type { CardLinks, ChangeTests, ToolMetrics } from '../../lib/model/figures';
import { formatBytes, formatCount, formatDayTime, formatDuration, formatPercent, formatUsd, ordinal } from '../../lib/helpers/format';
import { errorTest } from '../../lib/card/compare';
import { Delta, SectionLink, Sparkline } from './Bits';
import type { StandingView } from './useRanking';
import type { CardAnnotation } from './useAnnotations';

export function CardOverview({
  metrics,
  links,
  changes,
  standing,
  annotations = [],
  onCompareAt,
}: {
  metrics: ToolMetrics;
  links: CardLinks;
  /** The tests of change behind the deltas, run by the worker with the figures. */
  changes: ChangeTests;
  standing?: StandingView | null;
  annotations?: CardAnnotation[];
  onCompareAt?: (at: number | null) => void;
}) {
  // The sections kept while their figures are the same: the card renders again when the standing or
  // the annotations land, and Preact skips an element it is handed again (the tests of change behind
  // the funnel and the errors are not built again either).
  const funnel = useMemo(() => <Funnel metrics={metrics} link={links.funnel} conversion={changes.conversion} />, [metrics, links.funnel, changes]);
  const latency = useMemo(
    () => <Latency metrics={metrics} link={links.latencySql} p95Change={changes.p95} annotations={annotations} onCompareAt={onCompareAt} />,
    [metrics, links.latencySql, changes, annotations, onCompareAt],
  );
  const errors = useMemo(() => <Errors metrics={metrics} link={links.errors} changes={changes} />, [metrics, links.errors, changes]);
  const more = useMemo(() => <More metrics={metrics} />, [metrics]);
  return (
    <>
      {standing && <Standing view={standing} />}
      {funnel}
      {latency}
      {errors}
      {more}
      {metrics.llm && <Llm llm={metrics.llm} />}
    </>
  );
}

function Funnel({ metrics, link, conversion }: { metrics: ToolMetrics; link: string; conversion: ChangeTests['conversion'] }) {
  const { steps, unit, windowHours } = metrics.funnel;
  const first = steps[0]?.current ?? 0;
  const last = steps.at(-1);
  if (first === 0) return null; // the card shows the "no data" explanation instead
  return (
    <section class="tl-section" data-testid="funnel" aria-labelledby="tl-funnel-h">
      <h3 id="tl-funnel-h">
        Funnel{' '}
        <small>
          {unit}, in order, within {windowHours % 24 === 0 ? `${windowHours / 24} d` : `${windowHours} h`} of the view
        </small>
        <SectionLink href={link} label="Open this funnel in PostHog" />
      </h3>
      <ol class="tl-funnel">
        {steps.map((step, i) => {
          const before = i > 0 ? (steps[i - 1]?.current ?? 0) : 0;
          const drop = i > 0 && before > 0 ? formatPercent(before - step.current, before) : null;
          return (
            <li
              key={step.label}
              data-testid={`funnel-step-${i + 1}`}
              data-sessions={step.current}
              title={drop ? `${drop} of the previous step dropped off` : undefined}
            >
              <span class="tl-step-label">{step.label}</span>
              <span class="tl-bar" aria-hidden="true">
                <span style={{ width: `${(step.current / first) * 100}%` }} />
              </span>
              <span class="tl-step-count">{formatCount(step.current)}</span>
              <span class="tl-step-pct">{formatPercent(step.current, first)}</span>
              <span class="tl-step-drop" data-testid={`funnel-drop-${i + 1}`}>
                {drop ? `−${drop}` : ''}
              </span>
            </li>
          );
        })}
      </ol>
      <p class="tl-foot">
        View → download {formatPercent(last?.current ?? 0, first)} <Delta change={conversion} label="conversion" />
      </p>
    </section>
  );
}

function Latency({
  metrics,
  link,
  p95Change,
  annotations,
  onCompareAt,
}: {
  metrics: ToolMetrics;
  link: string;
  p95Change: ChangeTests['p95'];
  annotations: CardAnnotation[];
  onCompareAt?: (at: number | null) => void;
}) {
  const { current, failed, spark } = metrics.latency;
  return (
    <section class="tl-section" data-testid="latency" aria-labelledby="tl-latency-h">
      <h3 id="tl-latency-h">
        Processing time <small data-testid="latency-n">n = {formatCount(current.n)} completed jobs</small>
        <SectionLink href={link} label="Open the processing-time query in PostHog" />
      </h3>
      {current.n === 0 ? (
        <p class="tl-empty">No completed jobs with a duration in this range.</p>
      ) : (
        <>
          <dl class="tl-quantiles">
            {(
              [
                ['p50', current.p50Ms],
                ['p95', current.p95Ms],
                ['p99', current.p99Ms],
                ['mean', current.meanMs],
              ] as const
            ).map(([name, value]) => (
              <div key={name} data-testid={`latency-${name}`}>
                <dt>{name}</dt>
                <dd>{formatDuration(value)}</dd>
              </div>
            ))}
          </dl>
          <div class="tl-row">
            <span>
              p95 <Delta change={p95Change} label="p95" />
            </span>
            <Sparkline
              values={spark.map((s) => s.p95Ms)}
              label={`p95 over the range, from ${formatDuration(spark[0]?.p95Ms ?? null)} to ${formatDuration(spark.at(-1)?.p95Ms ?? null)}${annotations.length ? `, ${annotations.length} annotation${annotations.length > 1 ? 's' : ''} marked` : ''}`}
              marks={annotationMarks(annotations, spark)}
            />
          </div>
          {annotations.length > 0 && (
            <ul class="tl-annotations" data-testid="annotations" aria-label="Annotations in this range">
              {annotations.map((a) => (
                <li key={a.id} data-testid="annotation">
                  <time dateTime={new Date(a.at).toISOString()}>{formatDayTime(a.at)}</time> {a.content}
                  {onCompareAt && metrics.split?.at !== a.at && (
                    <>
                      {' '}
                      <button
                        type="button"
                        class="tl-link-button"
                        data-testid="annotation-compare"
                        onClick={() => onCompareAt(a.at)}
                        aria-label={`before / after ${a.content}`}
                      >
                        before / after
                      </button>
                    </>
                  )}
                </li>
              ))}
            </ul>
          )}
        </>
      )}
      {failed.n > 0 && (
        <p class="tl-foot" data-testid="latency-failed">
          Failed jobs apart: n = {formatCount(failed.n)}, p50 {formatDuration(failed.p50Ms)}, p95 {formatDuration(failed.p95Ms)}
        </p>
      )}
    </section>
  );
}

function Errors({ metrics, link, changes }: { metrics: ToolMetrics; link: string; changes: ChangeTests }) {
  const { current } = metrics.jobs;
  const change = changes.failureRate;
  const total = metrics.errors.reduce((sum, e) => sum + e.current, 0);
  return (
    <section class="tl-section" data-testid="errors" aria-labelledby="tl-errors-h">
      <h3 id="tl-errors-h">
        Errors{' '}
        <small data-testid="failure-rate">
          {formatCount(current.failed)} failed of {formatCount(current.started)} started ({formatPercent(current.failed, current.started)})
        </small>
        <SectionLink href={link} label="Open the failed jobs in PostHog" />
      </h3>
      <p class="tl-foot">
        Failure rate <Delta change={change} label="failure rate" />
      </p>
      {metrics.errors.length === 0 ? (
        <p class="tl-empty">No failed jobs in this range.</p>
      ) : (
        <ul class="tl-errors">
          {metrics.errors.map((error) => {
            const diff = error.current - error.previous;
            const test = errorTest(changes, error.type);
            return (
              <li key={error.type} data-testid="error-type" data-type={error.type} data-count={error.current}>
                <span class="tl-error-type">{error.type}</span>
                <span class="tl-error-count">{formatCount(error.current)}</span>
                <span class="tl-step-pct">{formatPercent(error.current, total)}</span>
                {/* Coloured only when more than chance (exact Poisson test); the numbers either way. */}
                <span
                  class={`tl-step-drop ${test.significant ? (diff > 0 ? 'tl-worse' : 'tl-better') : ''}`}
                  title={`vs the previous period: ${test.significant ? '' : 'no clear change, '}${test.detail}`}
                  data-significant={test.significant}
                >
                  {diff === 0 ? '=' : `${diff > 0 ? '+' : '−'}${formatCount(Math.abs(diff))}`}
                  <span class="tl-visually-hidden">{` vs the previous period${test.significant ? '' : ', no clear change'}`}</span>
                </span>
              </li>
            );
          })}
        </ul>
      )}
    </section>
  );
}

function More({ metrics }: { metrics: ToolMetrics }) {
  const { current } = metrics.jobs;
  const { auth, fileTypes, formats } = metrics.more;
  const views = auth.reduce((sum, a) => sum + a.count, 0);
  return (
    <details class="tl-section tl-more" data-testid="more">
      <summary>More: cache, sign-in, files, downloads</summary>
      <dl class="tl-facts">
        <dt>Cache hit rate</dt>
        <dd data-testid="cache-rate">
          {formatPercent(current.cacheHits, current.completed)} <small>of {formatCount(current.completed)} completed jobs</small>
        </dd>
        <dt>Signed in</dt>
        <dd data-testid="auth-share">
          {auth.map((a) => `${a.label} ${formatPercent(a.count, views)}`).join(' · ') || '—'} <small>of {formatCount(views)} views</small>
        </dd>
        <dt>File types</dt>
        <dd>{fileTypes.map((f) => `${f.type} ${formatCount(f.count)} (avg ${formatBytes(f.meanBytes)})`).join(' · ') || '—'}</dd>
        <dt>Downloads</dt>
        <dd>
          {formats.map((f) => `${f.format} ${formatCount(f.count)}`).join(' · ') || '—'}{' '}
          <small>{formatPercent(current.downloads, current.completed)} of completed jobs</small>
        </dd>
      </dl>
    </details>
  );
}

function Llm({ llm }: { llm: NonNullable<ToolMetrics['llm']> }) {
  return (
    <section class="tl-section" data-testid="llm" aria-labelledby="tl-llm-h">
      <h3 id="tl-llm-h">
        LLM <small>{formatCount(llm.generations)} generations</small>
      </h3>
      <dl class="tl-facts">
        <dt>p95 latency</dt>
        <dd>{llm.p95LatencyS === null ? '—' : `${llm.p95LatencyS.toFixed(2)} s`}</dd>
        <dt>Cost</dt>
        <dd>{formatUsd(llm.costUsd)}</dd>
        <dt>Errors</dt>
        <dd>
          {formatCount(llm.errors)} ({formatPercent(llm.errors, llm.generations)})
        </dd>
        <dt>Tokens</dt>
        <dd>
          {formatCount(llm.inputTokens)} in · {formatCount(llm.outputTokens)} out
        </dd>
      </dl>
    </section>
  );
}

/** "Among 12 tools: p95 3rd slowest · failure rate 2.1× the median · view → download 4th best". */
function Standing({ view }: { view: StandingView }) {
  const { p95, failureRate, viewToDownload } = view.standing;
  const parts: string[] = [];
  if (p95) parts.push(`p95 ${p95.position === 1 ? 'slowest' : `${ordinal(p95.position)} slowest`} of ${p95.of}`);
  if (failureRate) {
    const times = failureRate.timesMedian === null ? '' : `${failureRate.timesMedian.toFixed(1)}× the median, `;
    parts.push(`failure rate ${times}${failureRate.position === 1 ? 'highest' : `${ordinal(failureRate.position)} highest`} of ${failureRate.of}`);
  }
  if (viewToDownload)
    parts.push(`view → download ${viewToDownload.position === 1 ? 'best' : `${ordinal(viewToDownload.position)} best`} of ${viewToDownload.of}`);
  if (parts.length === 0) return null;
  return (
    <p class="tl-meta tl-standing" data-testid="standing">
      Among {view.tools} tools: {parts.join(' · ')}
    </p>
  );
}

/** Where each annotation falls along the line: between the first and the last bucket's start (0…1), by time. */
function annotationMarks(annotations: CardAnnotation[], spark: Array<{ at: number }>): Array<{ at: number; label: string }> {
  if (spark.length < 2) return [];
  const [first, last] = [spark[0]!.at * 1000, spark.at(-1)!.at * 1000];
  const span = last - first || 1;
  return annotations.map((a) => ({ at: Math.min(1, Math.max(0, (a.at - first) / span)), label: a.content }));
}

/**
 * Honest deltas: each change the card shows, with a test of whether it is more than chance at 95 %
 * (lib/stats/intervals.ts). The arrow shows only when it is; otherwise the card says "no clear
 * change" and, on hover or focus, the interval.
 *  - view → download and failure rate: Newcombe's interval for the difference of two proportions;
 *  - p95: the distribution-free intervals of each period's p95, apart or not;
 *  - an error type's count: the exact test for two Poisson counts over equal periods.
 */
import type { ChangeTests, Quantiles, ToolMetrics } from '../model/figures';
import type { ToolFiguresAnswer, ToolMetricsResponse } from '../protocol/messages';
import { formatDuration, pointChange, rate, relativeChange, type Change } from '../helpers/format';
import { compareCounts, compareQuantileIntervals, compareRates } from '../stats/intervals';

/** A change and its test: `significant` false means "no clear change"; `detail` says the interval in words. */
export type TestedChange = NonNullable<Change> & { significant: boolean; detail: string };

const signed = (x: number, digits = 1) => `${x > 0 ? '+' : x < 0 ? '−' : ''}${Math.abs(x).toFixed(digits)}`;

/**
 * A rate x/n now vs before, better when `better`. `sampleFactor`: the counts are a 1-in-N sample's
 * times N (lib/card/sampling.ts); the test is run on the sample's own counts, so its interval is as
 * wide as what was really measured.
 */
export function rateDelta(x1: number, n1: number, x2: number, n2: number, better: 'higher' | 'lower', sampleFactor = 1): TestedChange | null {
  const [a1, b1, a2, b2] = [x1, n1, x2, n2].map((c) => Math.round(c / sampleFactor)) as [number, number, number, number];
  const change = pointChange(rate(x1, n1), rate(x2, n2), better, [b1, b2]);
  const test = compareRates(a1, b1, a2, b2);
  if (!change || !test) return null;
  const [low, high] = test.interval;
  return {
    ...change,
    ...verdictOf(change, test.significant, better),
    significant: test.significant,
    detail: `95 % interval of the change: ${signed(low * 100)} to ${signed(high * 100)} pts`,
  };
}

/** p95 now vs before (lower is better); its intervals come from the sample itself (its own n). */
export function p95Delta(current: Quantiles, previous: Quantiles, sampleFactor = 1): TestedChange | null {
  const change = relativeChange(current.p95Ms, previous.p95Ms, 'lower', [Math.round(current.n / sampleFactor), Math.round(previous.n / sampleFactor)]);
  if (!change) return null;
  const now = current.p95IntervalMs ?? [null, null];
  const before = previous.p95IntervalMs ?? [null, null];
  const test = compareQuantileIntervals(now, before);
  const words = (i: [number | null, number | null]) =>
    `${i[0] === null ? 'unbounded' : formatDuration(i[0])} to ${i[1] === null ? 'unbounded' : formatDuration(i[1])}`;
  return {
    ...change,
    ...verdictOf(change, test.significant, 'lower'),
    significant: test.significant,
    detail: `95 % interval of p95: now ${words(now)}, before ${words(before)}`,
  };
}

/** A count now vs in the equal period before (fewer is better: failures), tested on the sample's own counts. */
export function countDelta(current: number, previous: number, sampleFactor = 1): { significant: boolean; detail: string } {
  const test = compareCounts(Math.round(current / sampleFactor), Math.round(previous / sampleFactor));
  if (test.ratio === null) return { significant: false, detail: 'none in either period' };
  const ratio = test.ratio === Infinity ? 'new' : `${test.ratio.toFixed(2)}×`;
  const interval = test.interval
    ? ` (95 %: ${test.interval[0].toFixed(2)}× to ${test.interval[1] === Infinity ? '∞' : `${test.interval[1].toFixed(2)}×`})`
    : '';
  return { significant: test.significant, detail: `${ratio} the previous period${interval}, p = ${test.pValue < 0.001 ? '< 0.001' : test.pValue.toFixed(3)}` };
}

/**
 * Every test of change the card shows, from the figures alone: run by the worker with each answer
 * (withChangeTests), so the page's card only reads them. Their arithmetic (incomplete beta, log
 * gamma, root finding per error type) was the card's heaviest work in the bench's profile.
 */
export function testChanges(metrics: ToolMetrics): ChangeTests {
  const factor = metrics.sample?.factor;
  const { steps } = metrics.funnel;
  const first = steps[0];
  const last = steps.at(-1);
  const { current, previous } = metrics.jobs;
  return {
    conversion: rateDelta(last?.current ?? 0, first?.current ?? 0, last?.previous ?? 0, first?.previous ?? 0, 'higher', factor),
    p95: p95Delta(metrics.latency.current, metrics.latency.previous, factor),
    failureRate: rateDelta(current.failed, current.started, previous.failed, previous.started, 'lower', factor),
    errors: metrics.errors.map((e) => ({ type: e.type, ...countDelta(e.current, e.previous, factor) })),
  };
}

/** The answer to `tool-metrics/get`: the figures, with their tests when there are figures. */
export function withChangeTests(answer: ToolFiguresAnswer): ToolMetricsResponse {
  return answer.ok ? { ...answer, changes: testChanges(answer.metrics) } : answer;
}

/** The test of one error type, by its type (the tests follow `metrics.errors`). */
export function errorTest(tests: ChangeTests, type: string): { significant: boolean; detail: string } {
  return tests.errors.find((t) => t.type === type) ?? { significant: false, detail: 'not tested' };
}

/** Red or green only for a change that is more than chance, whatever the sample size. */
function verdictOf(change: NonNullable<Change>, significant: boolean, better: 'higher' | 'lower'): Pick<NonNullable<Change>, 'verdict'> {
  if (!significant || change.direction === 'flat') return { verdict: 'neutral' };
  return { verdict: (change.direction === 'up') === (better === 'higher') ? 'better' : 'worse' };
}

/**
 * The card's answers from the worker, checked in plain code (lib/protocol/shape.ts), not zod: the card
 * script runs in every tool page, and zod's schemas cost it ~20 ms to build and run there (bench trace).
 * Each check here says what the schema of the same name in messages.ts says; cardAnswers.test.ts holds
 * them to zod's verdicts on good answers and on every one-field break of them.
 */
import { browser } from 'wxt/browser';
import type { Request, ResponseFor } from './messages';
import { ERROR_KINDS } from '../model/errorKinds';
import { RANGE_KEYS } from '../model/ranges';
import { array, bool, count, either, int, literal, nullable, num, numIn, object, oneOf, optional, str, strMax, tuple, type Check } from './shape';

const range = oneOf(RANGE_KEYS);
const maybeNumber = nullable(num);

const failure = object({ kind: oneOf(ERROR_KINDS), message: str, retryInMs: optional(numIn(0, Infinity)) });
const computing = object({ since: num, rowsRead: nullable(count), rowsTotal: nullable(count), askAgainInMs: numIn(100, 60_000) });
const quantiles = object({
  n: count,
  p50Ms: maybeNumber,
  p95Ms: maybeNumber,
  p99Ms: maybeNumber,
  meanMs: maybeNumber,
  p95IntervalMs: optional(tuple(maybeNumber, maybeNumber)),
});
const jobs = object({ views: count, started: count, completed: count, failed: count, cacheHits: count, downloads: count });
const toolMetrics = object({
  tool: str,
  range,
  asOf: str,
  segment: nullable(object({ kind: oneOf(['event', 'person', 'group']), property: str, value: str, groupIndex: optional(num), groupType: optional(str) })),
  split: optional(object({ at: num, seconds: num })),
  funnel: object({ unit: oneOf(['sessions', 'persons']), windowHours: num, steps: array(object({ label: str, current: count, previous: count })) }),
  latency: object({ current: quantiles, previous: quantiles, failed: quantiles, spark: array(object({ at: num, n: count, p95Ms: maybeNumber })) }),
  jobs: object({ current: jobs, previous: jobs }),
  errors: array(object({ type: str, current: count, previous: count })),
  more: object({
    auth: array(object({ label: str, count })),
    fileTypes: array(object({ type: str, count, meanBytes: maybeNumber })),
    formats: array(object({ format: str, count })),
  }),
  llm: nullable(object({ generations: count, p95LatencyS: maybeNumber, costUsd: num, errors: count, inputTokens: num, outputTokens: num })),
  health: object({
    failuresLastHour: count,
    completedLastHour: count,
    meanDurationMsLastHour: maybeNumber,
    status: oneOf(['ok', 'alert']),
    reasons: array(str),
  }),
  sample: optional(object({ factor: (v) => int(v) && (v as number) >= 2, events: count })),
  events: optional(count),
  toolsSeen: nullable(array(object({ tool: str, views: count }))),
});
const links = object({ project: str, funnel: str, latencySql: str, errors: str, replays: str });
const tested = object({
  text: str,
  direction: oneOf(['up', 'down', 'flat']),
  verdict: oneOf(['better', 'worse', 'neutral']),
  lowSample: bool,
  significant: bool,
  detail: str,
});
const changes = object({
  conversion: nullable(tested),
  p95: nullable(tested),
  failureRate: nullable(tested),
  errors: array(object({ type: str, significant: bool, detail: str })),
});
const failed = object({ ok: literal(false), error: failure });
const triageRow = object({ jobId: nullable(str), durationMs: maybeNumber, at: str, detail: nullable(str), eventUrl: str, replayUrl: nullable(str) });
const position = object({ position: num, of: num });
const rankedTool = object({
  tool: str,
  started: count,
  failed: count,
  viewers: count,
  downloaders: count,
  n: count,
  p95Ms: maybeNumber,
  standing: object({
    tool: str,
    p95: nullable(position),
    failureRate: nullable(object({ position: num, of: num, timesMedian: maybeNumber })),
    viewToDownload: nullable(position),
  }),
});

/** The requests a card makes, each with the check of its answer. */
const checks = {
  'tool-metrics/get': either(
    object({ ok: literal(true), metrics: toolMetrics, links, changes, stale: optional(failure), computing: optional(computing) }),
    object({ ok: literal(false), error: failure, computing: optional(computing) }),
  ),
  'triage/get': either(object({ ok: literal(true), triage: object({ slowest: array(triageRow), failures: array(triageRow) }) }), failed),
  'ranking/get': either(object({ ok: literal(true), ranking: object({ range, at: num, tools: array(rankedTool, 200) }) }), failed),
  'annotations/get': either(object({ ok: literal(true), annotations: array(object({ id: num, content: strMax(400), at: num }), 50) }), failed),
  'lookup/open': object({ ok: bool, where: oneOf(['panel', 'tab', 'none']) }),
  'options/open': object({ ok: bool }),
} satisfies Record<string, Check>;

export type CardRequestType = keyof typeof checks;
export const CARD_REQUEST_TYPES = Object.keys(checks) as CardRequestType[];

/** The answer if it has the protocol's shape for `type`, else null. */
export function cardAnswer<T extends CardRequestType>(type: T, raw: unknown): ResponseFor<T> | null {
  return checks[type](raw) ? (raw as ResponseFor<T>) : null;
}

/** A card request to the worker, its answer checked as above; the worker checks the request. */
export async function askWorker<R extends Extract<Request, { type: CardRequestType }>>(request: R): Promise<ResponseFor<R['type']>> {
  return checkedAnswer(request.type as R['type'], await browser.runtime.sendMessage(request));
}

/** The answer, or the same error as sendRequest's (lib/protocol/messaging.ts) when it is not the protocol's. */
export function checkedAnswer<T extends CardRequestType>(type: T, raw: unknown): ResponseFor<T> {
  const answer = cardAnswer(type, raw);
  if (!answer) throw new Error(`The Tool Lens background worker answered in an unexpected shape (not a ${type} answer)`);
  return answer;
}

import { describe, expect, it } from 'vitest';
import { CARD_REQUEST_TYPES, cardAnswer, type CardRequestType } from './cardAnswers';
import { responseSchemas } from './messages';

const q = (n: number) => ({ n, p50Ms: 100, p95Ms: 900, p99Ms: null, meanMs: 300.5, p95IntervalMs: [800, null] });
const metrics = {
  tool: 'pdf-to-text',
  range: '7d',
  asOf: '2026-11-25T10:00:00Z',
  segment: { kind: 'group', property: 'plan', value: 'pro', groupIndex: 0, groupType: 'company' },
  split: { at: 1_764_000_000_000, seconds: 3600 },
  funnel: { unit: 'sessions', windowHours: 24, steps: [{ label: 'Viewed', current: 10, previous: 9 }] },
  latency: { current: q(5), previous: q(4), failed: q(1), spark: [{ at: 86_400, n: 3, p95Ms: null }] },
  jobs: {
    current: { views: 10, started: 6, completed: 5, failed: 1, cacheHits: 1, downloads: 3 },
    previous: { views: 9, started: 5, completed: 4, failed: 1, cacheHits: 0, downloads: 2 },
  },
  errors: [{ type: 'timeout', current: 1, previous: 1 }],
  more: { auth: [{ label: 'anonymous', count: 7 }], fileTypes: [{ type: 'pdf', count: 6, meanBytes: 9000.5 }], formats: [{ format: 'txt', count: 3 }] },
  llm: { generations: 2, p95LatencyS: 1.5, costUsd: 0.01, errors: 0, inputTokens: 100, outputTokens: 50 },
  health: { failuresLastHour: 0, completedLastHour: 4, meanDurationMsLastHour: null, status: 'alert', reasons: ['slow'] },
  sample: { factor: 10, events: 1000 },
  events: 5000,
  toolsSeen: [{ tool: 'other', views: 3 }],
};
const links = { project: 'p', funnel: 'f', latencySql: 'l', errors: 'e', replays: 'r' };
const tested = { text: '▲ 2.0 pts', direction: 'up', verdict: 'neutral', lowSample: true, significant: false, detail: '95 % interval' };
const changes = {
  conversion: tested,
  p95: { ...tested, direction: 'flat', verdict: 'better', significant: true },
  failureRate: null,
  errors: [{ type: 'timeout', significant: false, detail: 'x' }],
};
const failure = { kind: 'rate_limited', message: 'slow down', retryInMs: 1000 };
const computing = { since: 1, rowsRead: 10, rowsTotal: null, askAgainInMs: 500 };
const row = { jobId: null, durationMs: 12, at: '2026-11-25T10:00:00Z', detail: 'x', eventUrl: 'u', replayUrl: null };
const ranked = {
  tool: 't',
  started: 1,
  failed: 0,
  viewers: 2,
  downloaders: 1,
  n: 1,
  p95Ms: null,
  standing: { tool: 't', p95: { position: 1, of: 2 }, failureRate: { position: 1, of: 2, timesMedian: null }, viewToDownload: null },
};

/** Good answers of each kind the card reads, every optional field present somewhere. */
const GOOD: Record<CardRequestType, unknown[]> = {
  'tool-metrics/get': [
    { ok: true, metrics, links, changes, stale: failure, computing },
    {
      ok: true,
      metrics: { ...metrics, segment: null, split: undefined, llm: null, sample: undefined, events: undefined, toolsSeen: null },
      links,
      changes: { conversion: null, p95: null, failureRate: { ...tested, direction: 'down', verdict: 'worse' }, errors: [] },
    },
    { ok: false, error: failure, computing },
  ],
  'triage/get': [
    { ok: true, triage: { slowest: [row], failures: [{ ...row, jobId: 'j', replayUrl: 'r', detail: null, durationMs: null }] } },
    { ok: false, error: { kind: 'extension', message: 'gone' } },
  ],
  'ranking/get': [
    { ok: true, ranking: { range: '24h', at: 5, tools: [ranked] } },
    { ok: false, error: failure },
  ],
  'annotations/get': [
    { ok: true, annotations: [{ id: 1, content: 'deploy', at: 2 }] },
    { ok: false, error: failure },
  ],
  'lookup/open': [
    { ok: true, where: 'panel' },
    { ok: false, where: 'none' },
  ],
  'options/open': [{ ok: true }],
};

/** Every path to a value inside `value` (object keys and array indices). */
function paths(value: unknown, at: Array<string | number> = []): Array<Array<string | number>> {
  if (typeof value !== 'object' || value === null) return [at];
  const keys = Array.isArray(value) ? value.map((_, i) => i) : Object.keys(value);
  return [at, ...keys.flatMap((k) => paths((value as Record<string | number, unknown>)[k], [...at, k]))];
}
function replaced(value: unknown, path: Array<string | number>, next: unknown): unknown {
  if (path.length === 0) return next;
  const copy: any = Array.isArray(value) ? [...value] : { ...(value as object) };
  const [head, ...rest] = path;
  if (next === DELETE && rest.length === 0) delete copy[head!];
  else copy[head!] = replaced(copy[head!], rest, next);
  return copy;
}
const DELETE = Symbol('delete');
const BREAKS: unknown[] = [
  DELETE,
  undefined,
  null,
  'x',
  '',
  -1,
  0,
  1,
  2,
  1.5,
  150,
  70_000,
  2 ** 60,
  NaN,
  Infinity,
  true,
  false,
  [],
  {},
  'panel',
  'ok',
  'alert',
  'persons',
  '30d',
  'a'.repeat(401),
  [null, null, null],
];

describe('the card checks answers as the protocol does, without zod', () => {
  it('lists exactly the requests the card script makes', () => {
    expect(CARD_REQUEST_TYPES.sort()).toEqual(['annotations/get', 'lookup/open', 'options/open', 'ranking/get', 'tool-metrics/get', 'triage/get']);
  });
  for (const type of CARD_REQUEST_TYPES) {
    it(`${type}: the same verdict as zod on good answers and on every one-field break of them`, () => {
      let checked = 0;
      let rejected = 0;
      for (const good of GOOD[type]) {
        expect(responseSchemas[type].safeParse(good).success).toBe(true);
        expect(cardAnswer(type, good)).toBe(good);
        for (const path of paths(good))
          for (const next of BREAKS) {
            const broken = replaced(good, path, next);
            const zod = responseSchemas[type].safeParse(broken).success;
            const plain = cardAnswer(type, broken) !== null;
            if (plain !== zod)
              throw new Error(
                `${type} at ${path.join('.') || '(root)'} = ${String(next === DELETE ? 'deleted' : JSON.stringify(next))}: zod says ${zod}, the plain check ${plain}`,
              );
            checked++;
            if (!zod) rejected++;
          }
      }
      expect(rejected).toBeGreaterThan(checked / 3);
    });
  }
  it('answers null, never throws, on what is not an answer at all', () => {
    for (const type of CARD_REQUEST_TYPES) for (const raw of [undefined, null, 'x', 1, [], {}, { ok: 'true' }]) expect(cardAnswer(type, raw)).toBeNull();
  });
});

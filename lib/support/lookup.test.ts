import { describe, expect, it } from 'vitest';
import { durationStanding, exceptionsByJob, lookupRowsSchema, standingWords, toPersonLookup, type LookupContext, type LookupRows } from './lookup';
import { lookupSummary } from './summary';

const BASE = 'https://ph.test';
const ctx: LookupContext = {
  baseUrl: BASE,
  projectId: '7',
  range: '7d',
  value: 'ada@example.com',
  match: 'email',
  personProperties: ['email', 'plan'],
  asOf: '2026-01-10T12:00:00Z',
  jobsUrl: (id) => `${BASE}/jobs-of/${id}`,
};
const T = Date.parse('2026-01-10T10:00:00Z');
const person = (id: string, lastMs: number, list = ['ada-1']): LookupRows[number] => [
  'person',
  id,
  ['ada@example.com', 'pro \\"gold\\"'],
  [lastMs, lastMs - 60_000, 12, 3, 0, 0, 0],
  list,
];
const job = (key: string, tool: string, lastMs: number, failed: boolean, duration: number | null, session: string | null = 's1'): LookupRows[number] => [
  'job',
  key,
  [tool, key, failed ? 'ocr_failed' : null, `uuid-${key}`, session, session, 'p1'],
  [lastMs - 1000, lastMs, duration, failed ? 1 : 0, failed ? 0 : duration === null ? 0 : 1],
  [],
];

describe("turning PostHog's answer into the panel's", () => {
  it('reads every kind of row, checked by the schema', () => {
    const rows = lookupRowsSchema.parse([
      person('p1', T),
      ['totals', 'p1', [], [3, 1], []],
      job('a', 'pdf-to-text', T - 5000, true, 4200),
      job('b', 'news-analyzer', T - 1000, false, 900),
      job('c', 'csv-cleaner', T - 500, false, null),
      ['tool', 'pdf-to-text', [], [20, 1000, 1900], []],
      ['exception', 'e1', [null, '"TypeError"', null, '"Cannot read \\"x\\""', 's1', 'issue-9'], [T - 4000], []],
    ]);
    const lookup = toPersonLookup(rows, ctx);
    expect(lookup.persons).toEqual([
      {
        id: 'p1',
        url: `${BASE}/project/7/persons/p1`,
        jobsUrl: `${BASE}/jobs-of/p1`,
        distinctIds: ['ada-1'],
        moreDistinctIds: false,
        // Person properties come as PostHog stores strings (JSON escapes kept): shown as sent.
        properties: [
          { name: 'email', value: 'ada@example.com' },
          { name: 'plan', value: 'pro "gold"' },
        ],
        lastSeen: new Date(T).toISOString(),
        firstSeen: new Date(T - 60_000).toISOString(),
        events: 12,
        jobs: 3,
        failedJobs: 1,
        matchedBy: ['email'],
      },
    ]);
    // Failures first, then the rest newest first; a job with no end yet is "started".
    expect(lookup.jobs.map((j) => [j.jobId, j.status, j.durationMs])).toEqual([
      ['a', 'failed', 4200],
      ['c', 'started', null],
      ['b', 'completed', 900],
    ]);
    expect(lookup.jobs[0]).toMatchObject({
      tool: 'pdf-to-text',
      errorType: 'ocr_failed',
      eventUrl: `${BASE}/project/7/events/uuid-a/${encodeURIComponent(new Date(T - 5000).toISOString())}`,
      replayUrl: `${BASE}/project/7/replay/s1`,
      sessionId: 's1',
    });
    expect(lookup.tools).toEqual([{ tool: 'pdf-to-text', n: 20, p50Ms: 1000, p95Ms: 1900 }]);
    // The exception's type and message from $exception_list's first entry, as raw JSON: read exactly.
    expect(lookup.exceptions).toEqual([
      {
        type: 'TypeError',
        message: 'Cannot read "x"',
        at: new Date(T - 4000).toISOString(),
        sessionId: 's1',
        eventUrl: `${BASE}/project/7/events/e1/${encodeURIComponent(new Date(T - 4000).toISOString())}`,
        replayUrl: `${BASE}/project/7/replay/s1`,
        issueUrl: `${BASE}/project/7/error_tracking/issue-9`,
      },
    ]);
  });

  it("prefers $exception_type and $exception_message, as PostHog's own UI does", () => {
    const lookup = toPersonLookup([['exception', 'e1', ['ValueError', '"TypeError"', 'bad value', '"other"', null, null], [T], []]], ctx);
    expect(lookup.exceptions[0]).toMatchObject({ type: 'ValueError', message: 'bad value', replayUrl: null, issueUrl: null });
  });

  it('bounds what PostHog sends: 5 people, 50 failures and 50 other jobs, 10 distinct ids', () => {
    const rows: LookupRows = [
      ...Array.from({ length: 6 }, (_, i) =>
        person(
          `p${i}`,
          T - i * 1000,
          Array.from({ length: 11 }, (_, k) => `d${k}`),
        ),
      ),
      ...Array.from({ length: 60 }, (_, i) => job(`f${i}`, 't', T - i * 1000, true, 10)),
      ...Array.from({ length: 70 }, (_, i) => job(`o${i}`, 't', T - i * 1000, false, 10)),
    ];
    const lookup = toPersonLookup(rows, ctx);
    expect(lookup.persons.map((p) => p.id)).toEqual(['p0', 'p1', 'p2', 'p3', 'p4']);
    expect(lookup.morePersons).toBe(true);
    expect(lookup.persons[0]!.distinctIds).toHaveLength(10);
    expect(lookup.persons[0]!.moreDistinctIds).toBe(true);
    expect(
      lookup.jobs
        .filter((j) => j.status === 'failed')
        .map((j) => j.jobId)
        .slice(0, 2),
    ).toEqual(['f0', 'f1']);
    expect(lookup.jobs).toHaveLength(100);
  });

  it('refuses an answer in another shape', () => {
    expect(lookupRowsSchema.safeParse([['who', 'x', [], [], []]]).success).toBe(false);
    expect(lookupRowsSchema.safeParse([['job', 'x', [1], [], []]]).success).toBe(false);
  });
});

describe("a job against its tool's p50/p95", () => {
  const stats = { tool: 't', n: 20, p50Ms: 1000, p95Ms: 3000 };
  it('says over p95, over p50, or within p50', () => {
    expect(durationStanding(3001, stats)).toBe('above_p95');
    expect(durationStanding(3000, stats)).toBe('above_p50');
    expect(durationStanding(1000, stats)).toBe('typical');
    expect(durationStanding(null, stats)).toBeNull();
    expect(durationStanding(5, undefined)).toBeNull();
    expect(standingWords(4000, stats)).toBe('over p95 (3.00 s)');
    expect(standingWords(2000, stats)).toBe('over p50 (1.00 s), within p95 (3.00 s)');
  });
});

describe('exceptions beside jobs', () => {
  it('puts each exception beside the jobs of its session, the rest apart', () => {
    const lookup = toPersonLookup(
      [
        job('a', 't', T, true, 1, 's1'),
        job('b', 't', T - 1, false, 1, null),
        ['exception', 'e1', [null, '"A"', null, null, 's1', null], [T], []],
        ['exception', 'e2', [null, '"B"', null, null, 's9', null], [T], []],
      ],
      ctx,
    );
    const { byJob, others } = exceptionsByJob(lookup.jobs, lookup.exceptions);
    expect(byJob.get(0)!.map((e) => e.type)).toEqual(['A']);
    expect(byJob.has(1)).toBe(false);
    expect(others.map((e) => e.type)).toEqual(['B']);
  });
});

describe('copy for the ticket', () => {
  it('keeps every piece of event data in code spans, one line each, with links into PostHog', () => {
    const lookup = toPersonLookup(
      [
        ['person', 'p1', ['ada@example.com\n# heading', 'pro'], [T, T, 3, 1, 0, 0, 0], ['ada-1']],
        ['totals', 'p1', [], [2, 1], []],
        job('a`b', '[x](http://evil)', T, true, 4200),
        job('b', 'news-analyzer', T - 10, false, 900),
        ['tool', '[x](http://evil)', [], [20, 1000, 3000], []],
        ['exception', 'e1', [null, '"TypeError"', null, '"boom"', 's1', null], [T], []],
      ],
      ctx,
    );
    const text = lookupSummary(lookup);
    expect(text).toContain('**Tool Lens: `ada@example.com`** (email), last 7 days');
    expect(text).toContain('- Person: email `ada@example.com # heading` · plan `pro` · distinct ids `ada-1`');
    expect(text).toContain('`[x](http://evil)` job ``a`b`` failed with `ocr_failed` after 4.20 s (over p95 (3.00 s))');
    expect(text).toContain('- Jobs: 2, 1 failed');
    expect(text).toContain('`TypeError` `boom`');
    expect(text).not.toMatch(/^#/m);
    expect(text).toContain(`[event](${BASE}/project/7/events/`);
  });

  it('says when nobody matches', () => {
    expect(lookupSummary(toPersonLookup([], { ...ctx, match: 'any_id', value: 'nobody' }))).toBe(
      '**Tool Lens: `nobody`** (id), last 7 days, as of 2026-01-10T12:00:00Z\n- Nobody in PostHog matches it in the last 7 days.',
    );
  });
});

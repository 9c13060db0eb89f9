/**
 * Support's lookup of one person across every tool (lib/support/), through the worker's own service
 * and session against the local server, on people, sessions, jobs and exceptions sent with the real
 * posthog-node client — `capture` with `$set` person properties and `$session_id`, and
 * `captureException`, which sends `$exception` with `$exception_list` (each entry's `type` and `value`,
 * the error first: @posthog/core error-properties-builder), the list PostHog's own UI reads an
 * exception's type and message from when `$exception_type` / `$exception_message` are absent
 * (frontend/src/lib/components/Errors/utils.ts `getExceptionAttributes`). Every figure is worked out
 * here from the events sent. The project is in America/Los_Angeles: times come back as instants all the same.
 */
import { randomUUID } from 'node:crypto';
import { PostHog } from 'posthog-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSession } from '../lib/connection/session';
import type { LookupBy, PersonLookup } from '../lib/model/person';
import { DEFAULT_METRICS_OPTIONS, type Settings } from '../lib/settings/settings';
import { memoryStore } from '../lib/storage/store';
import { exceptionsByJob } from '../lib/support/lookup';
import { createSupportService } from '../lib/support/lookupService';
import { startLocalPostHog, type LocalPostHog } from './server';

let ph: LocalPostHog;
let settings: Settings;
let queries = 0;
const NOW = Date.now();
const MIN = 60_000;
const at = (msAgo: number) => new Date(NOW - msAgo);

interface Sent {
  event: string;
  distinctId: string;
  ms: number;
  properties: Record<string, unknown>;
  uuid: string;
}
const sent: Sent[] = [];
const FAILED_UUID = randomUUID();

beforeAll(async () => {
  ph = await startLocalPostHog({ timezone: 'America/Los_Angeles' });
  settings = {
    host: 'custom',
    customHost: ph.url,
    projectId: String(ph.projectId),
    apiKey: ph.apiKey,
    ...DEFAULT_METRICS_OPTIONS,
    personProperties: 'name, plan',
  };
  const node = new PostHog(ph.projectApiKey, { host: ph.url, flushAt: 500, maxBatchSize: 500, maxQueueSize: 20_000, flushInterval: 0 });
  const capture = (distinctId: string, event: string, msAgo: number, properties: Record<string, unknown>, uuid = randomUUID()) => {
    sent.push({ event, distinctId, ms: NOW - msAgo, properties, uuid });
    node.capture({ distinctId, event, timestamp: at(msAgo), properties, uuid });
  };
  // Ada: three jobs on three tools in two sessions: one failed, one completed, one never ended.
  const ada = (session: string, extra: Record<string, unknown>) => ({ $session_id: session, session_id: `tool-${session}`, ...extra });
  capture(
    'ada-1',
    'tool_viewed',
    60 * MIN,
    ada('sess-ada-1', { tool_name: 'pdf-to-text', $set: { email: 'Ada.Lovelace@Example.com', name: 'Ada Lovelace', plan: 'pro' } }),
  );
  capture('ada-1', 'tool_processing_started', 50 * MIN, ada('sess-ada-1', { tool_name: 'pdf-to-text', job_id: 'ada-job-1' }));
  capture(
    'ada-1',
    'tool_processing_failed',
    49 * MIN,
    ada('sess-ada-1', { tool_name: 'pdf-to-text', job_id: 'ada-job-1', error_type: 'ocr_failed', processing_duration_ms: 4200 }),
    FAILED_UUID,
  );
  capture('ada-1', 'tool_processing_started', 30 * MIN, ada('sess-ada-2', { tool_name: 'news-analyzer', job_id: 'ada-job-2' }));
  capture('ada-1', 'tool_processing_completed', 29 * MIN, ada('sess-ada-2', { tool_name: 'news-analyzer', job_id: 'ada-job-2', processing_duration_ms: 900 }));
  capture('ada-1', 'tool_processing_started', 10 * MIN, ada('sess-ada-2', { tool_name: 'csv-cleaner', job_id: 'ada-job-3' }));
  // Everyone else's completed jobs: what Ada's durations are put against.
  for (let i = 1; i <= 20; i++)
    capture(`crowd-${i}`, 'tool_processing_completed', (100 + i) * MIN, {
      tool_name: 'pdf-to-text',
      job_id: `crowd-pdf-${i}`,
      processing_duration_ms: 200 * i,
      $session_id: `sess-crowd-${i}`,
    });
  for (let i = 1; i <= 9; i++)
    capture(`crowd-${i}`, 'tool_processing_completed', (200 + i) * MIN, {
      tool_name: 'news-analyzer',
      job_id: `crowd-news-${i}`,
      processing_duration_ms: 100 * i,
    });
  // Grace is known (she viewed a tool) but started no job.
  capture('grace-7', 'tool_viewed', 20 * MIN, { tool_name: 'pdf-to-text', $set: { email: 'grace@example.org', plan: 'free' } });
  // Bea ran thousands of jobs in the last six days: 2,400 completed, 30 failed.
  for (let i = 0; i < 2430; i++) {
    const msAgo = 5 * MIN + i * 3 * MIN;
    const failed = i % 81 === 40;
    capture('busy-bea', 'tool_processing_started', msAgo + 1000, { tool_name: 'csv-cleaner', job_id: `bea-${i}` });
    capture('busy-bea', failed ? 'tool_processing_failed' : 'tool_processing_completed', msAgo, {
      tool_name: 'csv-cleaner',
      job_id: `bea-${i}`,
      processing_duration_ms: 50 + (i % 97),
      ...(failed ? { error_type: 'bad_csv' } : {}),
    });
  }
  // The page broke in Ada's first session; other exceptions are in sessions with none of her jobs.
  node.captureException(new TypeError('Cannot read properties of undefined (reading "pages")'), 'ada-1', { $session_id: 'sess-ada-1' });
  node.captureException(new RangeError('not hers'), 'crowd-1', { $session_id: 'sess-crowd-1' });
  node.captureException(new Error('no job in this session'), 'ada-1', { $session_id: 'sess-ada-9' });
  await node.shutdown();
}, 240_000);
afterAll(() => ph?.close());

function support() {
  const session = createSession({
    loadSettings: async () => ({ status: 'configured', settings }),
    store: memoryStore(),
    budget: { capacity: 1000, refillPerHour: 1000 },
    fetch: async (input, init) => {
      if (String(input).includes('/query/') && init?.method === 'POST') queries++;
      return fetch(input, init);
    },
  });
  return createSupportService({ session });
}
async function lookUp(value: string, by: LookupBy = 'auto', range: '7d' | '30d' = '7d'): Promise<PersonLookup> {
  const answer = await support().lookup({ range, by, value, refresh: true });
  if (!answer.ok) throw new Error(answer.error.message);
  return answer.lookup;
}

/** The value at ⌊q·n⌋ of the sorted durations: the card's exact percentile (lib/card/query.ts exactQuantile). */
function exact(tool: string) {
  const ds = sent
    .filter((e) => e.event === 'tool_processing_completed' && e.properties.tool_name === tool)
    .map((e) => e.properties.processing_duration_ms as number);
  const sorted = ds.sort((a, b) => a - b);
  return { tool, n: sorted.length, p50Ms: sorted[Math.floor(0.5 * sorted.length)]!, p95Ms: sorted[Math.floor(0.95 * sorted.length)]! };
}

describe("support's lookup on the local server", () => {
  it('finds Ada by her email, in any case, with one query: who she is, her jobs on every tool, failures first', async () => {
    const before = queries;
    const lookup = await lookUp('ada.lovelace@EXAMPLE.com');
    expect(queries - before).toBe(1);
    expect(lookup.match).toBe('email');
    expect(lookup.persons).toHaveLength(1);
    const [person] = lookup.persons;
    // Her exceptions count as seen too: posthog-node stamps them when captured, so their times are read back.
    const [seen] = (await ph.query(
      "SELECT max(toUnixTimestamp64Milli(timestamp)) AS last, min(toUnixTimestamp64Milli(timestamp)) AS first, count() AS n FROM events WHERE distinct_id = 'ada-1' FORMAT JSONEachRow",
    )) as Array<{ last: number | string; first: number | string; n: number | string }>;
    expect(Number(seen!.n)).toBe(sent.filter((e) => e.distinctId === 'ada-1').length + 2);
    expect(person).toMatchObject({
      distinctIds: ['ada-1'],
      // The email property first, then the chosen ones, as her events carry them.
      properties: [
        { name: 'email', value: 'Ada.Lovelace@Example.com' },
        { name: 'name', value: 'Ada Lovelace' },
        { name: 'plan', value: 'pro' },
      ],
      lastSeen: new Date(Number(seen!.last)).toISOString(),
      firstSeen: new Date(Number(seen!.first)).toISOString(),
      events: Number(seen!.n),
      jobs: 3,
      failedJobs: 1,
      matchedBy: ['email'],
    });
    expect(person!.url).toBe(`${ph.url}/project/${ph.projectId}/persons/${person!.id}`);
    expect(lookup.jobs.map((j) => [j.tool, j.jobId, j.status, j.errorType, j.durationMs])).toEqual([
      ['pdf-to-text', 'ada-job-1', 'failed', 'ocr_failed', 4200],
      ['csv-cleaner', 'ada-job-3', 'started', null, null],
      ['news-analyzer', 'ada-job-2', 'completed', null, 900],
    ]);
    const failed = lookup.jobs[0]!;
    expect(failed).toMatchObject({
      startedAt: at(50 * MIN).toISOString(),
      at: at(49 * MIN).toISOString(),
      eventUrl: `${ph.url}/project/${ph.projectId}/events/${FAILED_UUID}/${encodeURIComponent(at(49 * MIN).toISOString())}`,
      replayUrl: `${ph.url}/project/${ph.projectId}/replay/sess-ada-1`,
      sessionId: 'sess-ada-1',
    });
    // Each tool's p50/p95 over every user's completed jobs in the range: csv-cleaner's are Bea's.
    expect(lookup.tools.sort((a, b) => a.tool.localeCompare(b.tool))).toEqual([exact('csv-cleaner'), exact('news-analyzer'), exact('pdf-to-text')]);
  });

  it("puts the exception of her failed job's session beside it, and none from sessions without her jobs", async () => {
    const lookup = await lookUp('ada-1', 'distinct_id');
    expect(lookup.persons[0]!.matchedBy).toEqual(['distinct_id']);
    expect(lookup.exceptions).toHaveLength(1);
    expect(lookup.exceptions[0]).toMatchObject({
      type: 'TypeError',
      message: 'Cannot read properties of undefined (reading "pages")',
      sessionId: 'sess-ada-1',
      replayUrl: `${ph.url}/project/${ph.projectId}/replay/sess-ada-1`,
      issueUrl: null,
    });
    const { byJob, others } = exceptionsByJob(lookup.jobs, lookup.exceptions);
    expect(byJob.get(0)!.map((e) => e.type)).toEqual(['TypeError']);
    expect(others).toEqual([]);
  });

  it('finds her by any of her ids: a session (PostHog’s or the tool’s), a job id', async () => {
    for (const [value, by, matched] of [
      ['sess-ada-2', 'auto', 'session_id'],
      ['tool-sess-ada-1', 'session_id', 'session_id'],
      ['ada-job-2', 'auto', 'job_id'],
      ['ada-job-1', 'job_id', 'job_id'],
    ] as const) {
      const lookup = await lookUp(value, by);
      expect(
        lookup.persons.map((p) => [p.distinctIds, p.matchedBy, p.jobs]),
        value,
      ).toEqual([[['ada-1'], [matched], 3]]);
    }
  });

  it('finds someone with no jobs, and says so', async () => {
    const lookup = await lookUp('grace@example.org');
    expect(lookup.persons.map((p) => [p.distinctIds, p.jobs, p.properties.find((x) => x.name === 'plan')?.value])).toEqual([[['grace-7'], 0, 'free']]);
    expect(lookup.jobs).toEqual([]);
    expect(lookup.tools).toEqual([]);
  });

  it('bounds a person with thousands of jobs: every failure, the latest others, the count of all and a link to them in PostHog', async () => {
    const lookup = await lookUp('busy-bea', 'distinct_id', '30d');
    const beas = sent.filter((e) => e.distinctId === 'busy-bea' && e.event !== 'tool_processing_started');
    const failures = beas.filter((e) => e.event === 'tool_processing_failed').sort((a, b) => b.ms - a.ms);
    const others = beas.filter((e) => e.event === 'tool_processing_completed').sort((a, b) => b.ms - a.ms);
    expect(lookup.persons[0]).toMatchObject({ jobs: 2430, failedJobs: failures.length, events: 4860 });
    expect(lookup.jobs.filter((j) => j.status === 'failed').map((j) => j.jobId)).toEqual(failures.map((e) => e.properties.job_id));
    expect(lookup.jobs.filter((j) => j.status !== 'failed').map((j) => j.jobId)).toEqual(others.slice(0, 50).map((e) => e.properties.job_id));
    // The link opens every job of hers as a SQL insight, her person id a placeholder value.
    const link = new URL(lookup.persons[0]!.jobsUrl);
    const insight = JSON.parse(decodeURIComponent(link.hash.slice(3))) as { source: { query: string; values: Record<string, unknown> } };
    expect(insight.source.values.person_id).toBe(lookup.persons[0]!.id);
    const all = await fetch(`${ph.url}/api/projects/${ph.projectId}/query/`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ph.apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ query: { kind: 'HogQLQuery', ...insight.source } }),
    });
    expect(((await all.json()) as { results: unknown[] }).results).toHaveLength(4860);
  });

  it('finds nobody for an unknown id or a value that is SQL in disguise', async () => {
    for (const value of ['nobody-at-all', "x' OR 1=1 --", 'ada-1" OR "1"="1']) {
      const lookup = await lookUp(value);
      expect(lookup.persons, value).toEqual([]);
      expect(lookup.jobs).toEqual([]);
    }
  });
});

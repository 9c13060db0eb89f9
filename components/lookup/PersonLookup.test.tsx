import { render } from 'preact';
import { act } from 'preact/test-utils';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { PersonLookupResponse } from '../../lib/protocol/messages';
import type { LookupBy, PersonLookup as Lookup } from '../../lib/model/person';
import { PersonLookup } from './PersonLookup';
import type { IncomingLookups } from './useIncomingLookups';
import type { LookupQuestion } from './usePersonLookup';

let host: HTMLElement;
afterEach(() => {
  render(null, host);
  host.remove();
});

const NOW = Date.now();
const iso = (msAgo: number) => new Date(NOW - msAgo).toISOString();
const person = {
  id: 'p1',
  url: 'https://ph.test/project/1/persons/p1',
  jobsUrl: 'https://ph.test/jobs',
  distinctIds: ['ada-1', 'anon-9'],
  moreDistinctIds: false,
  properties: [
    { name: 'email', value: 'ada@example.com' },
    { name: 'plan', value: null },
  ],
  firstSeen: iso(90_000),
  lastSeen: iso(60_000),
  events: 9,
  jobs: 3,
  failedJobs: 1,
  matchedBy: ['email' as const],
};
const job = (over: Partial<Lookup['jobs'][number]>): Lookup['jobs'][number] => ({
  tool: 'pdf-to-text',
  jobId: 'case-17-a',
  status: 'completed',
  errorType: null,
  durationMs: 1500,
  startedAt: iso(120_000),
  at: iso(100_000),
  eventUrl: 'https://ph.test/project/1/events/e1/t',
  replayUrl: 'https://ph.test/project/1/replay/s1',
  sessionId: 's1',
  personId: 'p1',
  ...over,
});
const FOUND: Lookup = {
  range: '7d',
  value: 'ada@example.com',
  match: 'email',
  asOf: iso(1000),
  persons: [person],
  morePersons: false,
  jobs: [
    job({ jobId: 'case-17-a', status: 'failed', errorType: 'ocr_failed', durationMs: 4200 }),
    job({ jobId: 'case-17-b', tool: 'news-analyzer', durationMs: 900, replayUrl: null, sessionId: 's2' }),
  ],
  tools: [{ tool: 'pdf-to-text', n: 20, p50Ms: 1000, p95Ms: 3000 }],
  exceptions: [
    {
      type: 'TypeError',
      message: '<b>not bold</b>',
      at: iso(110_000),
      sessionId: 's1',
      eventUrl: 'https://ph.test/project/1/events/x/t',
      replayUrl: null,
      issueUrl: 'https://ph.test/project/1/error_tracking/i1',
    },
  ],
};

async function mount(
  answer: PersonLookupResponse | ((q: LookupQuestion) => Promise<PersonLookupResponse>),
  extra: { incoming?: IncomingLookups; copy?: (t: string) => Promise<void>; tool?: string } = {},
) {
  host = document.createElement('div');
  document.body.append(host);
  const lookUp = vi.fn(typeof answer === 'function' ? answer : async (_q: LookupQuestion) => answer);
  await act(() => render(<PersonLookup range="7d" lookUp={lookUp} {...extra} />, host));
  return lookUp;
}
async function type(selector: string, value: string) {
  await act(() => {
    const input = host.querySelector<HTMLInputElement | HTMLSelectElement>(selector)!;
    input.value = value;
    input.dispatchEvent(new Event(input.tagName === 'SELECT' ? 'change' : 'input', { bubbles: true }));
  });
}
const submit = () => act(async () => void host.querySelector('form')!.dispatchEvent(new Event('submit', { bubbles: true, cancelable: true })));
const settle = () => act(async () => void (await new Promise((r) => setTimeout(r, 0))));

describe('person lookup (side panel)', () => {
  it('asks with what is typed, and shows who it is and their jobs on every tool, failures first, as text with links', async () => {
    const lookUp = await mount({ ok: true, lookup: FOUND });
    await type('#lookup-value', '  ada@example.com ');
    await submit();
    expect(lookUp).toHaveBeenCalledWith({ range: '7d', by: 'auto', value: 'ada@example.com' });
    const who = host.querySelector('[data-testid="lookup-person"]')!;
    expect(who.querySelector('h3')!.textContent).toBe('ada@example.com');
    expect(host.querySelector('[data-testid="person-distinct-ids"]')!.textContent).toBe('ada-1, anon-9');
    expect(host.querySelector('[data-testid="person-property-plan"]')!.textContent).toBe('not set');
    expect(who.querySelector('a')!.getAttribute('href')).toBe(person.url);
    const rows = [...host.querySelectorAll('[data-testid="lookup-job"]')];
    expect(rows.map((r) => [r.getAttribute('data-status'), r.getAttribute('data-tool')])).toEqual([
      ['failed', 'pdf-to-text'],
      ['completed', 'news-analyzer'],
    ]);
    expect(rows[0]!.textContent).toContain('failed: ocr_failed');
    expect(rows[0]!.querySelector('[data-testid="job-duration"]')!.textContent).toBe('4.20 s · over p95 (3.00 s)');
    // Its session's exception sits beside it, as text: markup in event data is never markup here.
    const exception = rows[0]!.querySelector('[data-testid="lookup-exception"]')!;
    expect(exception.textContent).toContain('TypeError: <b>not bold</b>');
    expect(exception.querySelector('b')).toBeNull();
    expect([...rows[0]!.querySelectorAll(':scope > .job-meta a')].map((a) => a.getAttribute('href'))).toEqual([
      FOUND.jobs[0]!.eventUrl,
      FOUND.jobs[0]!.replayUrl,
    ]);
    expect(rows[1]!.querySelectorAll('.job-meta a')).toHaveLength(1);
    expect(host.querySelector('[data-testid="lookup-jobs"] h3')!.textContent).toBe('Jobs on every tool: 3, 1 failed');
    // Three jobs, two listed: the rest are in PostHog.
    expect(host.querySelector('[data-testid="lookup-more-link"]')!.getAttribute('href')).toBe('https://ph.test/jobs');
  });

  it("starts on the page's own tool's jobs when the person used several, and shows every tool on request", async () => {
    await mount({ ok: true, lookup: FOUND }, { tool: 'news-analyzer' });
    await type('#lookup-value', 'ada@example.com');
    await submit();
    expect([...host.querySelectorAll('[data-testid="lookup-job"]')].map((r) => r.getAttribute('data-tool'))).toEqual(['news-analyzer']);
    await type('#lookup-tool-filter', '');
    expect(host.querySelectorAll('[data-testid="lookup-job"]')).toHaveLength(2);
  });

  it('says who was found with no jobs, and when nobody matches', async () => {
    const answers = [
      { ok: true as const, lookup: { ...FOUND, persons: [{ ...person, jobs: 0, failedJobs: 0 }], jobs: [], exceptions: [] } },
      { ok: true as const, lookup: { ...FOUND, value: 'nobody-at-all', match: 'any_id' as const, persons: [], jobs: [] } },
    ];
    await mount(async () => answers.shift()!);
    await type('#lookup-value', 'ada@example.com');
    await submit();
    expect(host.querySelector('[data-testid="lookup-no-jobs"]')!.textContent).toBe('No jobs in the last 7 days: this person started none on any tool.');
    await type('#lookup-value', 'nobody-at-all');
    await type('#lookup-by', 'distinct_id');
    await submit();
    expect(host.querySelector('[data-testid="lookup-empty"]')!.textContent).toBe(
      'Nobody in PostHog matches nobody-at-all as a distinct, session or job id in the last 7 days.',
    );
  });

  it("checks the field before asking, shows PostHog's reason and asks again on request, and keeps nothing once cleared", async () => {
    const lookUp = await mount({ ok: false, error: { kind: 'forbidden', message: 'The personal API key is not allowed to do this (403)' } });
    await submit();
    expect(host.querySelector('#lookup-problem')!.textContent).toMatch(/^Type an email/);
    expect(host.querySelector('#lookup-value')!.getAttribute('aria-describedby')).toBe('lookup-problem');
    expect(lookUp).not.toHaveBeenCalled();
    await type('#lookup-value', 'a@b.co');
    await type('#lookup-range', '30d');
    await submit();
    expect(host.querySelector('[data-testid="lookup-error"] [role="alert"]')!.textContent).toBe('The personal API key is not allowed to do this (403)');
    await act(() => (host.querySelector('[data-testid="lookup-error"] button') as HTMLButtonElement).click());
    await settle();
    expect(lookUp).toHaveBeenLastCalledWith({ range: '30d', by: 'auto', value: 'a@b.co', refresh: true });
    await act(() => ([...host.querySelectorAll('button')].find((b) => b.textContent === 'Clear') as HTMLButtonElement).click());
    expect(host.querySelector('[data-testid="lookup-error"]')).toBeNull();
    expect(host.querySelector<HTMLInputElement>('#lookup-value')!.value).toBe('');
  });

  it('looks up what the context menu hands over, when the page opens and whenever the worker says one waits', async () => {
    const waiting: Array<{ value: string; by: LookupBy } | null> = [{ value: 'sess-ada-1', by: 'auto' }];
    let nudge = () => undefined as void;
    const incoming: IncomingLookups = { take: async () => waiting.shift() ?? null, subscribe: (cb) => ((nudge = cb), () => undefined) };
    const lookUp = await mount({ ok: true, lookup: FOUND }, { incoming });
    await settle();
    expect(lookUp).toHaveBeenCalledWith({ range: '7d', by: 'auto', value: 'sess-ada-1' });
    expect(host.querySelector<HTMLInputElement>('#lookup-value')!.value).toBe('sess-ada-1');
    waiting.push({ value: 'ada@example.com', by: 'auto' });
    await act(async () => nudge());
    await settle();
    expect(lookUp).toHaveBeenLastCalledWith({ range: '7d', by: 'auto', value: 'ada@example.com' });
    // A nudge with nothing left to take changes nothing.
    await act(async () => nudge());
    await settle();
    expect(lookUp).toHaveBeenCalledTimes(2);
  });

  it('copies a summary for the ticket and says so', async () => {
    const copy = vi.fn(async (_t: string) => undefined);
    await mount({ ok: true, lookup: FOUND }, { copy });
    await type('#lookup-value', 'ada@example.com');
    await submit();
    await act(async () => (host.querySelector('[data-testid="copy-for-ticket"]') as HTMLButtonElement).click());
    await settle();
    expect(copy.mock.calls[0]![0]).toMatch(/^\*\*Tool Lens: `ada@example.com`\*\* \(email\)/);
    expect(host.querySelector('[data-testid="copy-status"]')!.textContent).toBe('Summary copied.');
  });
});

import { render } from 'preact';
import { act } from 'preact/test-utils';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { LookupJobsResponse } from '../../lib/protocol/messages';
import { PersonLookup } from './PersonLookup';
import type { LookupQuestion } from './useJobLookup';

let host: HTMLElement;
afterEach(() => {
  render(null, host);
  host.remove();
});

async function mount(answer: LookupJobsResponse, tool = 'pdf-to-text') {
  host = document.createElement('div');
  document.body.append(host);
  const lookupJobs = vi.fn(async (_q: LookupQuestion) => answer);
  await act(() => render(<PersonLookup tool={tool} range="7d" lookupJobs={lookupJobs} />, host));
  return lookupJobs;
}
async function type(selector: string, value: string) {
  await act(() => {
    const input = host.querySelector<HTMLInputElement | HTMLSelectElement>(selector)!;
    input.value = value;
    input.dispatchEvent(new Event(input.tagName === 'SELECT' ? 'change' : 'input', { bubbles: true }));
  });
}
const submit = () => act(async () => void host.querySelector('form')!.dispatchEvent(new Event('submit', { bubbles: true, cancelable: true })));

describe('person lookup (side panel)', () => {
  const job = { jobId: 'case-17-a', status: 'failed' as const, errorType: 'ocr_failed', durationMs: 4200, at: new Date().toISOString(), eventUrl: 'https://ph.test/project/1/events/e1', replayUrl: 'https://ph.test/replay/s1' };

  it("asks for the tool the page was opened for, with what is typed, and lists the person's jobs as text with links", async () => {
    const lookupJobs = await mount({ ok: true, jobs: [job] });
    await type('#lookup-value', '  grace@example.com ');
    await submit();
    expect(lookupJobs).toHaveBeenCalledWith({ tool: 'pdf-to-text', range: '7d', by: 'email', value: 'grace@example.com' });
    const row = host.querySelector('[data-testid="lookup-job"]')!;
    expect(row.getAttribute('data-status')).toBe('failed');
    expect(row.textContent).toContain('failed: ocr_failed');
    expect(row.textContent).toContain('case-17-a · 4.20 s');
    expect([...row.querySelectorAll('a')].map((a) => a.getAttribute('href'))).toEqual([job.eventUrl, job.replayUrl]);
  });

  it('looks up by distinct id in another range and tool, says when nothing is found, and keeps nothing once cleared', async () => {
    const lookupJobs = await mount({ ok: true, jobs: [] }, '');
    await type('#lookup-value', 'x');
    await submit();
    expect(host.querySelector('[role="alert"]')!.textContent).toMatch(/Name the tool/);
    await type('#lookup-tool', 'news-analyzer');
    await type('#lookup-range', '30d');
    await type('#lookup-by', 'distinct_id');
    await type('#lookup-value', 'nobody-at-all');
    await submit();
    expect(lookupJobs).toHaveBeenCalledWith({ tool: 'news-analyzer', range: '30d', by: 'distinct_id', value: 'nobody-at-all' });
    expect(host.querySelector('[data-testid="lookup-empty"]')!.textContent).toBe('No jobs on news-analyzer in this range for that distinct id.');
    await act(() => (host.querySelector('.actions button[type="button"]') as HTMLButtonElement).click());
    expect(host.querySelector('[data-testid="lookup-empty"]')).toBeNull();
    expect(host.querySelector<HTMLInputElement>('#lookup-value')!.value).toBe('');
  });

  it("shows PostHog's reason when the lookup fails", async () => {
    await mount({ ok: false, error: { kind: 'forbidden', message: 'The personal API key is not allowed to do this (403)' } });
    await type('#lookup-value', 'a@b.c');
    await submit();
    expect(host.querySelector('[data-testid="lookup-error"]')!.textContent).toBe('The personal API key is not allowed to do this (403)');
  });
});

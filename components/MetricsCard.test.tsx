import { render } from 'preact';
import { act } from 'preact/test-utils';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { ToolMetrics, ToolMetricsResponse } from '../lib/messages';
import { CardContainer } from './CardContainer';
import { MetricsCard, type MetricsCardProps } from './MetricsCard';

const metrics: ToolMetrics = {
  tool: 'pdf-to-text',
  range: '7d',
  asOf: '2026-11-25T10:00:00Z',
  funnel: [
    { label: 'Viewed', sessions: 1000 },
    { label: 'Uploaded', sessions: 640 },
    { label: 'Processing started', sessions: 600 },
    { label: 'Completed', sessions: 540 },
    { label: 'Downloaded', sessions: 300 },
  ],
  latency: { n: 540, p50Ms: 1250, p95Ms: 7300, p99Ms: 15_800 },
  errors: [
    { type: '<img src=x onerror=alert(1)>', count: 40 },
    { type: 'timeout', count: 20 },
  ],
};

let host: HTMLElement;
afterEach(() => {
  render(null, host);
  host.remove();
});

function mount(overrides: Partial<MetricsCardProps>) {
  host = document.createElement('div');
  document.body.append(host);
  const props: MetricsCardProps = {
    tool: 'pdf-to-text',
    matchedBy: 'url',
    range: '7d',
    state: { status: 'loading' },
    collapsed: false,
    onRangeChange: vi.fn(),
    onRefresh: vi.fn(),
    onToggleCollapsed: vi.fn(),
    onOpenOptions: vi.fn(),
    ...overrides,
  };
  render(<MetricsCard {...props} />, host);
  return props;
}

const text = (selector: string) => host.querySelector(selector)?.textContent ?? '';

describe('MetricsCard', () => {
  it('shows each funnel step with sessions and share of views', () => {
    mount({ state: { status: 'ready', metrics, postHogUrl: 'https://ph.test/project/1/events' } });
    expect(text('[data-testid="funnel-step-1"]')).toContain('1,000');
    expect(text('[data-testid="funnel-step-2"]')).toMatch(/Uploaded.*640.*64%/);
    expect(text('[data-testid="funnel-step-5"]')).toMatch(/Downloaded.*300.*30%/);
    expect(text('[data-testid="latency-p95"]')).toBe('p957.30 s');
    expect(text('[data-testid="latency-n"]')).toContain('n = 540');
    expect(host.querySelector('a')?.getAttribute('href')).toBe('https://ph.test/project/1/events');
  });

  it('renders event data as text, never as HTML', () => {
    mount({ state: { status: 'ready', metrics, postHogUrl: 'https://ph.test' } });
    expect(host.querySelector('img')).toBeNull();
    expect(text('[data-testid="error-type"]')).toContain('<img src=x onerror=alert(1)>');
  });

  it('has loading, empty, error and not-configured states', () => {
    mount({ state: { status: 'loading' } });
    expect(host.querySelector('[data-testid="card-loading"]')).not.toBeNull();
    expect(host.querySelector('section')?.getAttribute('aria-busy')).toBe('true');
    render(null, host);

    const empty = { ...metrics, funnel: metrics.funnel.map((s) => ({ ...s, sessions: 0 })), latency: { n: 0, p50Ms: null, p95Ms: null, p99Ms: null }, errors: [] };
    mount({ state: { status: 'ready', metrics: empty, postHogUrl: 'https://ph.test' } });
    expect(text('[data-testid="funnel-empty"]')).toContain('No tool_viewed sessions for pdf-to-text');
    render(null, host);

    const props = mount({ state: { status: 'error', error: { kind: 'not_configured', message: 'Not connected.' } } });
    expect(text('[role="alert"]')).toContain('Not connected.');
    (host.querySelector('.tl-button') as HTMLButtonElement).click();
    expect(props.onOpenOptions).toHaveBeenCalled();
    render(null, host);

    const retry = mount({ state: { status: 'error', error: { kind: 'server', message: 'HTTP 500' } } });
    (host.querySelector('.tl-button') as HTMLButtonElement).click();
    expect(retry.onRefresh).toHaveBeenCalled();
  });

  it('collapses to a pill with p95', () => {
    mount({ collapsed: true, state: { status: 'ready', metrics, postHogUrl: 'https://ph.test' } });
    expect(text('.tl-pill')).toContain('p95 7.30 s');
  });
});

describe('CardContainer', () => {
  it('loads the default range, switches range, and ignores a stale answer', async () => {
    host = document.createElement('div');
    document.body.append(host);
    const resolvers: Array<(r: ToolMetricsResponse) => void> = [];
    const loadMetrics = vi.fn(() => new Promise<ToolMetricsResponse>((resolve) => resolvers.push(resolve)));
    await act(() => render(<CardContainer tool="pdf-to-text" matchedBy="url" loadMetrics={loadMetrics} openOptions={vi.fn()} />, host));
    expect(loadMetrics).toHaveBeenLastCalledWith('7d', false);

    await act(() => (host.querySelector('[aria-pressed="false"]') as HTMLButtonElement).click()); // 1h
    expect(loadMetrics).toHaveBeenLastCalledWith('1h', false);
    await act(() => resolvers[1]!({ ok: true, metrics: { ...metrics, range: '1h' }, postHogUrl: 'https://ph.test' }));
    await act(() => resolvers[0]!({ ok: false, error: { kind: 'server', message: 'old answer' } }));
    expect(host.querySelector('[data-testid="card-ready"]')).not.toBeNull();
    expect(host.textContent).not.toContain('old answer');

    await act(() => {
      window.dispatchEvent(new KeyboardEvent('keydown', { key: 'Escape' }));
    });
    expect(host.querySelector('.tl-pill')).not.toBeNull();
  });
});

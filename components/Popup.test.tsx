import { render } from 'preact';
import { act } from 'preact/test-utils';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { formatTime } from '../lib/format';
import type { ToolMetrics, ToolMetricsResponse } from '../lib/messages';
import { DEFAULT_METRICS_OPTIONS } from '../lib/settings';
import { Popup, type PopupProps } from './Popup';

const q = { n: 10, p50Ms: 1000, p95Ms: 2000, p99Ms: 3000, meanMs: 1200 };
const metrics = {
  tool: 'pdf-to-text',
  range: '7d',
  asOf: '2026-11-25T09:30:00Z',
  segment: null,
  funnel: { unit: 'sessions', windowHours: 24, steps: [{ label: 'Viewed', current: 100, previous: 90 }, { label: 'Downloaded', current: 25, previous: 20 }] },
  latency: { current: q, previous: q, failed: q, spark: [] },
  jobs: { current: { views: 100, started: 40, completed: 36, failed: 4, cacheHits: 0, downloads: 25 }, previous: { views: 90, started: 40, completed: 38, failed: 2, cacheHits: 0, downloads: 20 } },
  errors: [],
  more: { auth: [], fileTypes: [], formats: [] },
  llm: null,
  health: { failuresLastHour: 0, completedLastHour: 3, meanDurationMsLastHour: 1000, status: 'ok', reasons: [] },
  toolsSeen: null,
} as unknown as ToolMetrics;
const links = { project: 'https://ph.test/project/1', funnel: 'https://ph.test/f', latencySql: 'https://ph.test/l', errors: 'https://ph.test/e', replays: 'https://ph.test/r' };

let host: HTMLElement;
afterEach(() => {
  render(null, host);
  host.remove();
});

async function mount(headline: ToolMetricsResponse | null) {
  host = document.createElement('div');
  document.body.append(host);
  const props: PopupProps = {
    settings: { status: 'configured', settings: { host: 'custom', customHost: 'https://ph.test', projectId: '1', apiKey: 'phx_secret', ...DEFAULT_METRICS_OPTIONS } },
    tab: { kind: 'enabled', origin: 'https://tools.test', tool: 'pdf-to-text', detail: 'URL rule', hidden: false },
    headline,
    dashboards: null,
    alerts: null,
    loadConnection: vi.fn(async () => ({ ok: false as const, error: { kind: 'unauthorized' as const, message: 'PostHog rejected the personal API key (401).' } })),
    loadDashboards: vi.fn(async () => ({ ok: false as const, error: { kind: 'server' as const, message: 'PostHog answered 503.' } })),
    openDashboard: vi.fn(),
    checkAlerts: vi.fn(async () => ({ state: null, links: {} })),
    createToolUsage: vi.fn(),
    onOpenOptions: vi.fn(),
    onEnableSite: vi.fn(async () => null),
    onDisableSite: vi.fn(async () => undefined),
    serverSearchAbove: 200,
  };
  await act(() => render(<Popup {...props} />, host));
  await act(async () => undefined);
}
const text = (selector: string) => host.querySelector(selector)?.textContent ?? '';

describe('popup under faults', () => {
  it("keeps this tab's last figures with their time and says why they are old", async () => {
    await mount({ ok: true, metrics, links, stale: { kind: 'server', message: 'PostHog answered 503 (server error).' } });
    expect(text('[data-testid="popup-headline"]')).toContain('25%');
    expect(text('[data-testid="popup-stale"]')).toBe(`Figures as of ${formatTime(metrics.asOf)}: PostHog answered 503 (server error).`);
  });

  it('says what failed when there are no figures, and what the key check found', async () => {
    await mount({ ok: false, error: { kind: 'forbidden', message: 'The key lacks the query:read scope.' } });
    expect(host.querySelector('[data-testid="popup-headline"]')).toBeNull();
    expect(text('[data-testid="popup-tab-error"]')).toBe('The key lacks the query:read scope.');
    expect(text('[data-testid="popup-connection"]')).toContain('rejected the personal API key (401)');
    expect(host.textContent).not.toContain('phx_secret');
  });

  it('shows fresh figures without a warning', async () => {
    await mount({ ok: true, metrics, links });
    expect(host.querySelector('[data-testid="popup-stale"]')).toBeNull();
    expect(host.querySelector('[data-testid="popup-tab-error"]')).toBeNull();
  });
});

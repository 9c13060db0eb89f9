import { render } from 'preact';
import { act } from 'preact/test-utils';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { formatTime } from '../../lib/helpers/format';
import type { AlertsResponse, ToolMetricsResponse } from '../../lib/protocol/messages';
import type { ToolMetrics } from '../../lib/model/figures';
import { DEFAULT_METRICS_OPTIONS } from '../../lib/settings/settings';
import { Popup, type PopupProps } from './Popup';
import { testChanges } from '../../lib/card/compare';

const q = { n: 10, p50Ms: 1000, p95Ms: 2000, p99Ms: 3000, meanMs: 1200 };
const metrics = {
  tool: 'pdf-to-text',
  range: '7d',
  asOf: '2026-11-25T09:30:00Z',
  segment: null,
  funnel: {
    unit: 'sessions',
    windowHours: 24,
    steps: [
      { label: 'Viewed', current: 100, previous: 90 },
      { label: 'Downloaded', current: 25, previous: 20 },
    ],
  },
  latency: { current: q, previous: q, failed: q, spark: [] },
  jobs: {
    current: { views: 100, started: 40, completed: 36, failed: 4, cacheHits: 0, downloads: 25 },
    previous: { views: 90, started: 40, completed: 38, failed: 2, cacheHits: 0, downloads: 20 },
  },
  errors: [],
  more: { auth: [], fileTypes: [], formats: [] },
  llm: null,
  health: { failuresLastHour: 0, completedLastHour: 3, meanDurationMsLastHour: 1000, status: 'ok', reasons: [] },
  toolsSeen: null,
} as unknown as ToolMetrics;
const links = {
  project: 'https://ph.test/project/1',
  funnel: 'https://ph.test/f',
  latencySql: 'https://ph.test/l',
  errors: 'https://ph.test/e',
  replays: 'https://ph.test/r',
};

let host: HTMLElement;
afterEach(() => {
  render(null, host);
  host.remove();
});

function baseProps(headline: ToolMetricsResponse | null | (() => Promise<ToolMetricsResponse>), alerts: AlertsResponse | null | undefined = null): PopupProps {
  return {
    settings: {
      status: 'configured',
      settings: { host: 'custom', customHost: 'https://ph.test', projectId: '1', apiKey: 'phx_secret', ...DEFAULT_METRICS_OPTIONS },
    },
    tab: { kind: 'enabled', origin: 'https://tools.test', tool: 'pdf-to-text', detail: 'URL rule', hidden: false },
    loadHeadline: typeof headline === 'function' ? headline : headline ? async () => headline : null,
    dashboards: null,
    alerts,
    loadConnection: vi.fn(async () => ({
      ok: false as const,
      error: { kind: 'unauthorized' as const, message: 'PostHog rejected the personal API key (401).' },
    })),
    loadDashboards: vi.fn(async () => ({ ok: false as const, error: { kind: 'server' as const, message: 'PostHog answered 503.' } })),
    openDashboard: vi.fn(),
    checkAlerts: vi.fn(async () => ({ state: null, links: {} })),
    createToolUsage: vi.fn(),
    onOpenOptions: vi.fn(),
    onEnableSite: vi.fn(async () => null),
    onDisableSite: vi.fn(async () => undefined),
  };
}

async function mount(headline: ToolMetricsResponse | null | (() => Promise<ToolMetricsResponse>), alerts: AlertsResponse | null = null) {
  host = document.createElement('div');
  document.body.append(host);
  const props = baseProps(headline, alerts);
  await act(() => render(<Popup {...props} />, host));
  await act(async () => undefined);
}
const text = (selector: string) => host.querySelector(selector)?.textContent ?? '';

describe('popup under faults', () => {
  it('says when the browser storage is full, as an alert', async () => {
    host = document.createElement('div');
    document.body.append(host);
    const problem = "The browser's storage for Tool Lens is full: it keeps working, but what it could not save is lost when the browser restarts.";
    await act(() => render(<Popup {...baseProps(null)} storageProblem={problem} />, host));
    expect(host.querySelector('[data-testid="storage-problem"]')?.getAttribute('role')).toBe('alert');
    expect(text('[data-testid="storage-problem"]')).toBe(problem);
  });

  it("keeps this tab's last figures with their time and says why they are old", async () => {
    await mount({ ok: true, metrics, links, changes: testChanges(metrics), stale: { kind: 'server', message: 'PostHog answered 503 (server error).' } });
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

  it('is on screen at once while this tab’s figures are still coming, and says so', async () => {
    await mount(() => new Promise<ToolMetricsResponse>(() => undefined));
    expect(text('[data-testid="popup-headline-loading"]')).toBe("Loading this tool's figures…");
    expect(host.querySelector('[data-testid="popup-status"]')).not.toBeNull();
    expect(host.querySelector('[data-testid="dashboards"]')).not.toBeNull();
  });

  it('says so when the worker does not answer for this tab', async () => {
    await mount(() => Promise.reject(new Error('Could not establish connection.')));
    expect(text('[data-testid="popup-tab-error"]')).toContain('lost touch with its background worker');
    expect(host.querySelector('[data-testid="popup-headline-loading"]')).toBeNull();
  });

  it('shows fresh figures without a warning', async () => {
    await mount({ ok: true, metrics, links, changes: testChanges(metrics) });
    expect(host.querySelector('[data-testid="popup-stale"]')).toBeNull();
    expect(host.querySelector('[data-testid="popup-tab-error"]')).toBeNull();
  });
});

describe('popup: shell first, sections as their answers land', () => {
  it('renders the connection before the tab and the cached lists are known, then fills them in without re-asking', async () => {
    host = document.createElement('div');
    document.body.append(host);
    const shell = { ...baseProps(null), tab: null, dashboards: undefined, alerts: undefined };
    await act(() => render(<Popup {...shell} />, host));
    expect(host.querySelector('[data-testid="popup-status"]')).not.toBeNull();
    expect(text('[data-testid="popup-tab-loading"]')).toBe('Looking at this tab…');
    expect(text('[data-testid="trouble"]')).toContain('Loading…');
    expect(text('[data-testid="dashboards"]')).toContain('Loading dashboards…');

    const alerts: AlertsResponse = {
      state: { checkedAt: Date.now(), tools: [{ tool: 'csv-cleaner', reasons: ['12 failures in the last hour (alert above 10)'] }], error: null },
      links: {},
    } as unknown as AlertsResponse;
    const cached = {
      ok: true as const,
      at: Date.now(),
      fromCache: true,
      dashboards: [{ id: 7, name: 'Tool Usage', description: '', url: 'https://ph.test/project/1/dashboard/7', pinned: true, recent: false }],
    };
    const filled = {
      ...shell,
      tab: { kind: 'enabled' as const, origin: 'https://tools.test', tool: 'pdf-to-text', detail: 'URL rule', hidden: false },
      alerts,
      dashboards: cached,
    };
    await act(() => render(<Popup {...(filled as PopupProps)} />, host));
    await act(async () => undefined);
    expect(host.querySelector('[data-testid="popup-tab-loading"]')).toBeNull();
    expect(text('[data-testid="popup-tab"]')).toContain('pdf-to-text');
    expect(text('[data-testid="trouble-tool"]')).toContain('csv-cleaner');
    // The fresh list failed (503): the cached one that landed late stays on screen, dated.
    expect(text('[data-testid="dashboards"]')).toContain('Tool Usage');
    expect(shell.loadDashboards).toHaveBeenCalledTimes(1);
    expect(shell.loadConnection).toHaveBeenCalledTimes(1);
  });
});

describe('popup: tools in trouble from hostile event data', () => {
  // Tool names come from PostHog event data, which anyone with the project's public token can write.
  const tool = (name: string, reasons: string[]) => ({ tool: name, reasons, metrics: ['failures_last_hour' as const], failures: 12, meanMs: null });
  const trouble = () => [...host.querySelectorAll('[data-testid="trouble-tool"]')];
  const hrefs = () => [...host.querySelectorAll('[data-testid="trouble"] a')].map((a) => a.getAttribute('href'));

  it('shows hostile tool names and reasons as text, and links only what it was given', async () => {
    await mount(null, {
      state: {
        checkedAt: Date.now(),
        error: null,
        tools: [
          tool('<img src=x onerror=alert(1)>', ['<script>alert(1)</script> failures in the last hour']),
          tool('javascript:alert(1)', ['<a href="https://evil.test">click</a>']),
        ],
      },
      links: {
        '<img src=x onerror=alert(1)>': { page: null, posthog: 'https://ph.test/project/1/events#img' },
        'javascript:alert(1)': { page: 'https://tools.test/tools/x', posthog: 'https://ph.test/project/1/events#js' },
      },
    });
    const [img, js] = trouble();
    expect(img!.querySelector('strong')?.textContent).toBe('<img src=x onerror=alert(1)>');
    expect(img!.querySelector('.failed')?.textContent).toBe('<script>alert(1)</script> failures in the last hour');
    expect(js!.querySelector('strong')?.textContent).toBe('javascript:alert(1)');
    expect(js!.querySelector('.failed')?.textContent).toBe('<a href="https://evil.test">click</a>');
    expect(host.querySelector('img, script, [onerror]')).toBeNull();
    expect(hrefs()).toEqual(['https://ph.test/project/1/events#img', 'https://tools.test/tools/x', 'https://ph.test/project/1/events#js']);
  });

  it('gives a tool without links none, even when its name is an Object.prototype key', async () => {
    await mount(null, {
      state: {
        checkedAt: Date.now(),
        error: null,
        tools: [tool('constructor', ['12 failures']), tool('__proto__', ['12 failures']), tool('toString', ['12 failures'])],
      },
      links: {},
    });
    expect(trouble().map((li) => li.querySelector('strong')?.textContent)).toEqual(['constructor', '__proto__', 'toString']);
    expect(host.querySelectorAll('[data-testid="trouble"] a')).toHaveLength(0);
  });

  it('shows a hostile error of the last check as text', async () => {
    await mount(null, { state: { checkedAt: Date.now(), error: '<img src=x onerror=alert(1)>', tools: [] }, links: {} });
    expect(text('[data-testid="trouble"]')).toContain('Last check failed: <img src=x onerror=alert(1)>');
    expect(host.querySelector('img')).toBeNull();
  });
});

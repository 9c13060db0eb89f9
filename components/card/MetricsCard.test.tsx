import { options, render } from 'preact';
import { act } from 'preact/test-utils';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { formatClock, formatTime } from '../../lib/helpers/format';
import type { AnnotationsResponse, RankingResponse, ToolMetricsResponse, TriageResponse } from '../../lib/protocol/messages';
import type { CardLinks, ToolMetrics } from '../../lib/model/figures';
import type { RangeKey } from '../../lib/model/ranges';
import { testChanges } from '../../lib/card/compare';
import { CardContainer, type CardApi, type CardContainerProps } from './CardContainer';
import { MetricsCard, type MetricsCardProps } from './MetricsCard';

const q = (n: number, p50: number | null, p95: number | null, p99: number | null, mean: number | null) => ({
  n,
  p50Ms: p50,
  p95Ms: p95,
  p99Ms: p99,
  meanMs: mean,
});
const metrics: ToolMetrics = {
  tool: 'pdf-to-text',
  range: '7d',
  asOf: '2026-11-25T10:00:00Z',
  segment: null,
  funnel: {
    unit: 'sessions',
    windowHours: 24,
    steps: [
      { label: 'Viewed', current: 1000, previous: 900 },
      { label: 'Uploaded', current: 640, previous: 600 },
      { label: 'Processing started', current: 600, previous: 560 },
      { label: 'Completed', current: 540, previous: 500 },
      { label: 'Downloaded', current: 300, previous: 200 },
    ],
  },
  latency: {
    current: { ...q(540, 1250, 7300, 15_800, 2000), p95IntervalMs: [7000, 7700] },
    previous: { ...q(500, 1200, 6000, 14_000, 1900), p95IntervalMs: [5600, 6500] },
    failed: q(60, 400, 30_000, 31_000, 9000),
    spark: [1, 2, 3].map((i) => ({ at: i * 86_400, n: 10, p95Ms: 7000 + i * 100 })),
  },
  jobs: {
    current: { views: 1000, started: 600, completed: 540, failed: 60, cacheHits: 100, downloads: 300 },
    previous: { views: 900, started: 560, completed: 500, failed: 40, cacheHits: 90, downloads: 200 },
  },
  errors: [
    { type: '<img src=x onerror=alert(1)>', current: 40, previous: 10 },
    { type: 'timeout', current: 20, previous: 30 },
  ],
  more: {
    auth: [
      { label: 'anonymous', count: 700 },
      { label: 'authenticated', count: 300 },
    ],
    fileTypes: [{ type: 'pdf', count: 640, meanBytes: 900_000 }],
    formats: [{ format: 'txt', count: 300 }],
  },
  llm: null,
  health: { failuresLastHour: 2, completedLastHour: 40, meanDurationMsLastHour: 2000, status: 'ok', reasons: [] },
  toolsSeen: null,
};
/** The tests of change, as the worker runs them with every answer. */
const changes = testChanges(metrics);
const links: CardLinks = {
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

function mount(overrides: Partial<MetricsCardProps>) {
  host = document.createElement('div');
  document.body.append(host);
  const props: MetricsCardProps = {
    tool: 'pdf-to-text',
    matchedBy: 'URL',
    range: '7d',
    state: { status: 'loading' },
    tab: 'overview',
    triage: { status: 'loading' },
    collapsed: false,
    onRangeChange: vi.fn(),
    onTabChange: vi.fn(),
    onRefresh: vi.fn(),
    onRetryTriage: vi.fn(),
    onToggleCollapsed: vi.fn(),
    onHide: vi.fn(),
    onMove: vi.fn(),
    onOpenOptions: vi.fn(),
    ...overrides,
  };
  render(<MetricsCard {...props} />, host);
  return props;
}

const text = (selector: string) => host.querySelector(selector)?.textContent ?? '';
const ready = (m: ToolMetrics = metrics) => ({ state: { status: 'ready' as const, metrics: m, links, changes: testChanges(m) } });

describe('MetricsCard overview', () => {
  it('shows each funnel step with sessions, share of views and drop-off', () => {
    mount(ready());
    expect(text('[data-testid="funnel-step-1"]')).toContain('1,000');
    expect(text('[data-testid="funnel-step-2"]')).toMatch(/Uploaded.*640.*64%.*−36%/);
    expect(text('[data-testid="funnel-step-5"]')).toMatch(/Downloaded.*300.*30%/);
    expect(text('[data-testid="funnel"]')).toMatch(/View → download 30%.*▲ 7\.8 pts/);
  });

  it('shows p50/p95/p99/mean with n, the p95 change, a sparkline, and failed jobs apart', () => {
    mount(ready());
    expect(text('[data-testid="latency-p95"]')).toBe('p957.30 s');
    expect(text('[data-testid="latency-mean"]')).toBe('mean2.00 s');
    expect(text('[data-testid="latency-n"]')).toContain('n = 540');
    expect(text('[data-testid="latency"]')).toContain('▲ 22%');
    expect(host.querySelector('[data-testid="latency"] svg path')?.getAttribute('d')).toMatch(/^M0/);
    expect(text('[data-testid="latency-failed"]')).toContain('n = 60');
  });

  it('shows the failure rate, error types with share and change', () => {
    mount(ready());
    expect(text('[data-testid="failure-rate"]')).toContain('60 failed of 600 started (10%)');
    // 60/600 vs the previous period's rate: +2.9 pts, but within chance (Newcombe's interval holds 0).
    expect(text('[data-testid="errors"] .tl-delta-unclear')).toContain('no clear change');
    expect(host.querySelector('[data-testid="errors"] .tl-delta-unclear')?.getAttribute('data-detail')).toMatch(
      /^95 % interval of the change: −\d\.\d to \+\d\.\d pts$/,
    );
    const items = [...host.querySelectorAll('[data-testid="error-type"]')].map((li) => li.textContent);
    // 40 vs 10 is more than chance (exact Poisson test); 20 vs 30 is not, and is not coloured.
    expect(items).toEqual(['<img src=x onerror=alert(1)>4067%+30 vs the previous period', 'timeout2033%−10 vs the previous period, no clear change']);
    expect(
      [...host.querySelectorAll('[data-testid="error-type"] [data-significant]')].map((e) => [e.getAttribute('data-significant'), e.className.trim()]),
    ).toEqual([
      ['true', 'tl-step-drop tl-worse'],
      ['false', 'tl-step-drop'],
    ]);
  });

  it('renders event data as text, never as HTML', () => {
    mount(ready());
    expect(host.querySelector('img')).toBeNull();
  });

  it('links each section to PostHog in a new tab', () => {
    mount(ready());
    const hrefs = [...host.querySelectorAll('a')].map((a) => [a.getAttribute('href'), a.getAttribute('target'), a.getAttribute('rel')]);
    expect(hrefs.map((h) => h[0])).toEqual(
      expect.arrayContaining(['https://ph.test/f', 'https://ph.test/l', 'https://ph.test/e', 'https://ph.test/project/1']),
    );
    expect(hrefs.every(([, target, rel]) => target === '_blank' && rel?.includes('noopener'))).toBe(true);
  });

  it('shows LLM figures only when the tool has generations', () => {
    mount(ready());
    expect(host.querySelector('[data-testid="llm"]')).toBeNull();
    render(null, host);
    mount(ready({ ...metrics, llm: { generations: 12, p95LatencyS: 3.2, costUsd: 0.1234, errors: 1, inputTokens: 1000, outputTokens: 200 } }));
    expect(text('[data-testid="llm"]')).toMatch(/12 generations.*3\.20 s.*\$0\.1234.*1 \(8\.3%\).*1,000 in · 200 out/);
  });

  it('shows a health banner over threshold, a stale banner and the segment', () => {
    const alert = {
      ...metrics,
      segment: { kind: 'person' as const, property: 'platform', value: 'web' },
      health: { ...metrics.health, status: 'alert' as const, reasons: ['12 failures in the last hour (alert above 10)'] },
    };
    mount({ state: { status: 'ready', metrics: alert, links, changes: testChanges(alert), stale: { kind: 'network', message: 'Could not reach ph.test.' } } });
    expect(text('[data-testid="health-banner"]')).toContain('12 failures in the last hour');
    expect(text('[data-testid="stale-banner"]')).toContain('Could not reach ph.test.');
    expect(text('[data-testid="segment"]')).toContain('person property platform = “web”');
  });
});

describe('MetricsCard states', () => {
  it('has a loading skeleton', () => {
    mount({ state: { status: 'loading' } });
    expect(host.querySelector('[data-testid="card-loading"]')).not.toBeNull();
    expect(host.querySelector('section')?.getAttribute('aria-busy')).toBe('true');
  });

  it('explains no data and suggests the tools that have views', () => {
    const empty = {
      ...metrics,
      funnel: { ...metrics.funnel, steps: metrics.funnel.steps.map((s) => ({ ...s, current: 0 })) },
      toolsSeen: [
        { tool: 'pdf-to-text', views: 1 },
        { tool: 'pdf2txt', views: 500 },
      ],
    };
    mount(ready(empty));
    expect(text('[data-testid="card-nodata"]')).toContain('No tool_viewed for pdf-to-text in last 7 days');
    expect(text('[data-testid="tools-seen"]')).toContain('pdf2txt (500)');
    expect(text('[data-testid="tools-seen"]')).not.toContain('pdf-to-text (1)');
  });

  it.each([
    ['not_configured', 'Open Tool Lens options', 'onOpenOptions'],
    ['unauthorized', 'Open Tool Lens options', 'onOpenOptions'],
    ['forbidden', 'Open Tool Lens options', 'onOpenOptions'],
    ['server', 'Try again', 'onRefresh'],
    ['rate_limited', 'Try again', 'onRefresh'],
    ['timeout', 'Try again', 'onRefresh'],
  ] as const)('gives %s its own message and next step', (kind, button, handler) => {
    const props = mount({ state: { status: 'error', error: { kind, message: `the ${kind} message` } } });
    expect(text('[role="alert"]')).toContain(`the ${kind} message`);
    const action = host.querySelector('.tl-button') as HTMLButtonElement;
    expect(action.textContent).toBe(button);
    action.click();
    expect(props[handler]).toHaveBeenCalled();
  });

  it('collapses to a pill with p95 and failure rate, named by its own visible text', () => {
    mount({ collapsed: true, ...ready() });
    const pill = host.querySelector('.tl-pill')!;
    expect(pill.textContent).toBe('Show Tool Lens metrics for pdf-to-text: p95 7.30 s · 10% failed');
    // No aria-label that could drift from what is seen (axe: label-content-name-mismatch).
    expect(pill.hasAttribute('aria-label')).toBe(false);
  });

  it('says in the pill why there are no figures, marked, rather than looking as if it still loads', () => {
    mount({ collapsed: true, state: { status: 'error', error: { kind: 'unauthorized', message: 'PostHog rejected the key' } } });
    const pill = host.querySelector('.tl-pill')!;
    expect(pill.textContent).toBe('Show Tool Lens metrics for pdf-to-text: key rejected');
    expect(pill.classList.contains('tl-alert')).toBe(true);
    mount({ collapsed: true, state: { status: 'loading' } });
    expect(host.querySelector('.tl-pill')!.textContent).toBe('Show Tool Lens metrics for pdf-to-text: …');
    expect(host.querySelector('.tl-pill')!.classList.contains('tl-alert')).toBe(false);
  });

  it('copies a summary with the headline figures, their tests and the links', () => {
    const onCopy = vi.fn();
    mount({ ...ready(), onCopy });
    (host.querySelector('[data-testid="copy-summary"]') as HTMLButtonElement).click();
    const [text, what] = onCopy.mock.calls[0]!;
    expect(what).toBe('Summary');
    expect(text).toMatch(/^\*\*Tool Lens: `pdf-to-text`\*\*, last 7 days \(as of /);
    expect(text).toContain(
      '- Processing time (n = 540): p50 1.25 s, p95 7.30 s, p99 15.8 s; p95 ▲ 22% vs the previous period, more than chance (95 % interval of p95: now 7.00 s to 7.70 s, before 5.60 s to 6.50 s)',
    );
    expect(text).toMatch(/- Failure rate: 60 of 600 started \(10%\); no clear change \(95 % interval of the change: /);
    expect(text).toContain('- Errors: `<img src=x onerror=alert(1)>` 40, `timeout` 20');
    expect(text).toContain(`[funnel](${links.funnel})`);
  });

  it('says each change in words for a screen reader, the arrows hidden from it', () => {
    mount(ready());
    const p95 = [...host.querySelectorAll('[data-testid="latency"] .tl-delta')][0]!;
    expect(p95.hasAttribute('aria-label')).toBe(false);
    expect(p95.querySelector('[aria-hidden="true"]')?.textContent).toBe('▲ 22%');
    expect(p95.querySelector('.tl-visually-hidden')?.textContent).toBe(
      'p95 up 22% vs the previous period, worse; 95 % interval of p95: now 7.00 s to 7.70 s, before 5.60 s to 6.50 s',
    );
  });

  it('follows the tabs pattern: one Tab stop, arrows and Home/End select', () => {
    const props = mount({ ...ready() });
    const [overview, triage] = [...host.querySelectorAll<HTMLButtonElement>('[role="tab"]')];
    expect([overview!.tabIndex, triage!.tabIndex]).toEqual([0, -1]);
    const key = (k: string) => overview!.dispatchEvent(new KeyboardEvent('keydown', { key: k, bubbles: true }));
    key('ArrowRight');
    key('End');
    key('ArrowLeft');
    key('Home');
    expect(vi.mocked(props.onTabChange).mock.calls.map((c) => c[0])).toEqual(['triage', 'triage', 'triage', 'overview']);
    expect(host.querySelector('[role="tabpanel"]')?.getAttribute('aria-labelledby')).toBe('tl-tab-overview');
  });
});

describe('triage tab', () => {
  it('lists slow jobs and failures with links to the event and replay', () => {
    mount({
      ...ready(),
      tab: 'triage',
      triage: {
        status: 'ready',
        triage: {
          slowest: [
            {
              jobId: 'job_1',
              durationMs: 95_000,
              at: new Date(Date.now() - 120_000).toISOString(),
              detail: 'true',
              eventUrl: 'https://ph.test/ev1',
              replayUrl: null,
            },
          ],
          failures: [
            {
              jobId: 'job_2',
              durationMs: 300,
              at: new Date(Date.now() - 7_200_000).toISOString(),
              detail: 'ocr_failed',
              eventUrl: 'https://ph.test/ev2',
              replayUrl: 'https://ph.test/rep2',
            },
          ],
        },
      },
    });
    expect(text('[data-testid="triage-slow"]')).toMatch(/1 min 35 s.*job_1 · cached.*2 min ago.*event/);
    expect(text('[data-testid="triage-failure"]')).toMatch(/ocr_failed.*job_2 · 300 ms.*2 h ago.*event.*replay/);
    expect(host.querySelector('[data-testid="triage-failure"] a[href="https://ph.test/rep2"]')).not.toBeNull();
  });
});

describe('CardContainer', () => {
  function api(overrides: Partial<CardApi> = {}): CardApi {
    return { loadMetrics: vi.fn(), loadTriage: vi.fn(), openOptions: vi.fn(), savePrefs: vi.fn(), ...overrides };
  }

  /** The card as the content script mounts it when the default range's figures (and, here, what came with them) are already at hand. */
  function renderWithFiguresAtHand(cardApi: CardApi, extras: Pick<CardContainerProps, 'initialRanking' | 'initialAnnotations'> = {}) {
    act(() =>
      render(
        <CardContainer
          tool="pdf-to-text"
          matchedBy="URL"
          api={cardApi}
          prefs={{ corner: 'bottom-right', hidden: false }}
          onHide={vi.fn()}
          initial={{ ok: true, metrics, links, changes }}
          {...extras}
        />,
        host,
      ),
    );
  }

  it('loads the default range, switches range, and ignores a stale answer', async () => {
    host = document.createElement('div');
    document.body.append(host);
    const resolvers: Array<(r: ToolMetricsResponse) => void> = [];
    const cardApi = api({ loadMetrics: vi.fn(() => new Promise<ToolMetricsResponse>((resolve) => resolvers.push(resolve))) });
    await act(() =>
      render(<CardContainer tool="pdf-to-text" matchedBy="URL" api={cardApi} prefs={{ corner: 'bottom-right', hidden: false }} onHide={vi.fn()} />, host),
    );
    expect(cardApi.loadMetrics).toHaveBeenLastCalledWith('7d', false);

    await act(() => (host.querySelector('[aria-pressed="false"]') as HTMLButtonElement).click()); // 1h
    expect(cardApi.loadMetrics).toHaveBeenLastCalledWith('1h', false);
    await act(() => resolvers[1]!({ ok: true, metrics: { ...metrics, range: '1h' as const }, links, changes }));
    await act(() => resolvers[0]!({ ok: false, error: { kind: 'server', message: 'old answer' } }));
    expect(host.querySelector('[data-testid="card-ready"]')).not.toBeNull();
    // Stamped once with when the figures arrived, on the page's clock (what the benchmark reads).
    expect(Number((host.querySelector('[data-testid="card-ready"]') as HTMLElement).dataset.readyAt)).toBeGreaterThan(0);
    expect(host.textContent).not.toContain('old answer');

    // Escape inside the card collapses it.
    await act(() => {
      host.querySelector('button')!.dispatchEvent(new KeyboardEvent('keydown', { key: 'Escape', bubbles: true }));
    });
    expect(host.querySelector('.tl-pill')).not.toBeNull();
  });

  it('loads triage when its tab opens, moves corners and hides on request', async () => {
    host = document.createElement('div');
    document.body.append(host);
    const triage: TriageResponse = { ok: true, triage: { slowest: [], failures: [] } };
    const onHide = vi.fn();
    const cardApi = api({ loadMetrics: vi.fn(async () => ({ ok: true as const, metrics, links, changes })), loadTriage: vi.fn(async () => triage) });
    await act(() =>
      render(<CardContainer tool="pdf-to-text" matchedBy="URL" api={cardApi} prefs={{ corner: 'bottom-right', hidden: false }} onHide={onHide} />, host),
    );
    await act(() => (host.querySelector('[role="tab"][aria-selected="false"]') as HTMLButtonElement).click());
    await act(async () => undefined); // let the triage answer land
    expect(cardApi.loadTriage).toHaveBeenCalledWith('7d');
    expect(text('[data-testid="triage-slowest"]')).toContain('No completed jobs');

    await act(() => (host.querySelector('[aria-label="Move to the next corner"]') as HTMLButtonElement).click());
    expect(host.querySelector('[data-testid="card-root"]')?.getAttribute('data-corner')).toBe('bottom-left');
    expect(cardApi.savePrefs).toHaveBeenLastCalledWith({ corner: 'bottom-left' });

    await act(() => (host.querySelector('[aria-label="Hide on this site"]') as HTMLButtonElement).click());
    expect(cardApi.savePrefs).toHaveBeenLastCalledWith({ hidden: true });
    expect(onHide).toHaveBeenCalled();
  });

  it("opens as its pill when the site's prefs say collapsed, and saves every collapse, expand and move as that change alone", async () => {
    host = document.createElement('div');
    document.body.append(host);
    const cardApi = api({ loadMetrics: vi.fn(async () => ({ ok: true as const, metrics, links, changes })) });
    await act(() =>
      render(
        <CardContainer tool="pdf-to-text" matchedBy="URL" api={cardApi} prefs={{ corner: 'top-left', hidden: false, collapsed: true }} onHide={vi.fn()} />,
        host,
      ),
    );
    await act(async () => undefined); // the figures land
    expect(host.querySelector('[data-testid="card-ready"]')).toBeNull();
    expect(text('[data-testid="card-pill"]')).toMatch(/pdf-to-text.*p95 .* failed/);
    // Timed by its pill, as the expanded card is by its figures (what the benchmark reads).
    expect(Number(host.querySelector<HTMLElement>('[data-testid="pill-ready"]')?.dataset.readyAt)).toBeGreaterThan(0);
    expect(cardApi.savePrefs).not.toHaveBeenCalled(); // opening as saved saves nothing

    await act(() => (host.querySelector('[data-testid="card-pill"]') as HTMLButtonElement).click());
    expect(host.querySelector('[data-testid="card-ready"]')).not.toBeNull();
    expect(cardApi.savePrefs).toHaveBeenLastCalledWith({ collapsed: false });

    await act(() => (host.querySelector('[aria-label="Collapse"]') as HTMLButtonElement).click());
    expect(host.querySelector('[data-testid="card-pill"]')).not.toBeNull();
    expect(cardApi.savePrefs).toHaveBeenLastCalledWith({ collapsed: true });

    // Moved, then Escape with nothing focused on the page (a listener set up before the move): the
    // collapse alone, so no corner of an earlier render is saved with it.
    await act(() => (host.querySelector('[data-testid="card-pill"]') as HTMLButtonElement).click());
    await act(() => (host.querySelector('[aria-label="Move to the next corner"]') as HTMLButtonElement).click());
    expect(cardApi.savePrefs).toHaveBeenLastCalledWith({ corner: 'top-right' });
    (document.activeElement as HTMLElement | null)?.blur();
    await act(() => void document.dispatchEvent(new KeyboardEvent('keydown', { key: 'Escape', bubbles: true })));
    expect(host.querySelector('[data-testid="card-pill"]')).not.toBeNull();
    expect(cardApi.savePrefs).toHaveBeenLastCalledWith({ collapsed: true });
    expect(cardApi.savePrefs).toHaveBeenCalledTimes(5);
  });

  it('shows figures already at hand in its first render, without loading them again; a new range loads', async () => {
    host = document.createElement('div');
    document.body.append(host);
    const loadMetrics = vi.fn(async () => ({ ok: true as const, metrics, links, changes }));
    const cardApi = api({ loadMetrics });
    renderWithFiguresAtHand(cardApi);
    expect(host.querySelector('[data-testid="card-ready"]')).not.toBeNull();
    expect(host.querySelector('[data-testid="card-loading"]')).toBeNull();
    await act(async () => await new Promise((r) => setTimeout(r, 0)));
    expect(loadMetrics).not.toHaveBeenCalled();
    await act(() => (host.querySelector('[aria-pressed="false"]') as HTMLButtonElement).click());
    expect(loadMetrics).toHaveBeenCalledTimes(1);
  });

  it('shows the ranking and annotations that came with the figures in that first render, and asks for them again on a new range', async () => {
    host = document.createElement('div');
    document.body.append(host);
    const ranked = (tool: string, position: number) => ({
      tool,
      started: 10,
      failed: 1,
      viewers: 5,
      downloaders: 2,
      n: 9,
      p95Ms: 1000,
      standing: { tool, p95: { position, of: 2 }, failureRate: null, viewToDownload: null },
    });
    const ranking: RankingResponse = { ok: true, ranking: { range: '7d', at: 1, tools: [ranked('other', 1), ranked('pdf-to-text', 2)] } };
    const at = (metrics.latency.spark[1]!.at + 3600) * 1000;
    const annotations: AnnotationsResponse = { ok: true, annotations: [{ id: 1, content: 'Deployed v2', at }] };
    const cardApi = api({
      loadMetrics: vi.fn(async () => ({ ok: true as const, metrics, links, changes })),
      loadRanking: vi.fn(async () => ranking),
      loadAnnotations: vi.fn(async () => annotations),
    });
    const renders = vi.fn();
    const previous = options.diffed;
    options.diffed = (vnode) => {
      if (vnode.type === MetricsCard) renders();
      previous?.(vnode);
    };
    try {
      renderWithFiguresAtHand(cardApi, { initialRanking: ranking, initialAnnotations: annotations });
      expect(text('[data-testid="standing"]')).toBe('Among 2 tools: p95 2nd slowest of 2');
      expect(host.querySelectorAll('[data-testid="annotation"]')).toHaveLength(1);
      await act(async () => await new Promise((r) => setTimeout(r, 0)));
      expect(renders).toHaveBeenCalledTimes(1);
    } finally {
      options.diffed = previous;
    }
    expect(cardApi.loadRanking).not.toHaveBeenCalled();
    expect(cardApi.loadAnnotations).not.toHaveBeenCalled();
    await act(() => (host.querySelector('[aria-pressed="false"]') as HTMLButtonElement).click());
    await act(async () => await new Promise((r) => setTimeout(r, 0)));
    expect(cardApi.loadRanking).toHaveBeenCalledWith('1h');
    expect(cardApi.loadAnnotations).toHaveBeenCalledWith('1h');
  });

  it('compares before / after an annotation on a click, and goes back to the range', async () => {
    host = document.createElement('div');
    document.body.append(host);
    const at = Date.now() - 3_600_000;
    const loadMetrics = vi.fn(async (_range: RangeKey, _refresh: boolean, since?: number) => ({
      ok: true as const,
      metrics: since === undefined ? metrics : { ...metrics, split: { at: since, seconds: 7_200 } },
      links,
      changes,
    }));
    const cardApi = api({ loadMetrics, loadAnnotations: vi.fn(async () => ({ ok: true as const, annotations: [{ id: 1, content: 'Deployed v2', at }] })) });
    await act(() =>
      render(<CardContainer tool="pdf-to-text" matchedBy="URL" api={cardApi} prefs={{ corner: 'bottom-right', hidden: false }} onHide={vi.fn()} />, host),
    );
    for (let i = 0; i < 3; i++) await act(async () => await new Promise((r) => setTimeout(r, 0)));
    const compare = host.querySelector<HTMLButtonElement>('[data-testid="annotation-compare"]');
    // The visible text begins the accessible name (WCAG 2.5.3), the annotation's text completes it.
    expect(compare?.getAttribute('aria-label')).toBe('before / after Deployed v2');
    await act(async () => {
      compare!.click();
    });
    for (let i = 0; i < 3; i++) await act(async () => await new Promise((r) => setTimeout(r, 0)));
    expect(loadMetrics).toHaveBeenLastCalledWith('7d', false, at);
    expect(host.querySelector('[data-testid="split-banner"]')?.textContent).toMatch(
      /Before \/ after .*“Deployed v2”.*the 2 h since, against as long before\. Back to last 7 days/,
    );
    // The annotation compared against offers no second click on itself.
    expect(host.querySelector('[data-testid="annotation-compare"]')).toBeNull();
    await act(async () => {
      host.querySelector<HTMLButtonElement>('[data-testid="split-back"]')!.click();
    });
    for (let i = 0; i < 3; i++) await act(async () => await new Promise((r) => setTimeout(r, 0)));
    expect(loadMetrics).toHaveBeenLastCalledWith('7d', false);
    expect(host.querySelector('[data-testid="split-banner"]')).toBeNull();
  });

  it('follows a drag by its header and settles in the nearest corner; a click is not a drag', async () => {
    host = document.createElement('div');
    document.body.append(host);
    const cardApi = api({ loadMetrics: vi.fn(async () => ({ ok: true as const, metrics, links, changes })) });
    await act(() =>
      render(<CardContainer tool="pdf-to-text" matchedBy="URL" api={cardApi} prefs={{ corner: 'bottom-right', hidden: false }} onHide={vi.fn()} />, host),
    );
    const root = () => host.querySelector<HTMLElement>('[data-testid="card-root"]')!;
    const header = host.querySelector('.tl-header')!;
    const pointer = (type: string, x: number, y: number) => new PointerEvent(type, { clientX: x, clientY: y, button: 0, bubbles: true });

    await act(() => void header.dispatchEvent(pointer('pointerdown', 900, 700)));
    await act(() => void window.dispatchEvent(pointer('pointermove', 300, 200)));
    expect(root().classList.contains('tl-dragging')).toBe(true);
    expect(root().style.transform).toBe('translate(-600px, -500px)');
    await act(() => void window.dispatchEvent(pointer('pointerup', 10, 10)));
    expect(root().getAttribute('data-corner')).toBe('top-left');
    expect(root().classList.contains('tl-dragging')).toBe(false);
    expect(cardApi.savePrefs).toHaveBeenLastCalledWith({ corner: 'top-left' });

    await act(() => void header.dispatchEvent(pointer('pointerdown', 10, 10)));
    await act(() => void window.dispatchEvent(pointer('pointerup', 12, 11)));
    expect(root().getAttribute('data-corner')).toBe('top-left');
    expect(cardApi.savePrefs).toHaveBeenCalledTimes(1);
  });

  describe('after a failure', () => {
    afterEach(() => {
      vi.useRealTimers();
      vi.restoreAllMocks();
      Object.defineProperty(document, 'hidden', { configurable: true, value: false });
    });
    const mountCard = async (cardApi: CardApi) => {
      host = document.createElement('div');
      document.body.append(host);
      await act(() =>
        render(<CardContainer tool="pdf-to-text" matchedBy="URL" api={cardApi} prefs={{ corner: 'bottom-right', hidden: false }} onHide={vi.fn()} />, host),
      );
      await act(async () => undefined);
    };

    it('asks again by itself, backing off, says when, and recovers when the fault clears', async () => {
      vi.useFakeTimers({ now: new Date('2026-11-25T10:00:00Z') });
      vi.spyOn(Math, 'random').mockReturnValue(0);
      const answers: ToolMetricsResponse[] = [
        { ok: false, error: { kind: 'server', message: 'PostHog answered 503' } },
        { ok: false, error: { kind: 'server', message: 'PostHog answered 503' } },
        { ok: true, metrics, links, changes },
      ];
      const cardApi = api({ loadMetrics: vi.fn(async () => answers.shift()!) });
      await mountCard(cardApi);
      expect(host.querySelector('[data-testid="card-error"]')?.textContent).toContain('503');
      // First retry after 15 s (no jitter drawn here), and the card says when.
      expect(text('[data-testid="retry-at"]')).toContain(`asks again by itself at ${formatClock(Date.parse('2026-11-25T10:00:15Z'))}`);
      await act(async () => void (await vi.advanceTimersByTimeAsync(14_900)));
      expect(cardApi.loadMetrics).toHaveBeenCalledTimes(1);
      await act(async () => void (await vi.advanceTimersByTimeAsync(200)));
      expect(cardApi.loadMetrics).toHaveBeenCalledTimes(2);
      // Not a refresh: the worker may answer from a newer request made by another tab.
      expect(cardApi.loadMetrics).toHaveBeenLastCalledWith('7d', false);
      // The error stays on screen meanwhile; the second retry backs off to 30 s.
      expect(host.querySelector('[data-testid="card-error"]')).not.toBeNull();
      await act(async () => void (await vi.advanceTimersByTimeAsync(29_700)));
      expect(cardApi.loadMetrics).toHaveBeenCalledTimes(2);
      await act(async () => void (await vi.advanceTimersByTimeAsync(200)));
      expect(cardApi.loadMetrics).toHaveBeenCalledTimes(3);
      expect(host.querySelector('[data-testid="card-ready"]')).not.toBeNull();
      expect(host.querySelector('[data-testid="retry-at"]')).toBeNull();
      // Recovered: no more requests.
      await act(async () => void (await vi.advanceTimersByTimeAsync(600_000)));
      expect(cardApi.loadMetrics).toHaveBeenCalledTimes(3);
    });

    it('keeps stale figures while retrying, and never before Retry-After', async () => {
      vi.useFakeTimers({ now: new Date('2026-11-25T10:00:00Z') });
      vi.spyOn(Math, 'random').mockReturnValue(0);
      const cardApi = api({
        loadMetrics: vi
          .fn()
          .mockResolvedValueOnce({
            ok: true,
            metrics,
            links,
            changes,
            stale: { kind: 'rate_limited', message: 'PostHog is rate limiting this key; retrying in 120 s', retryInMs: 120_000 },
          })
          .mockResolvedValue({ ok: true, metrics, links, changes }),
      });
      await mountCard(cardApi);
      expect(text('[data-testid="stale-banner"]')).toContain('as of');
      expect(text('[data-testid="stale-banner"]')).toContain('retrying in 120 s. Tool Lens asks again by itself at');
      expect(text('[data-testid="retry-at"]')).toContain(formatClock(Date.parse('2026-11-25T10:02:01Z')));
      await act(async () => void (await vi.advanceTimersByTimeAsync(120_500)));
      expect(cardApi.loadMetrics).toHaveBeenCalledTimes(1);
      await act(async () => void (await vi.advanceTimersByTimeAsync(1_000)));
      expect(cardApi.loadMetrics).toHaveBeenCalledTimes(2);
      expect(host.querySelector('[data-testid="stale-banner"]')).toBeNull();
    });

    it('keeps its figures, marked stale, when a refresh loses the worker, and recovers by itself', async () => {
      vi.useFakeTimers();
      const cardApi = api({
        loadMetrics: vi
          .fn()
          .mockResolvedValueOnce({ ok: true, metrics, links, changes })
          .mockRejectedValueOnce(new Error('Could not establish connection. Receiving end does not exist.'))
          .mockResolvedValue({ ok: true, metrics: { ...metrics, asOf: '2026-11-25T11:00:00Z' }, links, changes }),
      });
      await mountCard(cardApi);
      await act(() => (host.querySelector('[aria-label="Refresh"]') as HTMLButtonElement).click());
      await act(async () => undefined);
      expect(host.querySelector('[data-testid="card-ready"]')).not.toBeNull();
      expect(text('[data-testid="stale-banner"]')).toContain('lost touch with its background worker');
      expect(text('[data-testid="stale-banner"]')).toContain(`as of ${formatTime(metrics.asOf)}`);
      await act(async () => void (await vi.advanceTimersByTimeAsync(20_000)));
      expect(cardApi.loadMetrics).toHaveBeenCalledTimes(3);
      expect(host.querySelector('[data-testid="stale-banner"]')).toBeNull();
    });

    it('once removed, asks nothing more, even when an answer was still on its way', async () => {
      vi.useFakeTimers();
      let answer: (r: ToolMetricsResponse) => void = () => undefined;
      const cardApi = api({
        loadMetrics: vi
          .fn()
          .mockResolvedValueOnce({ ok: true, metrics, links, changes })
          .mockImplementationOnce(() => new Promise<ToolMetricsResponse>((resolve) => (answer = resolve)))
          .mockResolvedValue({ ok: false, error: { kind: 'server', message: 'down' } }),
      });
      await mountCard(cardApi);
      await act(() => (host.querySelector('[aria-label="Refresh"]') as HTMLButtonElement).click());
      expect(cardApi.loadMetrics).toHaveBeenCalledTimes(2);
      await act(() => render(null, host));
      await act(async () => answer({ ok: false, error: { kind: 'server', message: 'PostHog answered 503' } }));
      await act(async () => void (await vi.advanceTimersByTimeAsync(3_600_000)));
      expect(cardApi.loadMetrics).toHaveBeenCalledTimes(2);
    });

    it('spends nothing while its tab is hidden; asks when the tab is back in view', async () => {
      vi.useFakeTimers();
      const cardApi = api({
        loadMetrics: vi
          .fn()
          .mockResolvedValueOnce({ ok: false, error: { kind: 'network', message: 'offline' } })
          .mockResolvedValue({ ok: true, metrics, links, changes }),
      });
      await mountCard(cardApi);
      Object.defineProperty(document, 'hidden', { configurable: true, value: true });
      await act(async () => void (await vi.advanceTimersByTimeAsync(600_000)));
      expect(cardApi.loadMetrics).toHaveBeenCalledTimes(1);
      Object.defineProperty(document, 'hidden', { configurable: true, value: false });
      await act(async () => void document.dispatchEvent(new Event('visibilitychange')));
      await act(async () => undefined);
      expect(cardApi.loadMetrics).toHaveBeenCalledTimes(2);
      expect(host.querySelector('[data-testid="card-ready"]')).not.toBeNull();
    });

    it('leaves missing settings to the user, and looks again when the tab comes back (from the options)', async () => {
      vi.useFakeTimers();
      const cardApi = api({
        loadMetrics: vi
          .fn()
          .mockResolvedValueOnce({ ok: false, error: { kind: 'not_configured', message: 'not connected' } })
          .mockResolvedValue({ ok: true, metrics, links, changes }),
      });
      await mountCard(cardApi);
      await act(async () => void (await vi.advanceTimersByTimeAsync(3_600_000)));
      expect(cardApi.loadMetrics).toHaveBeenCalledTimes(1);
      expect(host.querySelector('[data-testid="retry-at"]')).toBeNull();
      await act(async () => void document.dispatchEvent(new Event('visibilitychange')));
      await act(async () => undefined);
      expect(cardApi.loadMetrics).toHaveBeenCalledTimes(2);
    });
  });
});

describe('a card PostHog computes as an async query, and a sampled one', () => {
  afterEach(() => {
    vi.useRealTimers();
    Object.defineProperty(document, 'hidden', { configurable: true, value: false });
  });
  const computing = (since: number, rowsRead: number | null = null, rowsTotal: number | null = null) => ({ since, rowsRead, rowsTotal, askAgainInMs: 3000 });

  it('says PostHog is computing, for how long and how far, as a status; no figures, no error', () => {
    mount({ state: { status: 'computing', computing: computing(Date.now() - 12_000, 400, 1_000) } });
    expect(text('[data-testid="card-computing"]')).toMatch(/PostHog is computing these figures \(1[2-3] s so far, 40 % of 1,000 rows read\)/);
    expect(host.querySelector('[data-testid="card-computing"]')!.getAttribute('role')).toBe('status');
    expect((host.querySelector('progress') as HTMLProgressElement).value).toBeCloseTo(0.4);
    expect(host.querySelector('[data-testid="card-error"]')).toBeNull();
    expect(host.querySelector('section')!.getAttribute('aria-busy')).toBe('true');
    expect((host.querySelector('[aria-label="Refresh"]') as HTMLButtonElement).disabled).toBe(true);
  });

  it('keeps the last figures on screen while new ones are computed, and says so', () => {
    mount({ state: { status: 'ready', metrics, links, changes, computing: computing(Date.now() - 5_000) } });
    expect(host.querySelector('[data-testid="card-ready"]')).not.toBeNull();
    expect(text('[data-testid="computing-banner"]')).toMatch(/PostHog is computing new figures \([5-6] s so far\); showing those as of/);
  });

  it('labels sampled figures "1 in N users" and asks for all data on a click', () => {
    const onUseAllData = vi.fn();
    mount({ ...ready({ ...metrics, sample: { factor: 10, events: 2_000_000 } }), onUseAllData });
    expect(text('[data-testid="sample"]')).toContain('Sampled: 1 in 10 users, counts estimated (×10).');
    (host.querySelector('[data-testid="use-all-data"]') as HTMLButtonElement).click();
    expect(onUseAllData).toHaveBeenCalledOnce();
    render(null, host);
    mount(ready());
    expect(host.querySelector('[data-testid="sample"]')).toBeNull();
  });

  it('asks again while PostHog computes, even from a hidden tab (each ask keeps the query wanted), then shows the figures', async () => {
    vi.useFakeTimers();
    const loadMetrics = vi
      .fn()
      .mockResolvedValueOnce({ ok: false, error: { kind: 'computing', message: 'computing', retryInMs: 3000 }, computing: computing(Date.now()) })
      .mockResolvedValueOnce({ ok: false, error: { kind: 'computing', message: 'computing', retryInMs: 3000 }, computing: computing(Date.now(), 10, 100) })
      .mockResolvedValue({ ok: true, metrics, links, changes });
    host = document.createElement('div');
    document.body.append(host);
    await act(() =>
      render(
        <CardContainer
          tool="pdf-to-text"
          matchedBy="URL"
          api={{ loadMetrics, loadTriage: vi.fn(), openOptions: vi.fn(), savePrefs: vi.fn() }}
          prefs={{ corner: 'bottom-right', hidden: false }}
          onHide={vi.fn()}
        />,
        host,
      ),
    );
    await act(async () => undefined);
    expect(host.querySelector('[data-testid="card-computing"]')).not.toBeNull();
    Object.defineProperty(document, 'hidden', { configurable: true, value: true });
    await act(async () => void (await vi.advanceTimersByTimeAsync(3000)));
    expect(loadMetrics).toHaveBeenCalledTimes(2);
    expect(text('[data-testid="card-computing"]')).toContain('10 % of 100 rows read');
    await act(async () => void (await vi.advanceTimersByTimeAsync(3000)));
    expect(loadMetrics).toHaveBeenCalledTimes(3);
    expect(host.querySelector('[data-testid="card-ready"]')).not.toBeNull();
    // Figures in: nothing more is asked.
    await act(async () => void (await vi.advanceTimersByTimeAsync(60_000)));
    expect(loadMetrics).toHaveBeenCalledTimes(3);
  });

  it('switches to all data keeping the sample on screen until the exact figures come', async () => {
    const sampled = { ok: true as const, metrics: { ...metrics, sample: { factor: 10, events: 3_000_000 } }, links, changes };
    let answerAll: (r: ToolMetricsResponse) => void = () => {};
    const loadMetrics = vi.fn((_r: RangeKey, _refresh: boolean, _since?: number, allData?: boolean) =>
      allData ? new Promise<ToolMetricsResponse>((resolve) => (answerAll = resolve)) : Promise.resolve(sampled),
    );
    host = document.createElement('div');
    document.body.append(host);
    await act(() =>
      render(
        <CardContainer
          tool="pdf-to-text"
          matchedBy="URL"
          api={{ loadMetrics, loadTriage: vi.fn(), openOptions: vi.fn(), savePrefs: vi.fn() }}
          prefs={{ corner: 'bottom-right', hidden: false }}
          onHide={vi.fn()}
        />,
        host,
      ),
    );
    await act(async () => undefined);
    await act(() => (host.querySelector('[data-testid="use-all-data"]') as HTMLButtonElement).click());
    expect(loadMetrics).toHaveBeenLastCalledWith('7d', false, undefined, true);
    expect(host.querySelector('[data-testid="sample"]')).not.toBeNull(); // still the sample meanwhile
    await act(async () => answerAll({ ok: true, metrics, links, changes }));
    await act(async () => undefined);
    expect(host.querySelector('[data-testid="sample"]')).toBeNull();
    expect(host.querySelector('[data-testid="card-ready"]')).not.toBeNull();
  });
});

describe('hostile and unusual event data', () => {
  // Anyone who can send events to the project writes these strings: they must stay text.
  const HOSTILE = ['<img src=x onerror=alert(1)>', 'javascript:alert(1)', '<script>alert(1)</script>', '"><svg onload=alert(1)>'];
  const noData = (toolsSeen: ToolMetrics['toolsSeen']): ToolMetrics => ({
    ...metrics,
    funnel: { ...metrics.funnel, steps: metrics.funnel.steps.map((s) => ({ ...s, current: 0 })) },
    toolsSeen,
  });
  /** `length` code points cycling through `parts`: emoji (surrogate pairs, ZWJ), RTL text, combining marks. */
  const longText = (parts: string[], length = 10_000) => Array.from({ length }, (_, i) => parts[i % parts.length]).join('');
  const EMOJI = longText(['😀', '👩‍💻', '🏳️‍🌈', ' ']);
  const RTL = longText(['م', 'ر', 'ح', 'ب', 'ا', ' ', '\u200F']);
  const COMBINING = longText(['e\u0301', 'Z\u0351\u0352\u0353', 'n\u0303', '\u0300']);

  it('shows hostile tool names in the "tools seen" hint as text: no element, no link', () => {
    mount(ready(noData(HOSTILE.map((tool, i) => ({ tool, views: 10 - i })))));
    const hint = host.querySelector('[data-testid="tools-seen"]')!;
    expect(hint.textContent).toContain(
      '<img src=x onerror=alert(1)> (10), javascript:alert(1) (9), <script>alert(1)</script> (8), "><svg onload=alert(1)> (7)',
    );
    // The hint is a single paragraph of text: nothing inside it was parsed as markup.
    expect(hint.children).toHaveLength(0);
    expect(host.querySelector('img, script, svg:not(.tl-spark), [onerror], [onload]')).toBeNull();
    expect([...host.querySelectorAll('a')].map((a) => a.getAttribute('href'))).not.toContain('javascript:alert(1)');
  });

  it('shows a hostile tool name of its own as text in the "no data" explanation', () => {
    mount(ready({ ...noData([{ tool: 'pdf2txt', views: 5 }]), tool: '<img src=x onerror=alert(1)>' }));
    expect(text('[data-testid="card-nodata"] strong')).toBe('<img src=x onerror=alert(1)>');
    expect(host.querySelector('img')).toBeNull();
  });

  it('keeps 10 000-character error types with emoji, RTL and combining marks intact, as text', () => {
    const errors = [
      { type: EMOJI, current: 3, previous: 1 },
      { type: RTL, current: 2, previous: 2 },
      { type: COMBINING, current: 1, previous: 0 },
    ];
    mount(ready({ ...metrics, errors }));
    const items = [...host.querySelectorAll('[data-testid="error-type"]')];
    // Not cut nor normalised in the DOM: the card's CSS ellipsis only shortens what is painted.
    expect(items.map((li) => li.querySelector('.tl-error-type')?.textContent)).toEqual([EMOJI, RTL, COMBINING]);
    expect(items.map((li) => li.getAttribute('data-type'))).toEqual([EMOJI, RTL, COMBINING]);
    expect(items.map((li) => li.querySelector('.tl-error-count')?.textContent)).toEqual(['3', '2', '1']);
    expect(EMOJI.length).toBeGreaterThan(10_000);
    expect(COMBINING.normalize('NFC')).not.toBe(COMBINING); // the input really holds decomposed marks
  });

  it('keeps long Unicode job ids and failure details intact in the triage rows', () => {
    const at = new Date(Date.now() - 60_000).toISOString();
    mount({
      ...ready(),
      tab: 'triage',
      triage: {
        status: 'ready',
        triage: {
          slowest: [{ jobId: RTL, durationMs: 95_000, at, detail: 'false', eventUrl: 'https://ph.test/ev1', replayUrl: null }],
          failures: [
            { jobId: EMOJI, durationMs: null, at, detail: COMBINING, eventUrl: 'https://ph.test/ev2', replayUrl: 'https://ph.test/rep2' },
            {
              jobId: '<img src=x onerror=alert(1)>',
              durationMs: null,
              at,
              detail: '<script>alert(1)</script>',
              eventUrl: 'https://ph.test/ev3',
              replayUrl: null,
            },
          ],
        },
      },
    });
    const slow = host.querySelector('[data-testid="triage-slow"] .tl-triage-job')!;
    expect(slow.textContent).toBe(RTL);
    expect(slow.getAttribute('title')).toBe(RTL);
    const [failure, hostile] = [...host.querySelectorAll('[data-testid="triage-failure"]')];
    expect(failure!.querySelector('.tl-error-type')?.textContent).toBe(COMBINING);
    expect(failure!.querySelector('.tl-triage-job')?.textContent).toBe(EMOJI);
    expect(failure!.querySelector('a[href="https://ph.test/rep2"]')?.getAttribute('aria-label')).toBe(`Watch the session replay for job ${EMOJI}`);
    expect(hostile!.querySelector('.tl-error-type')?.textContent).toBe('<script>alert(1)</script>');
    expect(hostile!.querySelector('.tl-triage-job')?.textContent).toBe('<img src=x onerror=alert(1)>');
    expect(host.querySelector('img, script')).toBeNull();
    expect([...host.querySelectorAll('[data-testid="card-triage"] a')].map((a) => a.getAttribute('href'))).toEqual([
      'https://ph.test/ev1',
      'https://ph.test/ev2',
      'https://ph.test/rep2',
      'https://ph.test/ev3',
    ]);
  });
});

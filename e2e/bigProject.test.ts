/**
 * End to end in Chromium: a tool whose card takes longer than PostHog's API ceiling. The local
 * PostHog stops blocking queries at its ceiling with PostHog's 504 ("Submit it as an async query");
 * the card says PostHog is computing, then shows the same figures an unhurried query gives.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalPostHog } from '../local-posthog/server';
import type { SampleSite } from '../sample-site/server';
import type { ExtensionBrowser } from './harness/chromium';
import { cardOf as card } from './harness/closedCard';
import { servicesFor } from '../lib/testing/services';
import { memoryStore } from '../lib/storage/store';
import { DEFAULT_METRICS_OPTIONS } from '../lib/settings/settings';
import { startStack, type Stack } from './stack';

let postHog: LocalPostHog;
let site: SampleSite;
let browser: ExtensionBrowser;
let stack: Stack;
const QUERY = '/api/projects/1/query';
const STATUS = /^\/api\/projects\/1\/query\/[^/]+$/;

beforeAll(async () => {
  stack = await startStack({ postHog: { seed: { seed: 23, days: 3, events: 3000 } } });
  ({ postHog, site, browser } = stack);
});
afterAll(() => stack?.close());

describe('a card past the API ceiling', () => {
  it('shows that PostHog is computing, then the figures, from an async query', async () => {
    postHog.faults.resetCount();

    // The card query takes 6 s; a blocking API query may take 2.
    postHog.setLimits({ apiMaxExecutionSeconds: 2 });
    postHog.slowDownQueries({ extraMs: 6_000, matching: 'sumForEach', times: 2 });
    const page = await browser.context.newPage();
    await page.goto(`${site.url}/tools/audio-transcriber`);
    const computing = card(page).locator('[data-testid="card-computing"]');
    await computing.waitFor({ timeout: 60_000 });
    expect(await computing.textContent()).toMatch(/PostHog is computing these figures \(\d+ s so far/);
    await page.screenshot({ path: '.tmp/card-computing.png' });

    await card(page).locator('[data-testid="card-ready"]').waitFor({ timeout: 90_000 });
    // The same figures as a query in no hurry (the page's own view included, sent as it loaded).
    postHog.setLimits({ apiMaxExecutionSeconds: 10 });
    const exact = await servicesFor({
      loadSettings: async () => ({ status: 'configured', settings: { ...stack.settings, ...DEFAULT_METRICS_OPTIONS } }),
      store: memoryStore(),
    }).card.getToolMetrics('audio-transcriber', '7d', true);
    if (!exact.ok) throw new Error(exact.error.message);
    expect(await card(page).locator('[data-testid="funnel-step-1"]').getAttribute('data-sessions')).toBe(String(exact.metrics.funnel.steps[0]!.current));
    expect(await card(page).locator('[data-testid="card-computing"]').count()).toBe(0);
    // One blocking attempt stopped at the ceiling, one async start, and polls — not a request per ask.
    expect(postHog.faults.count(new RegExp(`^${QUERY}$`), 'POST')).toBeLessThanOrEqual(4); // + ranking and annotations' friends
    expect(postHog.faults.count(STATUS, 'GET')).toBeGreaterThan(0);
    expect(postHog.faults.count(STATUS, 'GET')).toBeLessThan(30);
    await page.close();
  });

  it('cancels the query at PostHog when the tab waiting for it is closed', async () => {
    postHog.resetQueryState();
    postHog.faults.resetCount();
    postHog.setLimits({ apiMaxExecutionSeconds: 2 });
    postHog.slowDownQueries({ extraMs: 120_000, matching: 'sumForEach', times: 2 });
    const page = await browser.context.newPage();
    await page.goto(`${site.url}/tools/video-summarizer`);
    await card(page).locator('[data-testid="card-computing"]').waitFor({ timeout: 60_000 });
    expect(postHog.faults.count(STATUS, 'DELETE')).toBe(0);
    await page.close();
    await expect.poll(() => postHog.faults.count(STATUS, 'DELETE'), { timeout: 30_000 }).toBe(1);
  });
});

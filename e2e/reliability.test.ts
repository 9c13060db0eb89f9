/**
 * End to end, the fault matrix's representative subset in Chromium: the local PostHog answers 401,
 * 429 with Retry-After, 503, or too slowly, and the MV3 worker is stopped in the middle of a
 * request. Each time the card keeps its last figures with their as-of time and says what is wrong,
 * the server sees no request storm, and the card recovers once the fault clears. The cached figures
 * also outlive the browser: restarted on the same profile while PostHog is down, the card shows them.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import type { LocalPostHog } from '../local-posthog/server';
import type { SampleSite } from '../sample-site/server';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { configureExtension, launchWithExtension, type ExtensionBrowser } from './harness/chromium';
import { startStack, type Stack } from './stack';
import { cardOf as card } from './harness/closedCard';

let postHog: LocalPostHog;
let site: SampleSite;
let browser: ExtensionBrowser;
let stack: Stack;
const QUERY = '/api/projects/1/query/';
/** Everything the workers and the pages print to the console, to check the key is never among it. */
const logs: string[] = [];
function listen(b: ExtensionBrowser) {
  b.worker.on('console', (m) => logs.push(m.text()));
  b.context.on('serviceworker', (w) => w.on('console', (m) => logs.push(m.text())));
  b.context.on('page', (p) => p.on('console', (m) => logs.push(m.text())));
}

const staleBanner = (page: Page) => card(page).locator('[data-testid="stale-banner"]');
const meta = (page: Page) => card(page).locator('[data-testid="card-meta"]').textContent();
const viewsShown = (page: Page) => card(page).locator('[data-testid="funnel-step-1"]').getAttribute('data-sessions');

async function openReady(tool: string): Promise<Page> {
  const page = await browser.context.newPage();
  await page.goto(`${site.url}/tools/${tool}`);
  await card(page).locator('[data-testid="card-ready"]').waitFor({ timeout: 30_000 });
  return page;
}

async function refresh(page: Page) {
  await card(page).getByRole('button', { name: 'Refresh' }).click();
}

/** The card after a refresh settles: not refreshing any more. */
async function settled(page: Page, timeout = 30_000) {
  await expect.poll(() => card(page).getByRole('button', { name: 'Refresh' }).isEnabled(), { timeout }).toBe(true);
}

beforeAll(async () => {
  stack = await startStack({
    postHog: { seed: { seed: 5, days: 3, events: 2500 } },
    onBrowser: listen,
  });
  ({ postHog, site, browser } = stack);
});

afterAll(() => stack?.close());

beforeEach(() => {
  postHog.faults.clear();
  postHog.faults.resetCount();
});

describe('faults on the card', () => {
  it('401: keeps the figures, says the key was rejected, recovers when the key works again', async () => {
    const page = await openReady('news-analyzer');
    const views = await viewsShown(page);
    const before = await meta(page);
    postHog.faults.set({
      path: QUERY,
      status: 401,
      body: {
        type: 'authentication_error',
        code: 'authentication_failed',
        detail: 'Personal API key found in request Authorization header is invalid.',
        attr: null,
      },
    });
    postHog.faults.resetCount();
    await refresh(page);
    await expect.poll(() => staleBanner(page).textContent(), { timeout: 20_000 }).toContain('rejected the personal API key (401)');
    expect(await staleBanner(page).textContent()).toMatch(/^Showing figures as of /);
    expect(await viewsShown(page)).toBe(views);
    expect(await meta(page)).toBe(before);
    expect(postHog.faults.count(QUERY)).toBe(1);

    postHog.faults.clear();
    await refresh(page);
    await expect.poll(() => staleBanner(page).count(), { timeout: 20_000 }).toBe(0);
    // The page's own tool_viewed may have arrived meanwhile.
    expect(Number(await viewsShown(page))).toBeGreaterThanOrEqual(Number(views));
    await page.close();
  });

  it('429 as PostHog sends it (the wait in its text, no Retry-After): says so, never asks sooner, then recovers', async () => {
    const page = await openReady('csv-cleaner');
    postHog.faults.set({
      path: QUERY,
      status: 429,
      body: { type: 'throttled_error', code: 'throttled', detail: 'Request was throttled. Expected available in 4 seconds.', attr: null },
      times: 1,
    });
    postHog.faults.resetCount();
    await refresh(page);
    await expect.poll(() => staleBanner(page).textContent(), { timeout: 20_000 }).toMatch(/rate limiting this key.*retrying in 4 s/);
    // Refreshing again at once: still stale, nothing sent.
    for (let i = 0; i < 3; i++) {
      await settled(page);
      await refresh(page);
    }
    await settled(page);
    expect(await staleBanner(page).textContent()).toContain('rate limiting');
    expect(postHog.faults.count(QUERY)).toBe(1);
    await page.waitForTimeout(4_200);
    await refresh(page);
    await settled(page);
    await expect.poll(async () => ((await staleBanner(page).count()) ? await staleBanner(page).textContent() : 'fresh'), { timeout: 20_000 }).toBe('fresh');
    expect(postHog.faults.count(QUERY)).toBe(2);
    await page.close();
  });

  it('503, then recovery', async () => {
    const page = await openReady('image-compressor');
    const views = await viewsShown(page);
    postHog.faults.set({ path: QUERY, status: 503, body: 'upstream connect error or disconnect/reset before headers' });
    postHog.faults.resetCount();
    await refresh(page);
    await expect.poll(() => staleBanner(page).textContent(), { timeout: 20_000 }).toContain('PostHog had a server error (HTTP 503)');
    expect(await viewsShown(page)).toBe(views);
    // Another tab of the same tool meanwhile: it shows figures (cached or stale), and no storm follows.
    const other = await browser.context.newPage();
    await other.goto(`${site.url}/tools/image-compressor`);
    await card(other).locator('[data-testid="card-ready"]').waitFor({ timeout: 30_000 });
    expect(postHog.faults.count(QUERY)).toBeLessThanOrEqual(2);
    postHog.faults.clear();
    await refresh(page);
    await expect.poll(() => staleBanner(page).count(), { timeout: 20_000 }).toBe(0);
    await other.close();
    await page.close();
  });

  it('recovers by itself once the fault clears: no click, one request', async () => {
    // A tool with no figures cached yet: the card can only show the error, then recover.
    postHog.faults.set({ path: QUERY, status: 502, body: 'Bad Gateway' });
    const page = await browser.context.newPage();
    await page.goto(`${site.url}/tools/pdf-to-text`);
    const error = card(page).locator('[data-testid="card-error"]');
    await expect.poll(() => error.textContent(), { timeout: 20_000 }).toContain('HTTP 502');
    expect(await error.textContent()).toMatch(/asks again by itself at \d\d:\d\d:\d\d/);
    postHog.faults.clear();
    postHog.faults.resetCount();
    // The first automatic retry comes 15–18 s after the failure.
    await card(page).locator('[data-testid="card-ready"]').waitFor({ timeout: 30_000 });
    expect(postHog.faults.count(QUERY)).toBe(1);
    await page.close();
  });

  it('request timeout: says PostHog did not answer, keeps the figures, recovers', async () => {
    const page = await openReady('audio-transcriber');
    // The client waits QUERY_TIMEOUT_MS (45 s: PostHog's 30 s wait for a slot, then its API ceiling) before giving up.
    postHog.faults.set({ path: QUERY, delayMs: 75_000 });
    postHog.faults.resetCount();
    await refresh(page);
    await expect.poll(() => staleBanner(page).textContent(), { timeout: 70_000 }).toMatch(/did not answer within 45 s/);
    expect(postHog.faults.count(QUERY)).toBe(1);
    postHog.faults.clear();
    await refresh(page);
    await expect.poll(() => staleBanner(page).count(), { timeout: 20_000 }).toBe(0);
    await page.close();
  });
});

describe('settings changes', () => {
  it('another project never sees this one’s cached figures; back to this one, they are served again', async () => {
    // pdf-to-text carries the page marker: it stays a tool page without this project's auto-mapping.
    const page = await openReady('pdf-to-text');
    try {
      await configureExtension(browser, { ...stack.settings, projectId: '2' });
      await page.reload();
      const error = card(page).locator('[data-testid="card-error"]');
      await expect.poll(() => error.getAttribute('data-kind'), { timeout: 20_000 }).toBe('not_found');
      expect(await card(page).locator('[data-testid="card-ready"]').count()).toBe(0);
    } finally {
      await configureExtension(browser, stack.settings);
    }
    await page.reload();
    await card(page).locator('[data-testid="card-ready"]').waitFor({ timeout: 30_000 });
    await page.close();
  });
});

describe('MV3 worker restarts', () => {
  it('the worker stopped in the middle of a request: the card keeps its figures, says so, and recovers by itself after the worker restarts', async () => {
    const page = await openReady('video-summarizer');
    const views = await viewsShown(page);
    postHog.faults.set({ path: QUERY, delayMs: 10_000 });
    await refresh(page);
    await expect.poll(() => postHog.faults.count(QUERY), { timeout: 10_000 }).toBeGreaterThan(0);

    // Stop the extension's service worker from one of its own pages, as Chrome does to an idle worker.
    const options = await browser.context.newPage();
    await options.goto(`chrome-extension://${browser.extensionId}/options.html`);
    const cdp = await browser.context.newCDPSession(options);
    await cdp.send('ServiceWorker.enable');
    await cdp.send('ServiceWorker.stopAllWorkers');
    await cdp.detach();
    await options.close();

    // The pending refresh ends, never stuck: the figures stay, marked stale, with what happened (the
    // worker lost, not PostHog's late answer nor the client's timeout: the banner tells them apart).
    await settled(page, 40_000);
    expect(await staleBanner(page).textContent()).toMatch(/^Showing figures as of .*lost touch with its background worker/);
    expect(await viewsShown(page)).toBe(views);

    // No click: the card asks again by itself, the worker restarts to answer it.
    postHog.faults.clear();
    await expect
      .poll(async () => (await card(page).locator('[data-testid="card-ready"]').count()) === 1 && (await staleBanner(page).count()) === 0, { timeout: 30_000 })
      .toBe(true);
    // A new tab is served by the restarted worker too.
    const again = await openReady('news-analyzer');
    await again.close();
    await page.close();
  });
});

describe('browser restarts', () => {
  it('the cached figures survive a browser restart: shown while PostHog is down', async () => {
    const profile = await mkdtemp(join(tmpdir(), 'tool-lens-restart-'));
    try {
      const first = await launchWithExtension({ headless: true, userDataDir: profile });
      listen(first);
      await configureExtension(first, stack.settings, [site.url]);
      const page = await first.context.newPage();
      await page.goto(`${site.url}/tools/csv-cleaner`);
      await card(page).locator('[data-testid="card-ready"]').waitFor({ timeout: 30_000 });
      const views = await viewsShown(page);
      await first.close();

      // PostHog down: a card with nothing cached could only show an error.
      postHog.faults.set({ path: QUERY, status: 503, body: 'upstream connect error' });
      const second = await launchWithExtension({ headless: true, userDataDir: profile });
      listen(second);
      try {
        const again = await second.context.newPage();
        await again.goto(`${site.url}/tools/csv-cleaner`);
        await card(again).locator('[data-testid="card-ready"]').waitFor({ timeout: 30_000 });
        expect(await viewsShown(again)).toBe(views);
        expect(await card(again).locator('[data-testid="card-error"]').count()).toBe(0);
      } finally {
        await second.close();
      }
    } finally {
      await rm(profile, { recursive: true, force: true });
    }
  });
});

describe('request budget', () => {
  it('set small in the options: once spent, the card serves its cached figures and says so, and the options show it', async () => {
    const page = await openReady('image-compressor');
    try {
      // Only the budget changes: the cached figures stay.
      await configureExtension(browser, { ...stack.settings, requestBudget: { capacity: 2, refillPerHour: 1 } });
      postHog.faults.resetCount();
      for (let i = 0; i < 4; i++) {
        await refresh(page);
        await settled(page);
      }
      await expect
        .poll(() => staleBanner(page).textContent(), { timeout: 10_000 })
        .toMatch(/^Showing figures as of .*request budget is spent \(2 PostHog requests at once, 1 an hour\)/);
      expect(postHog.faults.count(QUERY)).toBeLessThanOrEqual(2);

      const options = await browser.context.newPage();
      await options.goto(`chrome-extension://${browser.extensionId}/options.html`);
      await expect.poll(() => options.locator('#budgetCapacity').inputValue(), { timeout: 10_000 }).toBe('2');
      await expect
        .poll(() => options.locator('[data-testid="budget"]').textContent(), { timeout: 10_000 })
        .toMatch(/0 of 2 PostHog requests left \(1 an hour\); next in \d+ min/);
      await options.close();
    } finally {
      await configureExtension(browser, stack.settings);
    }
    await page.close();
  });
});

describe('after every fault above', () => {
  it('never logged the key (workers and pages of every browser)', () => {
    expect(logs.join('\n')).not.toContain(postHog.apiKey);
  });
});

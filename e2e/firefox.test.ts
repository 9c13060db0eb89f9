/**
 * End to end in Firefox: the built add-on (Manifest V3) in Debian's Firefox ESR, installed as a
 * temporary add-on and driven over WebDriver BiDi, set up as a new user would: the first run (host,
 * key, project, site), then the card on a tool page, the popup and the badge.
 */
import { PostHog } from 'posthog-node';
import type { Page } from 'puppeteer-core';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { formatDuration } from '../lib/helpers/format';
import { startLocalPostHog, type LocalPostHog } from '../local-posthog/server';
import { startSampleSite, type SampleSite } from '../sample-site/server';
import { firefoxCard, launchFirefoxWithExtension, type FirefoxExtension } from './harness/firefox';
import { expectedCard, type RawEvent } from './expected';

let postHog: LocalPostHog;
let site: SampleSite;
let firefox: FirefoxExtension;
const SEVEN_DAYS_MS = 7 * 86_400_000;

async function rawEvents(): Promise<RawEvent[]> {
  const rows = (await postHog.query('SELECT event, toUnixTimestamp64Milli(timestamp) AS ms, properties FROM events FORMAT JSONEachRow')) as Array<{
    event: string;
    ms: number | string;
    properties: string;
  }>;
  return rows.map((r) => ({ event: r.event, ms: Number(r.ms), properties: JSON.parse(r.properties) as Record<string, unknown> }));
}

const textOf = (page: Page, selector: string) => page.$eval(selector, (e) => e.textContent ?? '').catch(() => '');
const clickButton = async (page: Page, name: string) => {
  const button = await page.waitForSelector(`::-p-aria([name="${name}"][role="button"])`, { timeout: 10_000 });
  await button!.click();
};

beforeAll(async () => {
  postHog = await startLocalPostHog({ seed: { seed: 13, days: 6, events: 4000 } });
  site = await startSampleSite({ postHogUrl: postHog.url, projectApiKey: postHog.projectApiKey });
  firefox = await launchFirefoxWithExtension({ headless: true });
});

// A failed test prints what Firefox and the add-on last logged (an answer that never came says why there).
beforeEach(({ onTestFailed }) => onTestFailed(() => console.error(`Firefox's last output:\n${firefox?.recentOutput().join('\n')}`)));

afterAll(async () => {
  await firefox?.close();
  await site?.close();
  await postHog?.close();
});

describe('Firefox', () => {
  it('sets up through the first run with only a key: host, key, project picked from a list, the site proposed', async () => {
    // Someone used a tool on the sample site: its tool_viewed names the site for the first run.
    const visit = await firefox.browser.newPage();
    await visit.goto(`${site.url}/tools/csv-cleaner`);
    const fromSite = async () => (await rawEvents()).some((e) => e.event === 'tool_viewed' && String(e.properties.$current_url ?? '').startsWith(site.url));
    await expect.poll(fromSite, { timeout: 20_000 }).toBe(true);
    await visit.close();

    const options = await firefox.openPage('options.html');
    await options.waitForSelector('[data-testid="first-run"]');
    await options.click('input[name="host"][value="custom"]');
    await options.type('#first-run-host', postHog.url);
    await clickButton(options, 'Continue');
    await options.waitForSelector('#first-run-key');
    await options.type('#first-run-key', postHog.apiKey);
    await clickButton(options, 'Continue');
    await options.waitForSelector('input[name="project"]:checked');
    await clickButton(options, 'Use this project');
    await options.waitForSelector('[data-testid="proposed-site"]', { timeout: 30_000 });
    // Only the sample site: the seed's tools.example.com is not served here.
    await options.$$eval(
      '[data-testid="proposed-site"] input',
      (boxes, url) => {
        for (const box of boxes as HTMLInputElement[]) if (box.checked !== (box.parentElement?.textContent ?? '').includes(url)) box.click();
      },
      site.url,
    );
    await clickButton(options, 'Enable this site');
    await options.waitForSelector('[data-testid="try-link"]', { timeout: 30_000 });
    expect(await options.$eval('[data-testid="try-link"]', (a) => a.getAttribute('href'))).toMatch(new RegExp(`^${site.url}/tools/`));
    await options.close();
  });

  it('tests the saved connection from the options, each step passing', async () => {
    const options = await firefox.openPage('options.html');
    await options.waitForSelector('#projectId');
    expect(await options.$eval('#projectId', (i) => (i as HTMLInputElement).value)).toBe(String(postHog.projectId));
    await clickButton(options, 'Save and test connection');
    await expect.poll(() => textOf(options, '[data-testid="options-status"]'), { timeout: 30_000 }).toBe('Connected.');
    const checks = await options.$$eval('[data-testid="connection-checks"] li', (items) => items.map((li) => li.className));
    expect(checks).toEqual(['ok', 'ok', 'ok']);
    await options.close();
  });

  it('shows the card on a tool page with the figures the events imply, in a shadow root closed to the page', async () => {
    const page = await firefox.browser.newPage();
    await page.goto(`${site.url}/tools/news-analyzer`);
    const card = firefoxCard(firefox.browser, page);
    await expect.poll(() => card.count('[data-testid="card-ready"], [data-testid="card-error"]'), { timeout: 30_000 }).toBe(1);
    expect(await card.text('[data-testid="tool-name"]')).toBe('news-analyzer');
    expect(await card.text('[data-testid="card-meta"]')).toContain('found by auto-mapping');
    // The page sees the card's host element and nothing inside it.
    expect(
      await page.evaluate(() => [document.querySelectorAll('tool-lens-card').length, document.querySelector('tool-lens-card')?.shadowRoot ?? null]),
    ).toEqual([1, null]);

    // The page's own tool_viewed (posthog-js) is stored before the figures are compared.
    const sessionId = await page.evaluate(() => (window as unknown as { posthog: { get_session_id(): string } }).posthog.get_session_id());
    await expect.poll(async () => (await rawEvents()).some((e) => e.properties.session_id === sessionId), { timeout: 20_000 }).toBe(true);
    expect(await card.clickButton('Refresh')).toBe(true);
    const expected = expectedCard(await rawEvents(), 'news-analyzer', Date.now() - SEVEN_DAYS_MS);
    expect(expected.funnel[0]).toBeGreaterThan(1);
    const funnel = () =>
      card.run<number[]>(`(root) => [...root.querySelectorAll('[data-testid^="funnel-step-"]')].map((li) => Number(li.getAttribute('data-sessions')))`);
    await expect.poll(funnel, { timeout: 30_000 }).toEqual(expected.funnel);
    expect(await card.text('[data-testid="latency-p95"] dd')).toBe(formatDuration(expected.latency.p95));
    await page.close();
  });

  it("puts the card on the page at the end of <body>, once the page's own scripts have let DOMContentLoaded fire", async () => {
    const page = await firefox.browser.newPage();
    const card = firefoxCard(firefox.browser, page);
    // The page's posthog.js (parser-blocking, at the end of <body>) is held: the page stays parsing.
    const release = site.holdPageScript();
    let loaded: Promise<unknown> = Promise.resolve();
    try {
      loaded = page.goto(`${site.url}/tools/audio-transcriber`, { timeout: 120_000 });
      loaded.catch(() => undefined); // awaited below; a failure above must not leave it unhandled
      // The page's header is parsed, the rest is not: no card on the page yet, whatever the extension has drawn.
      await page.waitForSelector('header.site', { timeout: 30_000 });
      expect(await page.evaluate(() => [document.readyState, document.querySelectorAll('tool-lens-card').length])).toEqual(['loading', 0]);
    } finally {
      release();
    }
    await loaded;
    await expect.poll(() => card.count('[data-testid="card-ready"]'), { timeout: 30_000 }).toBe(1);
    expect(await card.text('[data-testid="tool-name"]')).toBe('audio-transcriber');
    expect(await page.evaluate(() => [document.querySelectorAll('tool-lens-card').length, document.body.lastElementChild?.tagName.toLowerCase()])).toEqual([
      1,
      'tool-lens-card',
    ]);
    await page.close();
  });

  it('on a page no URL rule names, the watcher has the matcher injected when the app navigates in place to a tool page', async () => {
    // Firefox takes the two registrations: the matcher on the auto-mapped /tools… paths, the watcher on the rest.
    const options = await firefox.openPage('options.html');
    const scripts = await options.evaluate(async () => {
      type Script = { id: string; matches?: string[]; excludeMatches?: string[] };
      const api = (globalThis as unknown as { browser: { scripting: { getRegisteredContentScripts(): Promise<Script[]> } } }).browser;
      return (await api.scripting.getRegisteredContentScripts()).map((s) => [s.id, s.matches, s.excludeMatches ?? []]);
    });
    await options.close();
    const host = new URL(site.url).hostname;
    expect(scripts).toEqual(
      expect.arrayContaining([
        ['tool-lens-card', [`http://${host}//*`, `http://${host}/tools*`], []],
        ['tool-lens-watch', [`http://${host}/*`], [`http://${host}//*`, `http://${host}/tools*`]],
      ]),
    );
    const page = await firefox.browser.newPage();
    const card = firefoxCard(firefox.browser, page);
    await page.goto(`${site.url}/about`);
    // No card: only the watcher runs on /about, and it shows none.
    expect(await page.evaluate(() => document.querySelectorAll('tool-lens-card').length)).toBe(0);
    // As a single-page app goes to a tool page: no load, the URL changes.
    await page.evaluate(() => history.pushState({}, '', '/tools/news-analyzer'));
    await expect.poll(() => card.count('[data-testid="card-ready"]'), { timeout: 30_000 }).toBe(1);
    expect(await card.text('[data-testid="tool-name"]')).toBe('news-analyzer');
    await page.close();
  });

  it('the popup says the key works', async () => {
    const popup = await firefox.openPage('popup.html');
    await expect.poll(() => textOf(popup, '[data-testid="popup-connection"]'), { timeout: 30_000 }).toContain('✓ Key works');
    await popup.close();
  });

  it("support looks a person up in the sidebar from the popup: their jobs on every tool, failure first, the page's exception beside it", async () => {
    const client = new PostHog(postHog.projectApiKey, { host: postHog.url, flushAt: 50, flushInterval: 0 });
    const ada = (tool: string, session: string, extra: Record<string, unknown>) => ({ tool_name: tool, $session_id: session, ...extra });
    client.capture({
      distinctId: 'ff-ada',
      event: 'tool_viewed',
      properties: ada('pdf-to-text', 'ff-sess-1', { $set: { email: 'ada.ff@example.com', plan: 'pro' } }),
    });
    client.capture({ distinctId: 'ff-ada', event: 'tool_processing_started', properties: ada('pdf-to-text', 'ff-sess-1', { job_id: 'ff-job-1' }) });
    client.capture({
      distinctId: 'ff-ada',
      event: 'tool_processing_failed',
      properties: ada('pdf-to-text', 'ff-sess-1', { job_id: 'ff-job-1', error_type: 'ocr_failed', processing_duration_ms: 4200 }),
    });
    client.capture({ distinctId: 'ff-ada', event: 'tool_processing_started', properties: ada('news-analyzer', 'ff-sess-2', { job_id: 'ff-job-2' }) });
    client.capture({
      distinctId: 'ff-ada',
      event: 'tool_processing_completed',
      properties: ada('news-analyzer', 'ff-sess-2', { job_id: 'ff-job-2', processing_duration_ms: 900 }),
    });
    client.captureException(new TypeError('Cannot read properties of undefined'), 'ff-ada', { $session_id: 'ff-sess-1' });
    await client.shutdown();

    // The sidebar is browser UI BiDi cannot drive: its page (sidepanel.html, the sidebar's own) in a tab.
    const panel = await firefox.openPage('sidepanel.html');
    const sidebarOpen = () =>
      panel.evaluate(() => (globalThis as unknown as { browser: { sidebarAction: { isOpen(o: object): Promise<boolean> } } }).browser.sidebarAction.isOpen({}));
    expect(await sidebarOpen()).toBe(false);
    // The popup's button opens Firefox's sidebar (sidebar_action) in the click.
    const popup = await firefox.openPage('popup.html');
    await popup.waitForSelector('[data-testid="open-lookup"]', { timeout: 30_000 });
    await popup.click('[data-testid="open-lookup"]');
    await expect.poll(sidebarOpen, { timeout: 20_000 }).toBe(true);
    if (!popup.isClosed()) await popup.close().catch(() => undefined);
    await panel.waitForSelector('#lookup-value');
    await panel.type('#lookup-value', 'ADA.FF@example.com');
    await clickButton(panel, 'Find');
    await expect
      .poll(
        () =>
          panel.$$eval('[data-testid="lookup-job"]', (rows) =>
            rows.map((r) => [r.getAttribute('data-status'), r.getAttribute('data-tool'), r.getAttribute('data-job-id')]),
          ),
        { timeout: 30_000 },
      )
      .toEqual([
        ['failed', 'pdf-to-text', 'ff-job-1'],
        ['completed', 'news-analyzer', 'ff-job-2'],
      ]);
    expect(await textOf(panel, '[data-testid="person-distinct-ids"]')).toBe('ff-ada');
    expect(await textOf(panel, '[data-testid="lookup-job"][data-status="failed"] [data-testid="lookup-exception"] .bad')).toBe('TypeError');
    expect(await panel.$eval('[data-testid="lookup-job"] .job-meta a:last-child', (a) => a.getAttribute('href'))).toBe(
      `${postHog.url}/project/${postHog.projectId}/replay/ff-sess-1`,
    );
    await panel.close();
  });

  it('a failure burst raises the badge to the number of tools in trouble', async () => {
    const client = new PostHog(postHog.projectApiKey, { host: postHog.url, flushAt: 50, flushInterval: 0 });
    for (let i = 0; i < 14; i++) {
      client.capture({ distinctId: `ff-burst-${i}`, event: 'tool_processing_started', properties: { tool_name: 'video-summarizer', job_id: `f${i}` } });
      client.capture({
        distinctId: `ff-burst-${i}`,
        event: 'tool_processing_failed',
        properties: { tool_name: 'video-summarizer', job_id: `f${i}`, error_type: 'rate_limited', processing_duration_ms: 120 },
      });
    }
    await client.shutdown();

    const popup = await firefox.openPage('popup.html');
    await clickButton(popup, 'check now');
    await expect
      .poll(() => popup.$$eval('[data-testid="trouble-tool"]', (items) => items.map((i) => i.textContent ?? '')), { timeout: 30_000 })
      .toContainEqual(expect.stringContaining('video-summarizer'));
    const count = await popup.$$eval('[data-testid="trouble-tool"]', (items) => items.length);
    const badge = await popup.evaluate(() =>
      (globalThis as unknown as { browser: { action: { getBadgeText(o: object): Promise<string> } } }).browser.action.getBadgeText({}),
    );
    expect(badge).toBe(String(count));
    await popup.close();
  });

  it('signs in with PostHog instead of the key, from the options, through Firefox’s own sign-in window', async () => {
    const options = await firefox.openPage('options.html');
    await options.waitForSelector('#projectId');
    await options.click('input[name="auth"][value="signIn"]');
    const consentTarget = firefox.browser.waitForTarget((t) => t.url().includes('/oauth/authorize'), { timeout: 30_000 });
    await clickButton(options, 'Sign in with PostHog');
    const consent = (await (await consentTarget).page())!;
    // Firefox's redirect URL for this add-on: the consent screen names it.
    expect(await consent.$eval('body', (b) => b.textContent ?? '')).toMatch(/https:\/\/[0-9a-f]{40}\.extensions\.allizom\.org\//);
    await consent.click('[data-testid="oauth-allow"]');
    await expect.poll(() => textOf(options, '[data-testid="sign-in-result"]'), { timeout: 30_000 }).toMatch(/^Signed in as dev@tool-lens\.local: 1 project/);
    await clickButton(options, 'Save and test connection');
    await expect.poll(() => textOf(options, '[data-testid="options-status"]'), { timeout: 30_000 }).toBe('Connected.');
    expect(await textOf(options, '[data-testid="connection-checks"]')).toContain('Sign-in accepted');
    await options.close();

    const popup = await firefox.openPage('popup.html');
    await expect.poll(() => textOf(popup, '[data-testid="popup-connection"]'), { timeout: 30_000 }).toMatch(/^✓ Signed in \(dev@tool-lens\.local\)/);
    await popup.close();
  });
});

/**
 * End to end: where Tool Lens runs. Sites are enabled and removed in the options, the content
 * script follows a single-page app, and auto-mapping or URL rules name the tool.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import type { LocalPostHog } from '../local-posthog/server';
import type { SampleSite } from '../sample-site/server';
import type { ExtensionBrowser } from './harness/chromium';
import { startStack, type Stack } from './stack';
import { cardHost, cardOf as card } from './harness/closedCard';

let postHog: LocalPostHog;
let site: SampleSite;
let browser: ExtensionBrowser;
let stack: Stack;

type Script = { id: string; matches?: string[]; excludeMatches?: string[]; runAt?: string };
type Chrome = { chrome: { scripting: { getRegisteredContentScripts(): Promise<Script[]> } } };
const registered = () =>
  browser.worker.evaluate(async () => (await (globalThis as unknown as Chrome).chrome.scripting.getRegisteredContentScripts()) as Script[]);
const registeredMatches = async () => (await registered()).flatMap((s) => s.matches ?? []);
/** Where the matcher (tool-lens-card) and the watcher (tool-lens-watch) are registered on a host, and where the watcher is not. */
const onHost = async (host: string) =>
  Object.fromEntries(
    (await registered()).map((s) => [s.id, [...(s.matches ?? []), ...(s.excludeMatches ?? []).map((m) => `not ${m}`)].filter((m) => m.includes(`//${host}/`))]),
  );

const toolName = (page: Page) => card(page).locator('[data-testid="tool-name"]').textContent();

beforeAll(async () => {
  stack = await startStack({ postHog: { seed: { seed: 11, days: 3, events: 3000 } } });
  ({ postHog, site, browser } = stack);
});

afterAll(() => stack?.close());

describe('single-page app', () => {
  it('follows client-side navigation between tools and a non-tool page, one card at a time', async () => {
    const page = await browser.context.newPage();
    await page.goto(`${site.url}/tools/news-analyzer`);
    await expect.poll(() => toolName(page)).toBe('news-analyzer');
    expect(await card(page).locator('[data-testid="card-meta"]').textContent()).toContain('found by auto-mapping');

    await page.click('header nav a[href="/tools/image-compressor"]');
    await expect.poll(() => toolName(page)).toBe('image-compressor');
    expect(await cardHost(page).count()).toBe(1);

    await page.click('header nav a[href="/tools/pdf-to-text"]');
    await expect.poll(() => toolName(page)).toBe('pdf-to-text');
    await expect.poll(() => card(page).locator('[data-testid="card-meta"]').textContent()).toContain('found by page marker');

    await page.click('header nav a[href="/about"]');
    await expect.poll(() => cardHost(page).count()).toBe(0);

    await page.goBack();
    await expect.poll(() => toolName(page)).toBe('pdf-to-text');
    await page.goBack();
    await expect.poll(() => toolName(page)).toBe('image-compressor');
    expect(await cardHost(page).count()).toBe(1);
    expect(page.url()).toBe(`${site.url}/tools/image-compressor`);
    await page.close();
  });

  it('shows no card on the index page, which is not a tool page', async () => {
    const page = await browser.context.newPage();
    await page.goto(`${site.url}/`);
    await page.waitForLoadState('load');
    await page.waitForTimeout(400);
    expect(await cardHost(page).count()).toBe(0);
    await page.close();
  });
});

describe('sites in the options', () => {
  it('adding a site registers the content script there; removing it unregisters', async () => {
    const other = site.url.replace('127.0.0.1', 'localhost');
    const options = await browser.context.newPage();
    await options.goto(`chrome-extension://${browser.extensionId}/options.html`);
    await options.fill('[aria-label="Site to enable"]', other);
    await options.getByRole('button', { name: 'Add site' }).click();
    await expect.poll(() => options.locator('[data-testid="sites-status"]').textContent()).toContain(`Enabled on ${other}`);
    await expect.poll(registeredMatches).toContain('http://localhost/*');
    // The auto-map names /tools/… pages: the matcher there, the watcher on the rest of the host.
    await expect
      .poll(() => onHost('localhost'))
      .toEqual({
        'tool-lens-card': ['http://localhost//*', 'http://localhost/tools*'],
        'tool-lens-watch': ['http://localhost/*', 'not http://localhost//*', 'not http://localhost/tools*'],
      });
    // The matcher at document_start (the card script and the figures start while the page loads); the
    // watcher once the DOM is complete, when it reads the marker, with no listener to wait for it.
    expect(Object.fromEntries((await registered()).map((s) => [s.id, s.runAt]))).toEqual({
      'tool-lens-card': 'document_start',
      'tool-lens-watch': 'document_end',
    });

    const page = await browser.context.newPage();
    await page.goto(`${other}/tools/csv-cleaner`);
    await expect.poll(() => toolName(page)).toBe('csv-cleaner');

    // A URL rule instead of auto-mapping, with a mapping, and the test box saying why.
    const row = options.locator(`[data-testid="site-row"][data-origin="${other}"]`);
    await row.getByRole('checkbox').uncheck();
    await row.locator('textarea').fill('/tools/:tool => csv-cleaner=csv-cleaner-v2');
    await row.locator('textarea').blur();
    await options.fill('#test-url', `${other}/tools/csv-cleaner?utm=1`);
    await expect.poll(() => options.locator('[data-testid="test-url-result"]').textContent()).toContain('→ csv-cleaner-v2, found by URL rule /tools/:tool');
    await options.fill('#test-url', `${other}/about`);
    await expect.poll(() => options.locator('[data-testid="test-url-result"]').textContent()).toContain('No tool');
    await page.reload();
    await expect.poll(() => toolName(page)).toBe('csv-cleaner-v2');

    await row.getByRole('button', { name: `Remove ${other}` }).click();
    await expect.poll(registeredMatches).not.toContain('http://localhost/*');
    expect(await registeredMatches()).toContain('http://127.0.0.1/*');
    await page.reload();
    await page.waitForLoadState('load');
    await page.waitForTimeout(400);
    expect(await cardHost(page).count()).toBe(0);
    await page.close();
    await options.close();
  });

  it('exports settings without the key and refuses a bad import with the reason', async () => {
    const options = await browser.context.newPage();
    await options.goto(`chrome-extension://${browser.extensionId}/options.html`);
    await options.getByRole('button', { name: 'Export settings' }).click();
    const href = await options.locator('[data-testid="export-link"]').getAttribute('href');
    const exported = await options.evaluate(async (url) => (await fetch(url!)).text(), href);
    expect(exported).toContain(site.url);
    expect(exported).not.toContain(postHog.apiKey);

    await options.setInputFiles('[data-testid="import-file"]', {
      name: 'bad.json',
      mimeType: 'application/json',
      buffer: Buffer.from('{"toolLens": 1, "connection": {"host": "mars"}}'),
    });
    await expect.poll(() => options.locator('[data-testid="import-status"]').textContent()).toContain('connection.host');
    await options.close();
  });
});

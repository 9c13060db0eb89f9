/**
 * End to end in Chromium, what a page (or a file, or a full disk) can do to Tool Lens: a URL rule a
 * backtracking engine would take hours over leaves the tab responsive; `/tools/constructor` is a tool
 * like any other; a page inventing tool names gets at most 3 of them asked of PostHog an hour; a full
 * storage.local is survived and said in the popup; a settings file naming another host takes the key
 * nowhere.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { startStack, type Stack } from './stack';
import { cardHost, cardOf as card } from './harness/closedCard';

let stack: Stack;
const QUERY = '/api/projects/1/query/';
type Chrome = {
  chrome: {
    storage: {
      local: {
        set(v: object): Promise<void>;
        get(k: string | null): Promise<Record<string, unknown>>;
        remove(k: string | string[]): Promise<void>;
        getBytesInUse(k: null): Promise<number>;
        QUOTA_BYTES: number;
      };
      session: { get(k: string): Promise<Record<string, unknown>> };
    };
  };
};

/** The site's rules, stored as the options page would, once the worker has published them to the content script. */
async function setRules(urlRules: Array<{ kind: 'pattern' | 'regex'; value: string; map: Record<string, string> }>) {
  const origin = stack.site.url;
  await stack.browser.worker.evaluate(
    async ([o, rules]) => {
      await (globalThis as unknown as Chrome).chrome.storage.local.set({ sites: [{ origin: o, marker: null, urlRules: rules, autoMap: true }] });
    },
    [origin, urlRules] as const,
  );
  await expect
    .poll(
      () =>
        stack.browser.worker.evaluate(async (o) => {
          const config = (await (globalThis as unknown as Chrome).chrome.storage.session.get(`site:${o}`))[`site:${o}`] as
            { site?: { urlRules?: unknown[] } } | undefined;
          return config?.site?.urlRules?.length ?? 0;
        }, origin),
      { timeout: 20_000 },
    )
    .toBe(urlRules.length);
}

/** Client-side navigation, as a single-page app (or a hostile page) does it. */
async function pushPath(page: Page, path: string) {
  await page.evaluate((p) => history.pushState({}, '', p), path);
}
const shownTool = (page: Page) =>
  card(page)
    .locator('[data-testid="tool-name"]')
    .textContent({ timeout: 1000 })
    .catch(() => null);

beforeAll(async () => {
  stack = await startStack({ postHog: { seed: { seed: 9, days: 2, events: 1500 } } });
});
afterAll(() => stack?.close());

describe('URL rules on a hostile path', () => {
  it('leave the tab responsive under rules a backtracking engine takes hours over, and still find the tool after', async () => {
    await setRules([
      { kind: 'regex', value: '^/(\\w|\\d)+$', map: {} },
      { kind: 'regex', value: '^/tools/(.*)-(.*)-(.*)-(.*)-x$', map: {} },
      { kind: 'pattern', value: '/tools/:tool', map: {} },
    ]);
    const page = await stack.browser.context.newPage();
    await page.goto(`${stack.site.url}/tools/news-analyzer`);
    await expect.poll(() => shownTool(page), { timeout: 30_000 }).toBe('news-analyzer');
    // Each hostile path is matched once the app has "navigated" to it: the card goes (no tool there),
    // which it cannot while the matcher holds the page's main thread. Then the next tool page shows.
    // 2^40 ways to split the digits between \w and \d, and no match to stop at; then ~10^12 ways to place four dashes.
    for (const hostile of [`/${'1'.repeat(40)}!`, `/tools/${'-'.repeat(2000)}y`]) {
      await pushPath(page, hostile);
      await expect.poll(() => cardHost(page).count(), { timeout: 30_000 }).toBe(0);
      await pushPath(page, '/tools/news-analyzer');
      await expect.poll(() => shownTool(page), { timeout: 30_000 }).toBe('news-analyzer');
    }
    await page.close();
  });
});

describe('tools a page makes up', () => {
  it('are asked of PostHog for at most 3 an hour per site; the others say why and when', async () => {
    await setRules([{ kind: 'pattern', value: '/tools/:tool', map: {} }]);
    const page = await stack.browser.context.newPage();
    await page.goto(`${stack.site.url}/tools/news-analyzer`);
    await card(page).locator('[data-testid="card-ready"]').waitFor({ timeout: 30_000 });
    const before = stack.postHog.faults.count(QUERY);
    for (let i = 0; i < 8; i++) {
      await pushPath(page, `/tools/made-up-${i}`);
      await expect.poll(() => shownTool(page), { timeout: 30_000 }).toBe(`made-up-${i}`);
      await card(page).locator('[data-testid="card-ready"], [data-testid="card-error"]').first().waitFor({ timeout: 30_000 });
    }
    // Three made-up tools, each its figures and the "which tools have views" question; the ranking once at most.
    expect(stack.postHog.faults.count(QUERY) - before).toBeLessThanOrEqual(3 * 2 + 1);
    expect(await card(page).locator('[data-testid="card-error"]').textContent()).toContain('3 tools an hour per site');
    // A tool the project has is still shown.
    await pushPath(page, '/tools/pdf-to-text');
    await expect.poll(() => shownTool(page), { timeout: 30_000 }).toBe('pdf-to-text');
    await card(page).locator('[data-testid="card-ready"]').waitFor({ timeout: 30_000 });
    await page.close();
  });

  it('/tools/constructor names the tool "constructor" (the rule map is read by own keys only)', async () => {
    await setRules([{ kind: 'pattern', value: '/tools/:tool', map: { pdf2txt: 'pdf-to-text' } }]);
    const page = await stack.browser.context.newPage();
    await page.goto(`${stack.site.url}/tools/constructor`);
    await expect.poll(() => shownTool(page), { timeout: 30_000 }).toBe('constructor');
    await page.close();
  });
});

describe('a full storage.local', () => {
  it('keeps the card working and the popup says storage is full', async () => {
    const { browser, site } = stack;
    // Fill storage to its quota (10 MB in Chrome), leaving no room for new figures even after the cached ones go.
    await browser.worker.evaluate(async () => {
      const { local } = (globalThis as unknown as Chrome).chrome.storage;
      await local.remove(Object.keys(await local.get(null)).filter((k) => k.startsWith('metrics:') || k === 'figuresIndex'));
      const free = local.QUOTA_BYTES - (await local.getBytesInUse(null));
      await local.set({ junk: 'x'.repeat(free - 64) });
    });
    try {
      const page = await browser.context.newPage();
      await page.goto(`${site.url}/tools/csv-cleaner`);
      await card(page).locator('[data-testid="card-ready"]').waitFor({ timeout: 30_000 });
      const popup = await browser.context.newPage();
      await popup.goto(`chrome-extension://${browser.extensionId}/popup.html`);
      await expect
        .poll(
          () =>
            popup
              .locator('[data-testid="storage-problem"]')
              .textContent({ timeout: 1000 })
              .catch(() => null),
          { timeout: 20_000 },
        )
        .toMatch(/storage for Tool Lens is full/);
      await popup.close();
      await page.close();
    } finally {
      await browser.worker.evaluate(() => (globalThis as unknown as Chrome).chrome.storage.local.remove('junk'));
    }
  });
});

describe('a settings file naming another host', () => {
  let elsewhere: Server;
  const seen: string[] = [];
  beforeAll(async () => {
    // Stands in for whoever wrote the file: records every Authorization header it is sent.
    elsewhere = createServer((req, res) => {
      seen.push(String(req.headers.authorization ?? ''));
      res.writeHead(404).end();
    });
    await new Promise<void>((resolve) => elsewhere.listen(0, '127.0.0.1', resolve));
  });
  afterAll(() => new Promise<void>((resolve) => elsewhere.close(() => resolve())));

  it('asks first, naming the host, and takes the key nowhere: it is removed', async () => {
    const { browser, postHog, settings } = stack;
    const other = `http://127.0.0.1:${(elsewhere.address() as AddressInfo).port}`;
    const options = await browser.context.newPage();
    await options.goto(`chrome-extension://${browser.extensionId}/options.html`);
    await options.locator('#projectId').waitFor({ timeout: 20_000 });
    const file = { toolLens: 1, connection: { host: 'custom', customHost: other, projectId: '1' }, options: {}, sites: [] };
    await options
      .getByTestId('import-file')
      .setInputFiles({ name: 'team-settings.json', mimeType: 'application/json', buffer: Buffer.from(JSON.stringify(file)) });
    const confirm = options.getByTestId('import-confirm');
    await confirm.waitFor({ timeout: 10_000 });
    expect(await confirm.textContent()).toContain(`${other} (project 1)`);
    await confirm.getByRole('button', { name: 'Import and remove my key' }).click();
    await expect
      .poll(
        () =>
          browser.worker.evaluate(
            async () => ((await (globalThis as unknown as Chrome).chrome.storage.local.get('settings')).settings as { customHost?: string }).customHost,
          ),
        { timeout: 10_000 },
      )
      .toBe(other);
    const stored = (await browser.worker.evaluate(async () => (await (globalThis as unknown as Chrome).chrome.storage.local.get('settings')).settings)) as {
      apiKey: string;
    };
    expect(stored.apiKey).toBe('');
    // The popup's connection check: with no key, nothing is sent anywhere.
    const popup = await browser.context.newPage();
    await popup.goto(`chrome-extension://${browser.extensionId}/popup.html`);
    await popup.getByTestId('popup-status').waitFor({ timeout: 10_000 });
    expect(seen.filter((h) => h.includes(postHog.apiKey))).toEqual([]);
    await popup.close();
    await options.close();
    // Back to the local PostHog for anything after this.
    await browser.worker.evaluate(async (s) => (globalThis as unknown as Chrome).chrome.storage.local.set({ settings: s }), settings);
  });
});

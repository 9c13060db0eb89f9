/**
 * End to end, hostile inputs and key handling in Chromium: event data carrying HTML and script
 * stays text, the card renders under `default-src 'none'` and looks the same under CSS that styles
 * every element, a page forging the extension's messages gets nothing, a page script cannot read
 * the card (closed shadow root), and the personal API key is out of reach of the content script's
 * world and of the page. The tests read the card over the DevTools protocol (e2e/harness/closedCard.ts).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import type { LocalPostHog } from '../local-posthog/server';
import { captureBatch } from '../local-posthog/test-helpers';
import type { SampleSite } from '../sample-site/server';
import type { ExtensionBrowser } from './harness/chromium';
import { startStack, type Stack } from './stack';
import { cardHost, cardOf as card } from './harness/closedCard';

let postHog: LocalPostHog;
let site: SampleSite;
let browser: ExtensionBrowser;
let stack: Stack;
const QUERY = '/api/projects/1/query/';
const EVIL_TOOL = '<img src=x onerror=window.__pwned=1>';
const EVIL_ERROR = '<script>window.__pwned=2</script>';
const EVIL_JOB = 'javascript:window.__pwned=3';
const logs: string[] = [];

async function open(path: string): Promise<Page> {
  const page = await browser.context.newPage();
  page.on('console', (m) => logs.push(m.text()));
  await page.goto(`${site.url}${path}`);
  await card(page).locator('[data-testid="card-ready"]').waitFor({ timeout: 30_000 });
  return page;
}

beforeAll(async () => {
  stack = await startStack({
    postHog: { seed: { seed: 9, days: 2, events: 1500 } },
    prepare: async (server) => {
      const now = Date.now();
      // Anyone can write event data: a tool named with markup on /tools/evil, and a tool whose error
      // types and job ids are markup on /tools/evil-data.
      const events = (tool: string, path: string, p: string) =>
        [0, 1, 2].flatMap((i) => [
          {
            event: 'tool_viewed',
            distinct_id: `${p}${i}`,
            timestamp: new Date(now - 60_000 * (i + 1)).toISOString(),
            properties: { tool_name: tool, page_path: path, session_id: `${p}s${i}` },
          },
          {
            event: 'tool_processing_failed',
            distinct_id: `${p}${i}`,
            timestamp: new Date(now - 60_000 * (i + 1) + 1000).toISOString(),
            properties: { tool_name: tool, session_id: `${p}s${i}`, error_type: EVIL_ERROR, job_id: EVIL_JOB, processing_duration_ms: 10 },
          },
        ]);
      await captureBatch(server, [...events(EVIL_TOOL, '/tools/evil', 'a'), ...events('evil-data', '/tools/evil-data', 'b')]);
    },
    onBrowser: (b) => b.worker.on('console', (m) => logs.push(m.text())),
  });
  ({ postHog, site, browser } = stack);
});

afterAll(() => stack?.close());

describe('event data is text', () => {
  it('a tool named with markup gets its card, the name shown as text: no element made, nothing run', async () => {
    const page = await open('/tools/evil');
    expect(await card(page).locator('[data-testid="tool-name"]').textContent()).toBe(EVIL_TOOL);
    expect(await card(page).evaluate((root) => root.querySelectorAll('img, script, iframe, object').length)).toBe(0);
    expect(await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned)).toBeUndefined();
    expect(await cardHost(page).count()).toBe(1);
    await page.close();
  });

  it('error types and job ids carrying markup are shown as text; no element made, no script run, links only http(s)', async () => {
    const page = await open('/tools/evil-data');
    expect(await card(page).locator('[data-testid="tool-name"]').textContent()).toBe('evil-data');
    expect(await card(page).locator('[data-testid="error-type"]').first().getAttribute('data-type')).toBe(EVIL_ERROR);
    await card(page).getByRole('tab', { name: 'Triage' }).click();
    const failure = card(page).locator('[data-testid="triage-failure"]').first();
    await failure.waitFor();
    expect(await failure.textContent()).toContain(EVIL_JOB);
    expect(await failure.textContent()).toContain(EVIL_ERROR);
    const inCard = await card(page).evaluate((root) => {
      return {
        imgs: root.querySelectorAll('img, script, iframe, object').length,
        hrefs: [...root.querySelectorAll('a')].map((a) => a.getAttribute('href') ?? ''),
      };
    });
    expect(inCard.imgs).toBe(0);
    expect(inCard.hrefs.length).toBeGreaterThan(0);
    expect(inCard.hrefs.every((h) => h.startsWith(`${postHog.url}/`))).toBe(true);
    expect(await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned)).toBeUndefined();
    await page.close();
  });
});

describe('hostile pages', () => {
  const CARD_PARTS = ['.tl-card', '.tl-header', '[data-testid="tool-name"]', '.tl-tabs button', '[data-testid="funnel"]', '.tl-footer a'];
  async function styles(page: Page) {
    return card(page).evaluate((root, selectors) => {
      return selectors.map((sel) => {
        const el = root.querySelector(sel);
        if (!el) return null;
        const s = getComputedStyle(el);
        const box = el.getBoundingClientRect();
        return {
          sel,
          font: s.font,
          color: s.color,
          background: s.backgroundColor,
          border: s.border,
          padding: s.padding,
          display: s.display,
          width: Math.round(box.width),
          height: Math.round(box.height),
        };
      });
    }, CARD_PARTS);
  }

  it("renders, styled, on a page with Content-Security-Policy: default-src 'none'", async () => {
    const plain = await open('/hostile/plain');
    const strict = await open('/hostile/csp');
    const [a, b] = [await styles(plain), await styles(strict)];
    expect(a.every((x) => x !== null)).toBe(true);
    expect(b).toEqual(a);
    // Styled: the card is a positioned box, not unstyled inline text.
    expect(await card(strict).evaluate((root) => getComputedStyle(root.querySelector('.tl-root')!).position)).toBe('fixed');
    await plain.close();
    await strict.close();
  });

  it('looks the same on a page whose CSS styles * and div with !important', async () => {
    const plain = await open('/hostile/plain');
    const loud = await open('/hostile/css');
    expect(await styles(loud)).toEqual(await styles(plain));
    await plain.close();
    await loud.close();
  });

  it('keeps the card closed to a page script: no shadow root, no patched attachShadow, no markup, text or event path', async () => {
    const page = await open('/hostile/spy');
    const toolName = await card(page).locator('[data-testid="tool-name"]').textContent();
    const meta = (await card(page).locator('[data-testid="card-meta"]').textContent())!;
    await card(page).getByRole('tab', { name: 'Triage' }).click();
    await expect.poll(() => card(page).getByRole('tab', { name: 'Triage' }).getAttribute('aria-selected')).toBe('true');
    type Spy = {
      host: boolean;
      shadowRoot: string;
      innerHTML: string;
      childCount: number;
      attachAgain: string;
      attachShadowCalls: string[];
      clicks: string[][];
      bodyText: string;
    };
    const spy = await page.evaluate(() => (window as unknown as { __spy: () => Spy }).__spy());
    expect(toolName).toBe('news-analyzer');
    expect(spy.host).toBe(true);
    expect(spy.shadowRoot).toBe('null');
    // The page's attachShadow (forcing mode 'open') never saw the card: it is made in the extension's world.
    expect(spy.attachShadowCalls).toEqual([]);
    expect(spy.attachAgain).toBe('NotSupportedError');
    expect(spy.innerHTML).toBe('');
    expect(spy.childCount).toBe(0);
    expect(spy.bodyText).not.toContain(meta);
    expect(spy.bodyText).not.toContain('Triage');
    // A click in the card reaches the page's listeners retargeted to the host, with no path inside.
    expect(spy.clicks.at(-1)?.[0]).toBe('TOOL-LENS-CARD');
    expect(spy.clicks.flat()).not.toContain('BUTTON');
    await page.close();
  });

  it('accepts no forged message, before or after the card is up: window.postMessage does nothing, chrome.runtime is not there for the page', async () => {
    const before = postHog.faults.count(QUERY);
    const page = await open('/hostile/forge');
    await page.waitForTimeout(1_000);
    const results = await page.evaluate(() => (window as unknown as { __forgeResults: { postMessage: number; runtime: string } }).__forgeResults);
    expect(results.postMessage).toBe(80);
    expect(results.runtime).toBe('absent');
    // Calling the extension by id from the page: there is no API to call it with.
    const direct = await page.evaluate((id) => {
      const c = (window as unknown as { chrome?: { runtime?: { sendMessage?: unknown } } }).chrome;
      if (!c?.runtime?.sendMessage) return 'no chrome.runtime.sendMessage';
      try {
        (c.runtime.sendMessage as (id: string, m: object) => void)(id, { type: 'connection/test' });
        return 'sent';
      } catch (e) {
        return `threw: ${(e as Error).message}`;
      }
    }, browser.extensionId);
    expect(direct).not.toBe('sent');
    // Again, now that the card and its content script are listening: a refresh, a toggle, new prefs.
    const queriesWithCardUp = postHog.faults.count(QUERY);
    expect(await page.evaluate(() => (window as unknown as { __forgeAgain: () => { postMessage: number } }).__forgeAgain().postMessage)).toBe(160);
    await page.waitForTimeout(1_000);
    // The card is still there, where it was, expanded, not hidden or moved by the forged prefs; one card request at most was made.
    expect(await card(page).locator('[data-testid="card-root"]').getAttribute('data-corner')).toBe('bottom-right');
    expect(await card(page).locator('[data-testid="card-ready"]').count()).toBe(1);
    expect(await card(page).locator('.tl-pill').count()).toBe(0);
    expect(postHog.faults.count(QUERY)).toBe(queriesWithCardUp);
    expect(postHog.faults.count(QUERY) - before).toBeLessThanOrEqual(1);
    // And the stored prefs were not touched: a reload puts the card where it was.
    await page.reload();
    await card(page).locator('[data-testid="card-ready"]').waitFor({ timeout: 30_000 });
    expect(await card(page).locator('[data-testid="card-root"]').getAttribute('data-corner')).toBe('bottom-right');
    await page.close();
  });
});

describe('the personal API key', () => {
  it("is out of the content script's reach: storage.local is closed to it, storage.session and the worker's answers do not hold it", async () => {
    const page = await browser.context.newPage();
    const cdp = await browser.context.newCDPSession(page);
    const contexts: Array<{ id: number; origin: string; name: string; auxData?: { type?: string } }> = [];
    cdp.on('Runtime.executionContextCreated', (e: { context: (typeof contexts)[number] }) => contexts.push(e.context));
    await cdp.send('Runtime.enable');
    await page.goto(`${site.url}/tools/news-analyzer`);
    await card(page).locator('[data-testid="card-ready"]').waitFor({ timeout: 30_000 });
    const world = contexts.find((c) => c.auxData?.type === 'isolated' && (c.origin.includes(browser.extensionId) || c.name === 'Tool Lens'));
    expect(world, JSON.stringify(contexts)).toBeDefined();
    const run = async (expression: string) =>
      (await cdp.send('Runtime.evaluate', { expression, contextId: world!.id, awaitPromise: true, returnByValue: true })) as {
        result: { value?: unknown };
        exceptionDetails?: unknown;
      };
    const local = await run(`chrome.storage.local.get(null).then((v) => 'read: ' + JSON.stringify(v), (e) => 'refused: ' + e.message)`);
    expect(String(local.result.value)).toMatch(/^refused: /);
    const session = await run(`chrome.storage.session.get(null).then((v) => JSON.stringify(v), (e) => 'refused: ' + e.message)`);
    expect(String(session.result.value)).not.toContain(postHog.apiKey);
    // What the worker answers the content script's world: figures without the key; nothing at all for
    // the popup's and options' requests, or for another site's card.
    const ask = (message: object) =>
      run(
        `chrome.runtime.sendMessage(${JSON.stringify(message)}).then((v) => v === undefined ? 'no answer' : 'answer: ' + JSON.stringify(v), (e) => 'no answer: ' + e.message)`,
      ).then((r) => String(r.result.value));
    const figures = await ask({ type: 'tool-metrics/get', tool: 'news-analyzer', range: '7d' });
    expect(figures).toMatch(/^answer: \{"ok":true/);
    expect(figures).not.toContain(postHog.apiKey);
    for (const message of [
      { type: 'connection/test' },
      { type: 'connection/status' },
      { type: 'dashboards/list' },
      { type: 'schema/detect' },
      { type: 'alerts/get', check: true },
      { type: 'site/config', origin: 'https://example.com' },
    ]) {
      expect(await ask(message), JSON.stringify(message)).toMatch(/^no answer/);
    }
    // Everything the card's DOM and the page hold: no key either.
    const everything =
      (await page.evaluate(
        () => document.documentElement.outerHTML + JSON.stringify({ ...localStorage }) + JSON.stringify({ ...sessionStorage }) + document.cookie,
      )) + (await card(page).evaluate((root) => root.outerHTML));
    expect(everything).not.toContain(postHog.apiKey);
    await cdp.detach();
    await page.close();
  });

  it('is masked in the options and never logged', async () => {
    const options = await browser.context.newPage();
    options.on('console', (m) => logs.push(m.text()));
    await options.goto(`chrome-extension://${browser.extensionId}/options.html`);
    await expect.poll(() => options.locator('#apiKey').inputValue(), { timeout: 10_000 }).toBe(postHog.apiKey);
    expect(await options.locator('#apiKey').getAttribute('type')).toBe('password');
    await options.getByRole('button', { name: 'Save and test connection' }).click();
    await expect.poll(() => options.locator('[data-testid="connection-checks"]').textContent(), { timeout: 20_000 }).toContain('Query API');
    expect(await options.locator('[data-testid="connection-checks"]').textContent()).not.toContain(postHog.apiKey);
    await options.close();
    expect(logs.join('\n')).not.toContain(postHog.apiKey);
  });
});

/**
 * End to end: the built extension in Debian's Chromium, on the sample tool site, reading from the
 * local PostHog server (embedded ClickHouse) that was seeded for this test.
 */
import { PostHog } from 'posthog-node';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { formatDuration } from '../lib/helpers/format';
import type { LocalPostHog } from '../local-posthog/server';
import type { SampleSite } from '../sample-site/server';
import { cardCollapsedSaved, configureExtension, editCardPrefs, storedCardPrefs, type ExtensionBrowser } from './harness/chromium';
import { startStack, type Stack } from './stack';
import { expectedCard, type RawEvent } from './expected';
import { cardHost, cardOf as card } from './harness/closedCard';
import { MATCHER_MARK, WATCHER_MARK } from '../lib/protocol/isolatedWorld';

let postHog: LocalPostHog;
let site: SampleSite;
let browser: ExtensionBrowser;
let stack: Stack;
const SEVEN_DAYS_MS = 7 * 86_400_000;

const settings = () => ({ host: 'custom' as const, customHost: postHog.url, projectId: String(postHog.projectId), apiKey: postHog.apiKey });

async function rawEvents(): Promise<RawEvent[]> {
  const rows = (await postHog.query('SELECT event, toUnixTimestamp64Milli(timestamp) AS ms, properties FROM events FORMAT JSONEachRow')) as Array<{
    event: string;
    ms: number | string;
    properties: string;
  }>;
  return rows.map((r) => ({ event: r.event, ms: Number(r.ms), properties: JSON.parse(r.properties) as Record<string, unknown> }));
}

async function openTool(tool: string): Promise<Page> {
  const page = await browser.context.newPage();
  await page.goto(`${site.url}/tools/${tool}`);
  return page;
}

const sessionOf = (page: Page) => page.evaluate(() => (window as unknown as { posthog: { get_session_id(): string } }).posthog.get_session_id());

/**
 * Opens a tool page and waits until the page's own `tool_viewed` (sent by posthog-js) is stored,
 * so the expected figures and the card's can be compared on the same data after a refresh.
 */
async function openToolSettled(tool: string): Promise<{ page: Page; sessionId: string }> {
  const page = await openTool(tool);
  const sessionId = await sessionOf(page);
  await expect.poll(async () => (await rawEvents()).some((e) => e.properties.session_id === sessionId), { timeout: 20_000 }).toBe(true);
  await waitForCard(page);
  return { page, sessionId };
}

/**
 * Refreshes the card until it shows what the events stored by then imply. An event of this page (or
 * of one closed just before) may land after a refresh's query has read the table, and the card is
 * right to show what it read: then the events are read again and the card refreshed again. Returns
 * the figures the events imply, which the card then shows.
 */
async function refreshedUntilCurrent(page: Page, tool: string) {
  let expected = expectedCard(await rawEvents(), tool, Date.now() - SEVEN_DAYS_MS);
  await card(page).getByRole('button', { name: 'Refresh' }).click();
  await expect
    .poll(
      async () => {
        if ((await shownFigures(page)).funnel.join() === expected.funnel.join()) return true;
        expected = expectedCard(await rawEvents(), tool, Date.now() - SEVEN_DAYS_MS);
        await card(page).getByRole('button', { name: 'Refresh' }).click();
        return false;
      },
      { timeout: 60_000, interval: 1500 },
    )
    .toBe(true);
  return expected;
}

async function waitForCard(page: Page) {
  await card(page).locator('[data-testid="card-ready"], [data-testid="card-error"]').first().waitFor({ timeout: 30_000 });
}

async function shownFigures(page: Page) {
  await card(page).locator('[data-testid="card-ready"]').waitFor({ timeout: 30_000 });
  const funnel = await card(page).evaluate((root) =>
    [...root.querySelectorAll('[data-testid^="funnel-step-"]')].map((li) => Number(li.getAttribute('data-sessions'))),
  );
  const errors = await card(page).evaluate((root) =>
    [...root.querySelectorAll('[data-testid="error-type"]')].map(
      (li) => [li.getAttribute('data-type'), Number(li.getAttribute('data-count'))] as [string, number],
    ),
  );
  return {
    funnel,
    errors,
    n: await card(page).locator('[data-testid="latency-n"]').textContent(),
    p50: await card(page).locator('[data-testid="latency-p50"] dd').textContent(),
    p95: await card(page).locator('[data-testid="latency-p95"] dd').textContent(),
    p99: await card(page).locator('[data-testid="latency-p99"] dd').textContent(),
    meta: await card(page).locator('[data-testid="card-meta"]').textContent(),
  };
}

beforeAll(async () => {
  // Six days of history: every seeded event falls inside the card's default 7-day range. The sample
  // site is enabled with no rules: auto-mapping from its tool_viewed events finds the tools.
  stack = await startStack({ postHog: { seed: { seed: 7, days: 6, events: 6000 } } });
  ({ postHog, site, browser } = stack);
});

afterAll(() => stack?.close());
// A card collapsed on the site stays so for its next pages: each test starts from an expanded one, even after a failure.
afterEach(() => (browser ? editCardPrefs(browser, { collapsed: false }) : undefined));

describe('metrics card on the sample site', () => {
  it.each(['news-analyzer', 'audio-transcriber', 'csv-cleaner'])(
    'shows the funnel, p50/p95/p99 and error types the seeded events imply for %s',
    async (tool) => {
      const { page } = await openToolSettled(tool);
      const expected = await refreshedUntilCurrent(page, tool);
      expect(expected.funnel[0]).toBeGreaterThan(1);
      const shown = await shownFigures(page);
      expect(shown.n).toContain(`n = ${expected.latency.n.toLocaleString('en-US')}`);
      expect(shown.p50).toBe(formatDuration(expected.latency.p50));
      expect(shown.p95).toBe(formatDuration(expected.latency.p95));
      expect(shown.p99).toBe(formatDuration(expected.latency.p99));
      expect(new Map(shown.errors)).toEqual(new Map(expected.errors.slice(0, 8)));
      expect(shown.meta).toContain('Last 7 days');
      expect(shown.meta).toContain('found by auto-mapping');
      await page.close();
    },
  );

  it('draws its first view in the five fonts card.css allows: each other size or weight costs the page a font set-up', async () => {
    const page = await openTool('news-analyzer');
    await card(page).locator('[data-testid="card-ready"]').waitFor({ timeout: 30_000 });
    // Every element with text of its own that is drawn: its font as Blink sets one up (size, weight, style).
    const fonts = await card(page).evaluate((root) => {
      const seen = new Set<string>();
      for (const el of root.querySelectorAll('*')) {
        const hasText = [...el.childNodes].some((n) => n.nodeType === Node.TEXT_NODE && n.textContent?.trim());
        if (!hasText || !el.checkVisibility()) continue;
        const style = getComputedStyle(el);
        seen.add(`${style.fontSize} ${style.fontWeight} ${style.fontStyle} ${style.fontFamily}`);
      }
      return [...seen].sort();
    });
    const family = fonts[0]!.split(' ').slice(3).join(' ');
    expect(family).toContain('system-ui');
    expect(fonts).toEqual(['11px 400 normal', '12px 400 normal', '12px 650 normal', '13px 400 normal', '15px 650 normal'].map((f) => `${f} ${family}`));
    await page.close();
  });

  it("is drawn while the page's own scripts hold DOMContentLoaded back, and put at the end of <body> when it fires, once", async () => {
    const page = await browser.context.newPage();
    const url = `${site.url}/tools/news-analyzer`;
    // What this page asks the worker, seen by a second listener in the worker (it answers nothing).
    await browser.worker.evaluate((pageUrl) => {
      const asked: string[] = ((globalThis as Record<string, unknown>).__askedByPage = []);
      (
        globalThis as unknown as { chrome: { runtime: { onMessage: { addListener(f: (m: { type?: string }, s: { url?: string }) => undefined): void } } } }
      ).chrome.runtime.onMessage.addListener((message, sender) => {
        if (sender.url === pageUrl) asked.push(String(message?.type));
        return undefined;
      });
    }, url);
    const asked = async () =>
      ((await browser.worker.evaluate(() => (globalThis as Record<string, unknown>).__askedByPage)) as string[])
        .filter((type) => /^(tool-metrics|ranking|annotations)\/get$/.test(type))
        .sort();
    // The page's posthog.js, a parser-blocking script at the end of <body>, is held: DOMContentLoaded
    // cannot fire before it has run.
    const release = site.holdPageScript();
    try {
      await page.goto(url, { waitUntil: 'commit' });
      // The figures, and with them the standing and the annotations, are asked for while the page parses…
      await expect.poll(asked, { timeout: 30_000 }).toEqual(['annotations/get', 'ranking/get', 'tool-metrics/get']);
      // …and nothing of the card is on the page before its DOM is complete: mid-<body> the card would
      // sit among the elements the parser adds after it; after <body>, React 18 hydrating the whole
      // document would find a node it did not render.
      expect(await page.evaluate(() => document.readyState)).toBe('loading');
      expect(await cardHost(page).count()).toBe(0);
    } finally {
      release();
    }
    await card(page).locator('[data-testid="card-ready"]').waitFor({ timeout: 30_000 });
    expect(await page.evaluate(() => document.body.lastElementChild?.tagName.toLowerCase())).toBe('tool-lens-card');
    expect(await cardHost(page).count()).toBe(1);
    expect(await card(page).locator('[data-testid="card-meta"]').textContent()).toContain('found by auto-mapping');
    // Drawn once, with the figures: the standing and the annotations asked for with them are the ones
    // it shows (a card drawn while loading, or drawn again, asks for them again).
    await card(page).locator('[data-testid="standing"]').waitFor({ timeout: 30_000 });
    expect(await asked()).toEqual(['annotations/get', 'ranking/get', 'tool-metrics/get']);
    await page.close();
  });

  it('says which rule found the tool: the page marker wins on pdf-to-text', async () => {
    const page = await openTool('pdf-to-text');
    expect((await shownFigures(page)).meta).toContain('found by page marker');
    await page.close();
  });

  it('shows no card on a page that is not a tool page', async () => {
    const page = await browser.context.newPage();
    await page.goto(`${site.url}/about`);
    await page.waitForLoadState('load');
    await page.waitForTimeout(500);
    expect(await cardHost(page).count()).toBe(0);
    await page.close();
  });

  it('on a page whose URL cannot name a tool only the watcher runs, and nothing listens for messages, until the app navigates to a tool', async () => {
    const page = await browser.context.newPage();
    await page.goto(`${site.url}/about`);
    await page.waitForLoadState('load');
    // What the popup (and the keyboard command) get from the page's tab: the matcher's answer, or why none came.
    const askTab = () =>
      browser.worker.evaluate(
        async ([url, ...marks]) => {
          type Chrome = {
            tabs: { query(q: object): Promise<Array<{ id: number; url?: string }>>; sendMessage(id: number, m: object): Promise<unknown> };
            scripting: { executeScript(o: object): Promise<Array<{ result?: unknown }>> };
          };
          const c = (globalThis as unknown as { chrome: Chrome }).chrome;
          const tab = (await c.tabs.query({})).find((t) => t.url === url)!;
          const [frame] = await c.scripting.executeScript({
            target: { tabId: tab.id },
            func: (...m: string[]) => m.map((name) => (globalThis as Record<string, unknown>)[name] === true),
            args: marks,
          });
          const status = await c.tabs.sendMessage(tab.id, { type: 'card/status' }).then(
            (answer) => ({ answer }),
            (error: unknown) => ({ error: String(error) }),
          );
          const [matcherRan, watcherRan] = (frame?.result as boolean[] | undefined) ?? [];
          return { matcherRan, watcherRan, ...status };
        },
        [page.url(), MATCHER_MARK, WATCHER_MARK] as const,
      );
    // /about is outside the auto-mapped paths (/tools…): the watcher, which uses no extension API, not the matcher.
    const onAbout = await askTab();
    expect(onAbout).toMatchObject({ matcherRan: false, watcherRan: true });
    expect(onAbout).toMatchObject({ error: expect.stringMatching(/Receiving end does not exist/) });
    // Client-side navigation to a tool's path (as a single-page app does it): the watcher has the matcher
    // injected, the card comes, and the page answers.
    await page.evaluate(() => history.pushState({}, '', '/tools/news-analyzer'));
    await shownFigures(page);
    expect(await askTab()).toMatchObject({ matcherRan: true, answer: { tool: 'news-analyzer', hidden: false } });
    await page.close();
  });

  it('imports the card script as a module in its own world, which the page can neither see load nor fetch', async () => {
    const page = await browser.context.newPage();
    const cdp = await browser.context.newCDPSession(page);
    const worlds = new Map<number, string>();
    const parsed: Array<{ url: string; isModule?: boolean; executionContextId: number }> = [];
    cdp.on('Runtime.executionContextCreated', ({ context }: { context: { id: number; name: string } }) => worlds.set(context.id, context.name));
    cdp.on('Debugger.scriptParsed', (script: { url: string; isModule?: boolean; executionContextId: number }) => parsed.push(script));
    await cdp.send('Runtime.enable');
    await cdp.send('Debugger.enable');
    await page.goto(`${site.url}/tools/news-analyzer`);
    await shownFigures(page);
    const cardUrl = `chrome-extension://${browser.extensionId}/card.js`;
    // A module (compiled off the page's main thread as it streams in), not a script the worker injected,
    // and in the extension's isolated world, where the matcher imported it.
    expect(parsed.filter((s) => s.url === cardUrl).map((s) => ({ module: s.isModule, world: worlds.get(s.executionContextId) }))).toEqual([
      { module: true, world: 'Tool Lens' },
    ]);
    await cdp.detach();
    // The page: no extension URL among its resources, and the file refused at the extension's id
    // (web-accessible only behind the session's dynamic URL).
    expect(await page.evaluate(() => performance.getEntriesByType('resource').filter((e) => !e.name.startsWith('http')).length)).toBe(0);
    expect(
      await page.evaluate(
        (url) =>
          fetch(url).then(
            () => 'fetched',
            () => 'refused',
          ),
        cardUrl,
      ),
    ).toBe('refused');
    await page.close();
  });

  it('records what a person does on a tool page through posthog-js, and the card counts it after a refresh', async () => {
    const { page, sessionId } = await openToolSettled('video-summarizer');
    const viewed = (await refreshedUntilCurrent(page, 'video-summarizer')).funnel;
    await page.click('#sample');
    await page.click('#process');
    await page.locator('#download:not([disabled])').waitFor();
    await page.click('#download');

    // The real posthog-js client sent the six-event journey to the local server's capture endpoint.
    await expect
      .poll(
        async () =>
          (await rawEvents())
            .filter((e) => e.properties.session_id === sessionId)
            .map((e) => e.event)
            .sort(),
        { timeout: 20_000 },
      )
      .toEqual(['tool_processing_completed', 'tool_processing_started', 'tool_result_downloaded', 'tool_upload_started', 'tool_viewed']);

    await card(page).getByRole('button', { name: 'Refresh' }).click();
    // The journey's session was already counted as a view; it now reaches every later step too.
    await expect.poll(async () => (await shownFigures(page)).funnel, { timeout: 20_000 }).toEqual(viewed.map((n, i) => (i === 0 ? n : n + 1)));
    await page.close();
  });

  it("switches range and collapses to a pill with Escape; the site's next pages open it so until it is expanded", async () => {
    const { page } = await openToolSettled('image-compressor');
    const HOUR = 3_600_000;
    // The card's query counts from the server's now() (whole seconds) an hour back, taken when it runs:
    // after this click, before its figures show. An event may leave that hour meanwhile, so the card may
    // show the funnel of any start in between, and nothing else.
    const earliestStart = Math.floor(Date.now() / 1000) * 1000 - HOUR;
    await card(page).getByRole('button', { name: '1h' }).click();
    await expect.poll(async () => (await shownFigures(page)).meta).toContain('Last hour');
    const events = await rawEvents();
    const possibleFunnels = () => {
      const latestStart = Date.now() - HOUR;
      // Between two events' times the hour holds the same events: the later one's time stands for them.
      const starts = [earliestStart, latestStart, ...events.map((e) => e.ms).filter((ms) => ms > earliestStart && ms < latestStart)];
      return starts.map((since) => expectedCard(events, 'image-compressor', since).funnel);
    };
    expect(possibleFunnels()[0]![0]).toBeGreaterThan(0);
    await expect
      .poll(async () => (await shownFigures(page)).funnel)
      .toSatisfy((shown: number[]) => possibleFunnels().some((funnel) => JSON.stringify(funnel) === JSON.stringify(shown)));
    await page.keyboard.press('Escape');
    await expect(card(page).locator('.tl-pill').textContent()).resolves.toContain('image-compressor');
    await cardCollapsedSaved(browser, site.url, true);
    await page.close();

    // Another tool of the site opens as its pill, with its own figures in it, and no card behind it.
    const next = await openTool('csv-cleaner');
    await expect.poll(() => card(next).locator('[data-testid="card-pill"]').textContent(), { timeout: 30_000 }).toMatch(/csv-cleaner.*p95 \d.*failed/);
    expect(await card(next).locator('[data-testid="card-ready"]').count()).toBe(0);
    await card(next).locator('[data-testid="card-pill"]').click();
    await shownFigures(next);
    await cardCollapsedSaved(browser, site.url, false);
    await next.reload();
    await shownFigures(next);
    await next.close();
  });
});

describe('card behaviour', () => {
  it('opens the triage tab with the slowest jobs and latest failures, linked to PostHog', async () => {
    const page = await openTool('audio-transcriber');
    await shownFigures(page);
    await card(page).getByRole('tab', { name: 'Triage' }).click();
    const slow = card(page).locator('[data-testid="triage-slow"]');
    await slow.first().waitFor();
    expect(await slow.count()).toBeGreaterThan(0);
    const expected = expectedCard(await rawEvents(), 'audio-transcriber', Date.now() - SEVEN_DAYS_MS);
    // The slowest job shown is the slowest completed job of the range.
    expect(await slow.first().locator('.tl-triage-main').textContent()).toBe(formatDuration(expected.latency.max));
    const eventLink = await slow
      .first()
      .getByRole('link', { name: /Open the event/ })
      .getAttribute('href');
    expect(eventLink).toMatch(new RegExp(`^${postHog.url}/project/1/events/[0-9a-f-]{36}/`));
    const failures = card(page).locator('[data-testid="triage-failure"]');
    expect(await failures.count()).toBeGreaterThan(0);
    expect(
      await failures
        .first()
        .getByRole('link', { name: /session replay/ })
        .getAttribute('href'),
    ).toMatch(new RegExp(`^${postHog.url}/project/1/replay/`));
    await page.close();
  });

  it('copies a summary of the card and of a triage row to the clipboard', async () => {
    await browser.context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: site.url });
    const page = await openTool('news-analyzer');
    const shown = await shownFigures(page);
    await card(page).getByRole('button', { name: 'Copy summary' }).click();
    await expect.poll(() => card(page).locator('[data-testid="copy-status"]').textContent()).toBe('Summary copied.');
    const summary = await page.evaluate(() => navigator.clipboard.readText());
    expect(summary).toMatch(/^\*\*Tool Lens: `news-analyzer`\*\*, last 7 days/);
    expect(summary).toContain(`p95 ${shown.p95}`);
    expect(summary).toContain(`${postHog.url}/project/1/`);
    await card(page).getByRole('tab', { name: 'Triage' }).click();
    await card(page).locator('[data-testid="triage-failure"]').first().waitFor();
    await card(page)
      .locator('[data-testid="triage-failure"]')
      .first()
      .getByRole('button', { name: /Copy a summary of job/ })
      .click();
    await expect.poll(() => card(page).locator('[data-testid="copy-status"]').textContent()).toBe('Job summary copied.');
    expect(await page.evaluate(() => navigator.clipboard.readText())).toMatch(/^Job `[^`]+` on `news-analyzer` failed with `[^`]+`.* \[event\]\(http/);
    await page.close();
  });

  it("opens support's lookup in the side panel from the Triage tab, where it finds one person's jobs by email", async () => {
    // A person known by email, sent with the real posthog-node client: one failed job, one completed.
    const client = new PostHog(postHog.projectApiKey, { host: postHog.url, flushAt: 20, flushInterval: 0 });
    const person = 'support-case-17';
    const props = (extra: Record<string, unknown>) => ({ tool_name: 'pdf-to-text', session_id: 'sess-support-17', ...extra });
    client.capture({ distinctId: person, event: 'tool_viewed', properties: props({ $set: { email: 'grace@example.com' } }) });
    client.capture({ distinctId: person, event: 'tool_processing_started', properties: props({ job_id: 'case-17-a' }) });
    client.capture({
      distinctId: person,
      event: 'tool_processing_failed',
      properties: props({ job_id: 'case-17-a', error_type: 'ocr_failed', processing_duration_ms: 4200 }),
    });
    client.capture({ distinctId: person, event: 'tool_processing_started', properties: props({ job_id: 'case-17-b' }) });
    client.capture({ distinctId: person, event: 'tool_processing_completed', properties: props({ job_id: 'case-17-b', processing_duration_ms: 1500 }) });
    await client.shutdown();
    await expect.poll(async () => (await rawEvents()).filter((e) => e.properties.job_id === 'case-17-b').length, { timeout: 20_000 }).toBe(2);

    const page = await openTool('pdf-to-text');
    await shownFigures(page);
    await card(page).getByRole('tab', { name: 'Triage' }).click();
    // The card hosts no field for it (the page would see each key): it opens Tool Lens's side panel.
    expect(await card(page).evaluate((root) => root.querySelectorAll('input, select, textarea').length)).toBe(0);
    await card(page).locator('[data-testid="open-lookup"]').click();
    await expect
      .poll(() => card(page).locator('[data-testid="job-lookup"] [role="status"]').textContent(), { timeout: 20_000 })
      .toBe('Opened in the side panel.');
    const panelUrl = `chrome-extension://${browser.extensionId}/sidepanel.html?tool=pdf-to-text&range=7d`;
    const cdp = await browser.context.newCDPSession(page);
    const targets = async () => ((await cdp.send('Target.getTargets')) as { targetInfos: Array<{ url: string }> }).targetInfos.map((t) => t.url);
    await expect.poll(targets, { timeout: 20_000 }).toContain(panelUrl);
    await cdp.detach();
    await page.close();

    // The panel's page, in a tab Playwright can drive (the side panel itself is browser UI).
    const panel = await browser.context.newPage();
    await panel.goto(panelUrl);
    const lookup = panel.locator('[data-testid="person-lookup"]');
    await lookup.getByLabel('Email or id to look up').fill('grace@example.com');
    await lookup.getByRole('button', { name: 'Find' }).click();
    const jobs = lookup.locator('[data-testid="lookup-job"]');
    await expect.poll(() => jobs.count(), { timeout: 20_000 }).toBe(2);
    // Failures first; every tool's jobs (here all on the page's tool).
    expect(
      await jobs.evaluateAll((rows) => rows.map((l) => [l.getAttribute('data-status'), l.getAttribute('data-tool'), l.getAttribute('data-job-id')])),
    ).toEqual([
      ['failed', 'pdf-to-text', 'case-17-a'],
      ['completed', 'pdf-to-text', 'case-17-b'],
    ]);
    expect(await jobs.nth(0).textContent()).toContain('failed: ocr_failed');
    expect(await jobs.nth(0).locator('[data-testid="job-duration"]').textContent()).toMatch(/^4\.20 s/);
    expect(
      await jobs
        .nth(1)
        .getByRole('link', { name: /Open the event of pdf-to-text job case-17-b/ })
        .getAttribute('href'),
    ).toMatch(new RegExp(`^${postHog.url}/project/1/events/`));
    // By distinct id too; someone unknown finds nothing, and says so.
    await lookup.getByLabel('Look up by').selectOption('distinct_id');
    await lookup.getByLabel('Email or id to look up').fill('nobody-at-all');
    await lookup.getByRole('button', { name: 'Find' }).click();
    await expect.poll(() => lookup.locator('[data-testid="lookup-empty"]').count(), { timeout: 20_000 }).toBe(1);
    await panel.close();
  });

  it("marks the project's annotations on the p95 line, with their text", async () => {
    const page = await openTool('news-analyzer');
    await shownFigures(page);
    // The local server's demo annotation, 3 days ago: inside the card's 7 days.
    const annotation = card(page).locator('[data-testid="annotation"]');
    await expect.poll(() => annotation.count(), { timeout: 20_000 }).toBe(1);
    expect(await annotation.textContent()).toContain('Deployed OCR engine v2 (pdf-to-text, news-analyzer)');
    expect(await card(page).locator('[data-testid="annotation-mark"]').count()).toBe(1);
    // A click compares the time since it with as long before it: other figures, said so, and back.
    const viewsInRange = await card(page).locator('[data-testid="funnel-step-1"]').getAttribute('data-sessions');
    await card(page).getByRole('button', { name: 'before / after Deployed OCR engine v2 (pdf-to-text, news-analyzer)' }).click();
    const banner = card(page).locator('[data-testid="split-banner"]');
    await expect.poll(() => banner.count(), { timeout: 20_000 }).toBe(1);
    expect(await banner.textContent()).toMatch(/Before \/ after .*Deployed OCR engine v2.*the 3 d( \d+ h)? since, against as long before/);
    await shownFigures(page);
    const viewsSince = Number(await card(page).locator('[data-testid="funnel-step-1"]').getAttribute('data-sessions'));
    expect(viewsSince).toBeGreaterThan(0);
    expect(viewsSince).toBeLessThan(Number(viewsInRange));
    await card(page)
      .getByRole('button', { name: /Back to last 7 days/ })
      .click();
    await expect.poll(() => banner.count(), { timeout: 20_000 }).toBe(0);
    await expect.poll(async () => card(page).locator('[data-testid="funnel-step-1"]').getAttribute('data-sessions'), { timeout: 20_000 }).toBe(viewsInRange);
    await page.close();
  });

  it('moves to another corner, remembered for the site after a reload', async () => {
    const page = await openTool('csv-cleaner');
    await shownFigures(page);
    const root = card(page).locator('[data-testid="card-root"]');
    expect(await root.getAttribute('data-corner')).toBe('bottom-right');
    // Drag the header to the top-left of the window.
    const header = card(page).locator('.tl-header');
    const box = (await header.boundingBox())!;
    await page.mouse.move(box.x + 40, box.y + 10);
    await page.mouse.down();
    await page.mouse.move(200, 120, { steps: 5 });
    await page.mouse.up();
    await expect.poll(() => root.getAttribute('data-corner')).toBe('top-left');
    const cardBox = (await card(page).locator('.tl-card').boundingBox())!;
    expect(cardBox.x).toBeLessThan(40);
    expect(cardBox.y).toBeLessThan(40);
    await page.reload();
    await shownFigures(page);
    expect(await card(page).locator('[data-testid="card-root"]').getAttribute('data-corner')).toBe('top-left');
    // The keyboard-accessible way: the move button cycles corners.
    await card(page).getByRole('button', { name: 'Move to the next corner' }).click();
    expect(await card(page).locator('[data-testid="card-root"]').getAttribute('data-corner')).toBe('top-right');
    await card(page).getByRole('button', { name: 'Move to the next corner' }).click();
    await page.close();
  });

  it('keeps what another tab of the site saved: a card moved in one tab stays collapsed as another tab left it', async () => {
    // From the default corner, whatever the tests before left stored.
    await editCardPrefs(browser, { corner: 'bottom-right' });
    const [first, second] = [await openTool('csv-cleaner'), await openTool('pdf-to-text')];
    try {
      await Promise.all([shownFigures(first), shownFigures(second)]);
      await card(first).getByRole('button', { name: 'Collapse' }).click();
      await cardCollapsedSaved(browser, site.url, true);
      // The second tab's card is still expanded there: moving it saves its corner, and only that.
      await card(second).getByRole('button', { name: 'Move to the next corner' }).click();
      await expect.poll(async () => (await storedCardPrefs(browser, site.url))?.corner, { timeout: 20_000 }).toBe('bottom-left');
      expect(await storedCardPrefs(browser, site.url)).toMatchObject({ corner: 'bottom-left', collapsed: true, hidden: false });
      const next = await openTool('news-analyzer');
      await expect.poll(() => card(next).locator('[data-testid="pill-ready"]').count(), { timeout: 30_000 }).toBe(1);
      expect(await card(next).locator('[data-testid="card-root"]').getAttribute('data-corner')).toBe('bottom-left');
      await next.close();
    } finally {
      await editCardPrefs(browser, { corner: 'bottom-right' });
      await Promise.all([first.close(), second.close()]);
    }
  });

  it('hides on this site until the keyboard command brings it back', async () => {
    const page = await openTool('news-analyzer');
    await shownFigures(page);
    await card(page).getByRole('button', { name: 'Hide on this site' }).click();
    await expect.poll(() => cardHost(page).count()).toBe(0);
    await page.reload();
    await page.waitForLoadState('load');
    await page.waitForTimeout(500);
    expect(await cardHost(page).count()).toBe(0);
    // Stored as hidden and collapsed (a collapse in one tab and a hide in another leave both): the
    // command brings the card back expanded all the same.
    await editCardPrefs(browser, { collapsed: true });
    await page.reload();
    await page.waitForLoadState('load');
    // What the Alt+Shift+L command does: the worker tells the active tab to toggle the card.
    await browser.worker.evaluate(async () => {
      const c = (
        globalThis as unknown as {
          chrome: { tabs: { query(q: object): Promise<Array<{ id: number; url?: string }>>; sendMessage(id: number, m: object): Promise<unknown> } };
        }
      ).chrome;
      const tabs = await c.tabs.query({});
      for (const tab of tabs) if (tab.url?.includes('/tools/news-analyzer')) await c.tabs.sendMessage(tab.id, { type: 'card/toggle' });
    });
    await shownFigures(page);
    await page.close();
  });

  it('shows the LLM section for a tool that calls a model', async () => {
    const page = await openTool('news-analyzer');
    await shownFigures(page);
    const llm = card(page).locator('[data-testid="llm"]');
    const expected = (await rawEvents()).filter(
      (e) => e.event === '$ai_generation' && e.properties.tool_name === 'news-analyzer' && e.ms >= Date.now() - SEVEN_DAYS_MS,
    ).length;
    expect(expected).toBeGreaterThan(0);
    expect(await llm.textContent()).toContain(`${expected.toLocaleString('en-US')} generations`);
    await page.close();
  });
});

describe('card states', () => {
  it('says "not connected" with a way to the options when settings are missing', async () => {
    await browser.worker.evaluate(() =>
      (globalThis as unknown as { chrome: { storage: { local: { remove(k: string): Promise<void> } } } }).chrome.storage.local.remove('settings'),
    );
    // Without a connection there is no auto-mapping: the page marker still names this tool.
    const page = await openTool('pdf-to-text');
    await waitForCard(page);
    const error = card(page).locator('[data-testid="card-error"]');
    expect(await error.getAttribute('data-kind')).toBe('not_configured');
    expect(await error.textContent()).toContain('not connected to PostHog');
    const optionsPage = browser.context.waitForEvent('page');
    await card(page).getByRole('button', { name: 'Open Tool Lens options' }).click();
    expect((await optionsPage).url()).toContain('/options.html');
    await page.close();
  });

  it('says the key was rejected when it is wrong', async () => {
    await configureExtension(browser, { ...settings(), apiKey: 'phx_wrong' });
    const page = await openTool('news-analyzer');
    await waitForCard(page);
    const error = card(page).locator('[data-testid="card-error"]');
    expect(await error.getAttribute('data-kind')).toBe('unauthorized');
    expect(await error.textContent()).toContain('rejected the personal API key (401)');
    await page.close();
    await configureExtension(browser, settings());
  });
});

describe('options page', () => {
  it('saves settings and tests each step of the connection', async () => {
    const page = await browser.context.newPage();
    await page.goto(`chrome-extension://${browser.extensionId}/options.html`);
    await page.selectOption('#host', 'custom');
    await page.fill('#customHost', postHog.url);
    await page.fill('#projectId', String(postHog.projectId));
    await page.fill('#apiKey', 'phx_wrong');
    await page.getByRole('button', { name: 'Save and test connection' }).click();
    await expect.poll(() => page.locator('[data-testid="connection-checks"]').textContent()).toContain('✗ API key');

    await page.fill('#apiKey', postHog.apiKey);
    await page.getByRole('button', { name: 'Save and test connection' }).click();
    const checks = page.locator('[data-testid="connection-checks"]');
    await expect.poll(() => checks.textContent()).toContain('✓ Query API');
    expect(await checks.textContent()).toMatch(/✓ API key.*✓ Project.*events in the last 7 days/);

    await page.fill('#projectId', 'twelve');
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    expect(await page.locator('#projectId-error').textContent()).toContain('Project id is a number');
    await page.close();
  });
});

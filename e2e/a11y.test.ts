/**
 * End to end: an independent audit (axe-core, WCAG 2.2 A/AA and best practices) of every view — the
 * options page (first run, full form, with field errors), the popup, and the card in each state
 * (overview light and dark, triage, collapsed pill, error, stale, over threshold). Any violation
 * fails; what axe leaves for review is checked here by hand (see `reviewed`).
 */
import { PostHog } from 'posthog-node';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { startStack, type Stack } from './stack';
import { axeCard, axePage, describeViolations, type AxeReport } from './harness/axe';
import { cardOf as card } from './harness/closedCard';
import { cardCollapsedSaved, configureExtension, editCardPrefs } from './harness/chromium';
import { compareCounts, compareRates } from '../lib/stats/intervals';

let stack: Stack;
const QUERY = '/api/projects/1/query/';

beforeAll(async () => {
  stack = await startStack({ postHog: { seed: { seed: 11, days: 14, events: 4000 } } });
});
afterAll(() => stack?.close());
// A card collapsed on the site stays so for its next pages: each test starts from an expanded one, even after a failure.
afterEach(() => (stack ? editCardPrefs(stack.browser, { collapsed: false }) : undefined));

/**
 * What axe could not decide must be decided here. The only kind expected is color-contrast where axe
 * cannot see one background (a pseudo-element, an overlap): each such node's own contrast is measured
 * against the first opaque background behind it and must reach WCAG's 4.5:1 (text) — the glyph
 * buttons (↻ ⇲ – ×) are text, so they are held to the text ratio, not the 3:1 of graphics.
 */
async function reviewed(page: Page, report: AxeReport, inCard: boolean): Promise<string[]> {
  const problems: string[] = [];
  for (const result of report.incomplete) {
    if (result.id === 'label-content-name-mismatch') {
      // axe cannot tell a symbol from text. WCAG's Understanding 2.5.3 (Label in Name): a label that is
      // a symbol (↻, ×, ↗) is not text, so the name need not contain it. Letters or digits would be.
      for (const node of result.nodes) {
        const text = await textOf(page, node.target, inCard);
        if (text === null || /[\p{L}\p{N}]/u.test(text)) problems.push(`name must contain visible text “${text}”: ${JSON.stringify(node.target)}`);
      }
      continue;
    }
    if (result.id !== 'color-contrast') {
      problems.push(...describeViolations([result]).map((line) => `needs review: ${line}`));
      continue;
    }
    for (const node of result.nodes) {
      const ratio = await contrastOf(page, node.target, inCard);
      if (ratio === null || ratio < 4.5)
        problems.push(`contrast ${ratio?.toFixed(2) ?? 'unknown'}:1 under 4.5:1 — ${JSON.stringify(node.target)} ${node.html.slice(0, 120)}`);
    }
  }
  return problems;
}

/** The element a target names: in the card's root when it is a card path. */
async function inTarget<T>(page: Page, target: unknown[], inCard: boolean, fn: (element: Element) => T): Promise<T | null> {
  const path = target[0];
  const source = fn.toString();
  if (inCard && Array.isArray(path)) {
    return card(page).evaluate(
      (root, [sel, code]) => {
        const element = (root.parentNode as ParentNode).querySelector(sel);
        return element ? (new Function(`return (${code})`)() as (e: Element) => T)(element) : null;
      },
      [String(path[path.length - 1]), source] as const,
    );
  }
  return page.evaluate(
    ([sel, code]) => {
      const element = document.querySelector(sel);
      return element ? (new Function(`return (${code})`)() as (e: Element) => T)(element) : null;
    },
    [String(path), source] as const,
  );
}

const textOf = (page: Page, target: unknown[], inCard: boolean) => inTarget(page, target, inCard, (e) => e.textContent ?? '');

/** The contrast of an element's text colour over the first opaque background colour behind it. */
async function contrastOf(page: Page, target: unknown[], inCard: boolean): Promise<number | null> {
  const measure = (element: Element): number | null => {
    const parse = (c: string) => (c.match(/[\d.]+/g) ?? []).map(Number);
    const luminance = ([r, g, b]: number[]) => {
      const lin = (v: number) => ((v /= 255) <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4);
      return 0.2126 * lin(r!) + 0.7152 * lin(g!) + 0.0722 * lin(b!);
    };
    const fg = parse(getComputedStyle(element).color);
    let bg: number[] | null = null;
    for (let e: Element | null = element; e; e = e.parentElement ?? (e.getRootNode() as ShadowRoot).host ?? null) {
      const c = parse(getComputedStyle(e).backgroundColor);
      if (c.length >= 3 && (c[3] ?? 1) >= 0.99) {
        bg = c;
        break;
      }
    }
    if (!bg || fg.length < 3) return null;
    const [a, b] = [luminance(fg), luminance(bg)];
    return (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
  };
  return inTarget(page, target, inCard, measure);
}

async function expectClean(page: Page, report: AxeReport, inCard = false) {
  expect(describeViolations(report.violations)).toEqual([]);
  expect(await reviewed(page, report, inCard)).toEqual([]);
  // The audit reached the view: buttons and their names were checked there.
  expect(report.passes.some((p) => p.id === 'button-name' && p.nodes.length > 0)).toBe(true);
}

async function openTool(tool: string, options: { dark?: boolean } = {}): Promise<Page> {
  const page = await stack.browser.context.newPage();
  if (options.dark) await page.emulateMedia({ colorScheme: 'dark' });
  await page.goto(`${stack.site.url}/tools/${tool}`);
  await card(page).locator('[data-testid="card-ready"]').waitFor({ timeout: 60_000 });
  return page;
}

describe('axe finds nothing', () => {
  it('on the card, overview, in light and dark', async () => {
    for (const dark of [false, true]) {
      const page = await openTool('news-analyzer', { dark });
      // Deltas are there to be audited (14 days: a previous period exists).
      expect(await card(page).locator('.tl-delta').count()).toBeGreaterThan(0);
      await expectClean(page, await axeCard(page), true);
      await page.close();
    }
  });

  it('on the card, triage and collapsed', async () => {
    const page = await openTool('pdf-to-text');
    await card(page).getByRole('tab', { name: 'Triage' }).click();
    await card(page).locator('[data-testid="card-triage"] [data-testid="triage-slowest"]').waitFor({ timeout: 60_000 });
    await expectClean(page, await axeCard(page), true);
    await card(page).getByRole('button', { name: 'Collapse' }).click();
    await card(page).locator('.tl-pill').waitFor();
    await expectClean(page, await axeCard(page), true);
    // Saved for the site before the page goes (afterEach expands it again for the next test).
    await cardCollapsedSaved(stack.browser, stack.site.url, true);
    await page.close();
  });

  it('on the card, in error, stale and over threshold', async () => {
    stack.postHog.faults.set({
      path: QUERY,
      status: 403,
      body: { type: 'authentication_error', code: 'permission_denied', detail: "API key missing required scope 'query:read'", attr: null },
    });
    const failed = await stack.browser.context.newPage();
    await failed.goto(`${stack.site.url}/tools/image-compressor`);
    await card(failed).locator('[data-testid="card-error"]').waitFor({ timeout: 60_000 });
    await expectClean(failed, await axeCard(failed), true);
    await failed.close();
    stack.postHog.faults.clear();

    const page = await openTool('news-analyzer');
    stack.postHog.faults.set({ path: QUERY, status: 503, body: 'upstream connect error' });
    await card(page).getByRole('button', { name: 'Refresh' }).click();
    await card(page).locator('[data-testid="stale-banner"]').waitFor({ timeout: 60_000 });
    await expectClean(page, await axeCard(page), true);
    stack.postHog.faults.clear();
    await page.close();

    const client = new PostHog(stack.postHog.projectApiKey, { host: stack.postHog.url, flushAt: 50, flushInterval: 0 });
    for (let i = 0; i < 14; i++) {
      client.capture({ distinctId: `a11y-${i}`, event: 'tool_processing_started', properties: { tool_name: 'video-summarizer', job_id: `a${i}` } });
      client.capture({
        distinctId: `a11y-${i}`,
        event: 'tool_processing_failed',
        properties: { tool_name: 'video-summarizer', job_id: `a${i}`, error_type: 'rate_limited', processing_duration_ms: 120 },
      });
    }
    await client.shutdown();
    const alerting = await openTool('video-summarizer');
    await card(alerting).locator('[data-testid="health-banner"]').waitFor({ timeout: 60_000 });
    await expectClean(alerting, await axeCard(alerting), true);
    await alerting.close();
  });

  it('on the popup', async () => {
    const popup = await stack.browser.context.newPage();
    await popup.goto(`chrome-extension://${stack.browser.extensionId}/popup.html`);
    await expect.poll(() => popup.locator('[data-testid="popup-connection"]').textContent(), { timeout: 30_000 }).toContain('Key works');
    await expectClean(popup, await axePage(popup));
    await popup.close();
  });

  it('on the side panel (person lookup), empty, with a field error, finding nobody, and with a person, their jobs and exceptions', async () => {
    const panel = await stack.browser.context.newPage();
    await panel.goto(`chrome-extension://${stack.browser.extensionId}/sidepanel.html?tool=news-analyzer&range=7d`);
    await panel.getByRole('heading', { name: 'Look up a person' }).waitFor();
    await expectClean(panel, await axePage(panel));
    await panel.getByRole('button', { name: 'Find' }).click();
    await panel.locator('#lookup-problem').waitFor();
    await expectClean(panel, await axePage(panel));
    await panel.getByLabel('Email or id to look up').fill('nobody@example.com');
    await panel.getByRole('button', { name: 'Find' }).click();
    await panel.locator('[data-testid="lookup-empty"]').waitFor({ timeout: 30_000 });
    await expectClean(panel, await axePage(panel));
    // Someone with jobs on two tools, one failed in a session where the page threw.
    const client = new PostHog(stack.postHog.projectApiKey, { host: stack.postHog.url, flushAt: 50, flushInterval: 0 });
    const props = (tool: string, extra: Record<string, unknown>) => ({ tool_name: tool, $session_id: 'a11y-session', ...extra });
    client.capture({
      distinctId: 'a11y-person',
      event: 'tool_processing_started',
      properties: props('news-analyzer', { job_id: 'a11y-1', $set: { email: 'a11y@example.com', plan: 'pro' } }),
    });
    client.capture({
      distinctId: 'a11y-person',
      event: 'tool_processing_failed',
      properties: props('news-analyzer', { job_id: 'a11y-1', error_type: 'timeout', processing_duration_ms: 90_000 }),
    });
    client.capture({
      distinctId: 'a11y-person',
      event: 'tool_processing_completed',
      properties: props('pdf-to-text', { job_id: 'a11y-2', processing_duration_ms: 1200 }),
    });
    client.captureException(new TypeError('a11y check'), 'a11y-person', { $session_id: 'a11y-session' });
    await client.shutdown();
    await panel.getByLabel('Email or id to look up').fill('a11y@example.com');
    await panel.getByRole('button', { name: 'Find' }).click();
    await panel.locator('[data-testid="lookup-exception"]').first().waitFor({ timeout: 30_000 });
    await expectClean(panel, await axePage(panel));
    // Jobs on two tools: the tool filter is there, and was checked with the rest.
    expect(await panel.locator('#lookup-tool-filter').count()).toBe(1);
    await panel.close();
  });

  it('on the options page, with and without field errors', async () => {
    const options = await stack.browser.context.newPage();
    await options.goto(`chrome-extension://${stack.browser.extensionId}/options.html`);
    await options.getByRole('heading', { level: 1 }).waitFor();
    await expectClean(options, await axePage(options));
    // Errors tied to their fields only while they are there.
    await options.getByLabel('Project id', { exact: true }).fill('not a number');
    await options.getByRole('button', { name: 'Save' }).first().click();
    await expect.poll(() => options.locator('[role="alert"], .error').count()).toBeGreaterThan(0);
    await expectClean(options, await axePage(options));
    await options.close();
  });

  it('on the first run', async () => {
    // As a new install finds it: no settings yet.
    await stack.browser.worker.evaluate(() =>
      (globalThis as unknown as { chrome: { storage: { local: { remove(k: string): Promise<void> } } } }).chrome.storage.local.remove('settings'),
    );
    const first = await stack.browser.context.newPage();
    await first.goto(`chrome-extension://${stack.browser.extensionId}/options.html`);
    await first.getByRole('heading', { name: 'Welcome to Tool Lens' }).waitFor();
    await expectClean(first, await axePage(first));
    await first.close();
    await configureExtension(stack.browser, stack.settings);
  });
});

/**
 * The same 14 days of data hold a previous period: the card's changes are labelled by their tests
 * (lib/stats/intervals.ts) on the events' own counts. A count that moves while the test runs (an
 * event crossing the 7-day boundary) can flip a borderline case, so those are left out.
 */
describe("the card's changes say whether they are more than chance", () => {
  it('failure rate (Newcombe) and each error type (exact Poisson) on every sample tool', async () => {
    const rows = (await stack.postHog.query('SELECT event, toUnixTimestamp64Milli(timestamp) AS ms, properties FROM events FORMAT JSONEachRow')) as Array<{
      event: string;
      ms: number | string;
      properties: string;
    }>;
    const events = rows.map((r) => ({ event: r.event, ms: Number(r.ms), p: JSON.parse(r.properties) as Record<string, unknown> }));
    const labelled = { clear: 0, unclear: 0 };
    for (const tool of ['news-analyzer', 'pdf-to-text', 'csv-cleaner', 'audio-transcriber']) {
      const page = await openTool(tool);
      const now = Date.now();
      const week = 7 * 86_400_000;
      const mine = (from: number, to: number) => events.filter((e) => (e.p.tool_name ?? e.p.$tool_name) === tool && e.ms >= from && e.ms < to);
      const [current, previous] = [mine(now - week, now), mine(now - 2 * week, now - week)];
      const count = (list: typeof current, event: string) => list.filter((e) => e.event === event).length;
      const test = compareRates(
        count(current, 'tool_processing_failed'),
        count(current, 'tool_processing_started'),
        count(previous, 'tool_processing_failed'),
        count(previous, 'tool_processing_started'),
      )!;
      const delta = card(page).locator('[data-testid="errors"] .tl-foot .tl-delta');
      const shown = (await delta.getAttribute('data-testid')) === 'delta-clear';
      const borderline = Math.min(Math.abs(test.interval[0]), Math.abs(test.interval[1])) < 0.003;
      if (!borderline) expect(shown, `${tool}: failure rate ${JSON.stringify(test)}`).toBe(test.significant);
      labelled[shown ? 'clear' : 'unclear']++;
      if (!shown) expect(await delta.getAttribute('data-detail')).toMatch(/^95 % interval of the change: /);

      const types = await card(page).evaluate((root) =>
        [...root.querySelectorAll('[data-testid="error-type"]')].map(
          (li) => [li.getAttribute('data-type'), li.querySelector('[data-significant]')?.getAttribute('data-significant')] as const,
        ),
      );
      for (const [type, significant] of types) {
        const of = (list: typeof current) =>
          list.filter((e) => e.event === 'tool_processing_failed' && (e.p.error_type ?? e.p.$error_type ?? 'unknown') === type).length;
        const t = compareCounts(of(current), of(previous));
        if (t.pValue > 0.03 && t.pValue < 0.07) continue;
        expect(significant, `${tool} ${type}: ${of(current)} vs ${of(previous)}, p = ${t.pValue}`).toBe(String(t.significant));
      }
      await page.close();
    }
    // The labels were compared, not skipped.
    expect(labelled.clear + labelled.unclear).toBe(4);
  });
});

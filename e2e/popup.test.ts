/**
 * End to end: the toolbar popup — connection and scopes, dashboards (list, search, keyboard, open,
 * recent), the Tool Usage dashboard created once, and a failure burst raising the badge and the card.
 */
import { PostHog } from 'posthog-node';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Locator, Page } from 'playwright-core';
import type { LocalPostHog } from '../local-posthog/server';
import type { SampleSite } from '../sample-site/server';
import type { ExtensionBrowser } from './harness/chromium';
import { startStack, type Stack } from './stack';
import { configureExtension } from './harness/chromium';
import { cardOf as card } from './harness/closedCard';

let postHog: LocalPostHog;
let site: SampleSite;
let browser: ExtensionBrowser;
let stack: Stack;

async function openPopup(): Promise<Page> {
  const page = await browser.context.newPage();
  await page.goto(`chrome-extension://${browser.extensionId}/popup.html`);
  return page;
}
/**
 * Clicks `target` until `shown` appears. The popup renders its shell first and fills each section as
 * its answer lands, so a section growing above `target` can move it between Playwright's aim and its click.
 */
async function clickUntilShown(target: Locator, shown: Locator) {
  await vi.waitFor(
    async () => {
      if (!(await shown.isVisible())) await target.click({ timeout: 10_000 });
      await shown.waitFor({ state: 'visible', timeout: 2_000 });
    },
    { timeout: 40_000, interval: 200 },
  );
}
const dashboardNames = (page: Page) => page.locator('[data-testid="dashboard"] .dash-name').allTextContents();
type Chrome = { chrome: { action: { getBadgeText(o: object): Promise<string> } } };
const FULL_KEY = 'phx_tool_lens_every_scope';

beforeAll(async () => {
  // The extension's key lacks insight:write; a second key has every scope.
  stack = await startStack({
    postHog: {
      seed: { seed: 5, days: 2, events: 2000 },
      keyScopes: ['query:read', 'project:read', 'user:read', 'dashboard:read', 'dashboard:write'],
      apiKeys: [{ key: FULL_KEY, scopes: ['*'] }],
    },
  });
  ({ postHog, site, browser } = stack);
});

afterAll(() => stack?.close());

describe('popup', () => {
  it('says the key works and which scope it lacks for what', async () => {
    const popup = await openPopup();
    await expect.poll(() => popup.locator('[data-testid="popup-connection"]').textContent()).toContain('✓ Key works');
    expect(await popup.locator('[data-testid="missing-scopes"]').textContent()).toContain('insight:write — needed for creating the Tool Usage dashboard');
    await popup.close();
  });

  it('lists dashboards pinned first, searches as you type, opens with Enter and remembers it', async () => {
    const popup = await openPopup();
    await expect.poll(() => dashboardNames(popup)).toEqual(['Product overview', 'Errors triage', 'Growth']);
    // Type to search: the search box has the focus as soon as the popup opens.
    await expect.poll(() => popup.evaluate(() => document.activeElement?.getAttribute('aria-label'))).toBe('Search dashboards');
    await popup.keyboard.type('grow');
    await expect.poll(() => dashboardNames(popup)).toEqual(['Growth']);
    const opened = browser.context.waitForEvent('page');
    await popup.keyboard.press('Enter');
    const tab = await opened;
    expect(tab.url()).toMatch(new RegExp(`^${postHog.url}/project/1/dashboard/\\d+$`));
    await tab.close();
    await popup.close();

    const again = await openPopup();
    await expect.poll(() => dashboardNames(again)).toEqual(['Product overview', 'Growth', 'Errors triage']);
    expect(await again.locator('[data-testid="dashboard"]').nth(1).textContent()).toContain('recently opened');
    // Arrow keys move the selection.
    await again.locator('[aria-label="Search dashboards"]').press('ArrowDown');
    expect(await again.locator('[data-testid="dashboard"][aria-selected="true"] .dash-name').textContent()).toBe('Growth');
    await again.close();
  });

  it('under faults says what failed, keeps the dashboards it had with their time, and recovers', async () => {
    // The dashboards are cached first, as after any earlier opening of the popup.
    const before = await openPopup();
    await expect.poll(() => dashboardNames(before)).toHaveLength(3);
    await before.close();
    postHog.faults.set({
      path: '/api/users/@me/',
      status: 401,
      body: {
        type: 'authentication_error',
        code: 'authentication_failed',
        detail: 'Personal API key found in request Authorization header is invalid.',
        attr: null,
      },
    });
    postHog.faults.set({ path: /^\/api\/projects\/1\/dashboards\/?$/, status: 503, body: 'upstream connect error' });
    const popup = await openPopup();
    await expect
      .poll(() => popup.locator('[data-testid="popup-connection"]').textContent(), { timeout: 20_000 })
      .toMatch(/^✗ .*rejected the personal API key \(401\)/);
    await expect
      .poll(() => popup.locator('[data-testid="dashboards-stale"]').textContent(), { timeout: 20_000 })
      .toMatch(/^Dashboards as of \d\d:\d\d; could not refresh: .*503/);
    expect((await dashboardNames(popup)).length).toBe(3);
    expect(await popup.locator('body').textContent()).not.toContain(postHog.apiKey);
    await popup.close();

    postHog.faults.clear();
    const again = await openPopup();
    await expect.poll(() => again.locator('[data-testid="popup-connection"]').textContent(), { timeout: 20_000 }).toContain('✓ Key works');
    await expect.poll(() => dashboardNames(again)).toHaveLength(3);
    expect(await again.locator('[data-testid="dashboards-stale"]').count()).toBe(0);
    await again.close();
  });

  it('says which scope is missing when the key may not save insights; with one that may, creates the Tool Usage dashboard once, then updates it', async () => {
    // PostHog refuses each insight of a key without insight:write (posthog/permissions.py APIScopePermission).
    const popup = await openPopup();
    const createOrUpdate = popup.getByRole('button', { name: 'Create or update the Tool Usage dashboard' });
    await clickUntilShown(popup.getByTestId('create-tool-usage'), createOrUpdate);
    await createOrUpdate.click();
    await expect.poll(() => popup.locator('[data-testid="tool-usage-result"]').textContent(), { timeout: 20_000 }).toContain('12 insight(s) failed');
    expect(await popup.locator('.progress').textContent()).toContain("API key missing required scope 'insight:write'");

    // With a key that may, the same button fills the dashboard it made.
    await configureExtension(browser, { ...stack.settings, apiKey: FULL_KEY });
    await popup.getByRole('button', { name: 'Create or update the Tool Usage dashboard' }).click();
    await expect.poll(() => popup.locator('[data-testid="tool-usage-result"]').textContent(), { timeout: 20_000 }).toContain('Dashboard updated.');
    expect(await popup.locator('.progress li').count()).toBeGreaterThanOrEqual(13);
    await popup.getByRole('button', { name: 'Create or update the Tool Usage dashboard' }).click();
    await expect.poll(() => popup.locator('[data-testid="tool-usage-result"]').textContent(), { timeout: 20_000 }).toContain('Dashboard updated.');
    await popup.close();

    const list = (await (await fetch(`${postHog.url}/api/projects/1/dashboards/`, { headers: { Authorization: `Bearer ${postHog.apiKey}` } })).json()) as {
      results: Array<{ id: number; name: string }>;
    };
    const ours = list.results.filter((d) => d.name === 'Tool Usage Analytics');
    expect(ours).toHaveLength(1);
    const detail = (await (
      await fetch(`${postHog.url}/api/projects/1/dashboards/${ours[0]!.id}/`, { headers: { Authorization: `Bearer ${postHog.apiKey}` } })
    ).json()) as { tiles: Array<{ layouts?: { sm?: { y: number } } }> };
    expect(detail.tiles).toHaveLength(12);
    expect(new Set(detail.tiles.map((t) => t.layouts?.sm?.y)).size).toBe(4);
  });

  it('lists every tool with p95, failure rate and view → download, sortable, and the card says where its tool stands', async () => {
    const popup = await openPopup();
    await popup.getByText('All tools, last 7 days').click();
    const rows = popup.locator('[data-testid="ranked-tool"]');
    await expect.poll(() => rows.count(), { timeout: 20_000 }).toBeGreaterThanOrEqual(5);
    const names = () => rows.evaluateAll((tr) => tr.map((r) => r.getAttribute('data-tool')));
    const byName = [...(await names())].sort();
    await popup.getByRole('button', { name: 'Tool', exact: true }).click();
    expect(await names()).toEqual(byName);
    expect(await popup.locator('th[aria-sort="ascending"]').textContent()).toContain('Tool');
    // Failure rate, highest first: the column's own numbers in order.
    await popup.getByRole('button', { name: 'Failure rate' }).click();
    const rates = await rows.evaluateAll((tr) =>
      tr
        .map((r) => r.querySelectorAll('td')[1]!.textContent!)
        .filter((t) => t !== '—')
        .map((t) => parseFloat(t)),
    );
    expect(rates).toEqual([...rates].sort((a, b) => b - a));
    const first = (await names())[0]!;
    await popup.close();

    // That tool's card: the highest failure rate of all.
    const page = await browser.context.newPage();
    await page.goto(`${site.url}/tools/${first}`);
    const standing = card(page).locator('[data-testid="standing"]');
    await expect
      .poll(() => standing.textContent(), { timeout: 30_000 })
      .toMatch(new RegExp(`^Among ${byName.length} tools: .*failure rate [0-9.]+× the median, highest of \\d+`));
    await page.close();
  });

  it('a failure burst sent with posthog-node raises the badge, lists the tool in trouble and marks its card', async () => {
    const client = new PostHog(postHog.projectApiKey, { host: postHog.url, flushAt: 50, flushInterval: 0 });
    for (let i = 0; i < 14; i++) {
      client.capture({ distinctId: `burst-${i}`, event: 'tool_processing_started', properties: { tool_name: 'video-summarizer', job_id: `b${i}` } });
      client.capture({
        distinctId: `burst-${i}`,
        event: 'tool_processing_failed',
        properties: { tool_name: 'video-summarizer', job_id: `b${i}`, error_type: 'rate_limited', processing_duration_ms: 120 },
      });
    }
    await client.shutdown();

    const popup = await openPopup();
    await popup.getByRole('button', { name: 'check now' }).click();
    const trouble = popup.locator('[data-testid="trouble-tool"]', { hasText: 'video-summarizer' });
    await expect.poll(() => trouble.count(), { timeout: 20_000 }).toBe(1);
    expect(await trouble.textContent()).toMatch(/\d+ failures in the last hour \(alert above 10\)/);
    expect(await trouble.getByRole('link', { name: 'page ↗' }).getAttribute('href')).toBe(`${site.url}/tools/video-summarizer`);
    const count = await popup.locator('[data-testid="trouble-tool"]').count();
    const badge = await browser.worker.evaluate(() => (globalThis as unknown as Chrome).chrome.action.getBadgeText({}));
    expect(badge).toBe(String(count));
    await popup.close();

    const page = await browser.context.newPage();
    await page.goto(`${site.url}/tools/video-summarizer`);
    await expect.poll(() => card(page).locator('[data-testid="health-banner"]').textContent(), { timeout: 20_000 }).toMatch(/failures in the last hour/);
    await page.close();
  });
});

/**
 * End to end: a new install in Chromium. The options open on the first run; a new user with only a
 * key reaches a card without typing a project id. Each failing step says what failed: a bad key, a
 * key lacking a scope, a key that sees no project.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Page } from 'playwright-core';
import type { LocalPostHog } from '../local-posthog/server';
import type { SampleSite } from '../sample-site/server';
import type { ExtensionBrowser } from './harness/chromium';
import { cardOf as card } from './harness/closedCard';
import { startStack, type Stack } from './stack';

const KEYS = { noUser: 'phx_first_run_no_user_read', nowhere: 'phx_first_run_no_project' };
let postHog: LocalPostHog;
let site: SampleSite;
let browser: ExtensionBrowser;
let stack: Stack;
type Chrome = { chrome: { storage: { local: { get(k: string): Promise<Record<string, unknown>> } } } };

beforeAll(async () => {
  stack = await startStack({
    postHog: {
      seed: { seed: 17, days: 3, events: 1500 },
      apiKeys: [
        { key: KEYS.noUser, scopes: ['query:read', 'project:read'] },
        { key: KEYS.nowhere, scopes: ['*'], scopedTeams: [404] },
      ],
    },
    configure: false,
  });
  ({ postHog, site, browser } = stack);
  // The install opens the options by itself; Chromium may put them in the blank tab a test has just
  // created (interrupting its navigation), so let that happen first. The first test says if it never does.
  await vi
    .waitFor(
      () => {
        if (!browser.context.pages().some(isOptions)) throw new Error('the options have not opened yet');
      },
      { timeout: 60_000, interval: 200 },
    )
    .catch(() => undefined);
  // Someone used a tool on the sample site: its tool_viewed (posthog-js) names the site for the first run.
  const page = await browser.context.newPage();
  await page.goto(`${site.url}/tools/csv-cleaner`);
  const stored = async () =>
    Number(
      (
        (await postHog.query(
          `SELECT count() AS n FROM events WHERE event = 'tool_viewed' AND JSONExtractString(properties, '$current_url') LIKE '${site.url}%' FORMAT JSONEachRow`,
        )) as Array<{ n: string }>
      )[0]?.n ?? 0,
    );
  for (let tries = 0; (await stored()) === 0; tries++) {
    if (tries > 200) throw new Error('the sample site sent no tool_viewed');
    await new Promise((r) => setTimeout(r, 100));
  }
  await page.close();
});
afterAll(() => stack?.close());

const isOptions = (p: Page) => p.url() === `chrome-extension://${browser.extensionId}/options.html`;

const problem = (page: Page) => page.getByTestId('first-run-problem').textContent();

async function openFirstRun(): Promise<Page> {
  const page = await browser.context.newPage();
  await page.goto(`chrome-extension://${browser.extensionId}/options.html`);
  await page.getByTestId('first-run').waitFor();
  return page;
}

async function toKeyStep(page: Page) {
  await page.getByLabel('Self-hosted / custom URL').check();
  await page.getByLabel('PostHog URL').fill(postHog.url);
  await page.getByRole('button', { name: 'Continue' }).click();
  await page.getByLabel('Personal API key').waitFor();
}

describe('first run', () => {
  it('opens by itself on install', async () => {
    await expect.poll(() => browser.context.pages().some(isOptions), { timeout: 60_000 }).toBe(true);
  });

  it('says what is wrong with a bad key, a key lacking a scope and a key that sees no project, and stays on that step', async () => {
    const page = await openFirstRun();
    await toKeyStep(page);
    const tryKey = async (key: string) => {
      await page.getByLabel('Personal API key').fill(key);
      await page.getByRole('button', { name: 'Continue' }).click();
      await expect.poll(() => page.getByTestId('first-run-status').textContent()).toBe('');
    };
    await tryKey('phx_not_a_key');
    await expect.poll(() => problem(page)).toMatch(/^PostHog rejected this key\. Check that you pasted all of it/);
    await tryKey(KEYS.noUser);
    await expect
      .poll(() => problem(page))
      .toBe('This key lacks the user:read scope. Edit the key in PostHog (or create one) with the scopes listed above, then paste it again.');
    await tryKey(KEYS.nowhere);
    await expect.poll(() => problem(page)).toMatch(/^This key \(dev@tool-lens\.local\) can see no project/);
    expect(await page.getByTestId('first-run').getAttribute('data-step')).toBe('key');
    // Nothing was saved by the failed attempts.
    expect(await browser.worker.evaluate(async () => (await (globalThis as unknown as Chrome).chrome.storage.local.get('settings')).settings)).toBeUndefined();
    await page.close();
  });

  it('with only a key: picks the project from a list, detects the schema, proposes the site, and the card shows there', async () => {
    const page = await openFirstRun();
    await toKeyStep(page);
    await page.getByLabel('Personal API key').fill(postHog.apiKey);
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.getByRole('radio', { name: /Tool Lens \(local\)/ }).waitFor();
    // The only project is chosen already; no id was typed.
    expect(await page.getByRole('radio', { name: /Tool Lens \(local\)/ }).isChecked()).toBe(true);
    await page.getByRole('button', { name: 'Use this project' }).click();

    await page.getByTestId('proposed-site').first().waitFor({ timeout: 30_000 });
    expect(await page.getByTestId('first-run-schema').textContent()).toMatch(/tool_name: tool_name \+ \$tool_name \(\d+ \/ \d+ events\)/);
    const proposals = (await page.getByTestId('proposed-site').allTextContents()).map((p) => p.trim());
    expect(proposals[0]).toMatch(/^https:\/\/tools\.example\.com — [\d,]+ views, \d+ tools$/);
    expect(proposals.some((p) => p.startsWith(site.url))).toBe(true);
    // None ticked: anyone with the project's public token can send events naming a site. Only the sample site is served here.
    expect(
      await page
        .getByTestId('proposed-site')
        .locator('input')
        .evaluateAll((boxes) => boxes.map((b) => (b as HTMLInputElement).checked)),
    ).not.toContain(true);
    await page.getByRole('checkbox', { name: new RegExp(site.url.replace(/[.:/]/g, '\\$&')) }).check();
    await page.getByRole('button', { name: 'Enable this site' }).click();

    const tryLink = page.getByTestId('try-link');
    await tryLink.waitFor();
    const href = await tryLink.getAttribute('href');
    expect(href).toMatch(new RegExp(`^${site.url}/tools/`));
    const settings = (await browser.worker.evaluate(async () => (await (globalThis as unknown as Chrome).chrome.storage.local.get('settings')).settings)) as {
      projectId: string;
      host: string;
      customHost: string;
    };
    expect(settings).toMatchObject({ host: 'custom', customHost: postHog.url, projectId: '1' });

    const tool = await browser.context.newPage();
    await tool.goto(href!);
    await card(tool).locator('[data-testid="card-ready"]').waitFor({ timeout: 30_000 });
    expect(await card(tool).locator('[data-testid="card-meta"]').textContent()).toContain('found by');
    await tool.close();

    await page.getByRole('button', { name: 'Show all options' }).click();
    expect(await page.locator('#projectId').inputValue()).toBe('1');
    await page.close();
  });
});

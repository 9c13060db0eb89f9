/**
 * End to end: an organisation's policy in Debian's Chromium, set as an admin sets it — a managed
 * policy file in /etc/chromium/policies/managed under 3rdparty.extensions[<id>]. A fresh profile
 * starts configured by it, a locked field cannot be changed, invalid values are reported and ignored,
 * and a change of the file while the browser runs takes effect. Two sites mapped to two projects of
 * the local server (production and staging, one key) show each its own project's figures.
 *
 * The file applies to every Chromium on the machine: it names only the id of this test's own copy of
 * the extension (a fresh manifest `key`), which no other suite loads, and is removed after the test.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PostHog } from 'posthog-node';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Page } from 'playwright-core';
import { startLocalPostHog, type LocalPostHog } from '../local-posthog/server';
import { startSampleSite, type SampleSite } from '../sample-site/server';
import { EXTENSION_DIR, launchWithExtension, type ExtensionBrowser } from './harness/chromium';
import { cardOf as card } from './harness/closedCard';
import { chromiumCopyWithOwnId, chromiumPolicy } from './harness/policy';

let postHog: LocalPostHog;
let site: SampleSite;
let later: SampleSite;
let browser: ExtensionBrowser;
let extension: Awaited<ReturnType<typeof chromiumCopyWithOwnId>>;
let policy: Awaited<ReturnType<typeof chromiumPolicy>>;
/** The browser's profile, kept across the restart of the last test. */
let profile: string;

type Chrome = {
  chrome: {
    storage: {
      managed: { get(): Promise<Record<string, unknown>> };
      local: { set(v: object): Promise<void> };
      session: { get(k: string): Promise<Record<string, unknown>> };
    };
  };
};
const STAGING = { id: 2, name: 'Staging', apiToken: 'phc_tool_lens_staging' };
const siteOf = (origin: string, project?: string) => ({
  origin,
  marker: null,
  urlRules: [{ kind: 'pattern', value: '/tools/:tool', map: {} }],
  autoMap: false,
  ...(project ? { project } : {}),
});
const policyValues = (sites: Array<ReturnType<typeof siteOf>>, more: Record<string, unknown> = {}) => ({
  ...more,
  host: postHog.url,
  projectId: String(postHog.projectId),
  sites: [...sites, { origin: 'ftp://files.example.com', marker: null, urlRules: [], autoMap: true }],
  thresholds: { failuresPerHour: 4, meanDurationSeconds: 45 },
  // Below the options' minimum: reported and ignored, the rest applies.
  alertEveryMinutes: 0,
});
const managed = () => browser.worker.evaluate(() => (globalThis as unknown as Chrome).chrome.storage.managed.get());
const published = (origin: string) =>
  browser.worker.evaluate(async (o) => (await (globalThis as unknown as Chrome).chrome.storage.session.get(`site:${o}`))[`site:${o}`] ?? null, origin);
const toolName = (page: Page) => card(page).locator('[data-testid="tool-name"]').textContent();
const optionsPage = async () => {
  const page = await browser.context.newPage();
  await page.goto(`chrome-extension://${browser.extensionId}/options.html`);
  return page;
};

beforeAll(async () => {
  // Production (project 1, seeded) and staging (project 2, only what its site sends), one key for both.
  postHog = await startLocalPostHog({ seed: { seed: 19, days: 3, events: 1500 }, projects: [STAGING] });
  site = await startSampleSite({ postHogUrl: postHog.url, projectApiKey: postHog.projectApiKey });
  later = await startSampleSite({ postHogUrl: postHog.url, projectApiKey: STAGING.apiToken });
  // Staging's own data, known before any card asks: three sessions that viewed image-compressor.
  const staging = new PostHog(STAGING.apiToken, { host: postHog.url, flushAt: 50, flushInterval: 0 });
  for (const i of [1, 2, 3])
    staging.capture({ distinctId: `staging-${i}`, event: 'tool_viewed', properties: { tool_name: 'image-compressor', $session_id: `staging-session-${i}` } });
  await staging.shutdown();
  const stagingViews = async () =>
    Number(
      ((await postHog.query(`SELECT count() AS n FROM events WHERE team_id = ${STAGING.id} FORMAT JSONEachRow`)) as Array<{ n: number | string }>)[0]?.n ?? 0,
    );
  await vi.waitFor(async () => expect(await stagingViews()).toBeGreaterThanOrEqual(3), { timeout: 20_000, interval: 100 });
  extension = await chromiumCopyWithOwnId(EXTENSION_DIR);
  policy = await chromiumPolicy(extension.id);
  await policy.write(policyValues([siteOf(site.url)]));
  profile = await mkdtemp(join(tmpdir(), 'tool-lens-policy-'));
  browser = await launchWithExtension({ headless: true, extensionDir: extension.dir, userDataDir: profile });
});

afterAll(async () => {
  await browser?.close();
  if (profile) await rm(profile, { recursive: true, force: true });
  await policy?.remove();
  await extension?.remove();
  await later?.close();
  await site?.close();
  await postHog?.close();
});

describe('organisation policy in Chromium', () => {
  it('reaches only the extension it names: the copy under its own id', async () => {
    expect(browser.extensionId).toBe(extension.id);
    await expect.poll(managed, { timeout: 30_000 }).toMatchObject({ projectId: String(postHog.projectId) });
  });

  it('starts a fresh profile configured by the policy: the options ask only for the key, the rest is locked', async () => {
    const page = await optionsPage();
    await page.waitForSelector('#projectId');
    expect(await page.locator('[data-testid="first-run"]').count()).toBe(0);
    expect(await page.locator('[data-testid="policy-welcome"] li').allTextContents()).toEqual([
      expect.stringContaining('paste your personal API key'),
      expect.stringContaining('Allow the site your organisation listed'),
    ]);
    expect(await page.inputValue('#projectId')).toBe(String(postHog.projectId));
    expect(await page.isDisabled('#projectId')).toBe(true);
    expect(await page.inputValue('#customHost')).toBe(postHog.url);
    expect(await page.isDisabled('#customHost')).toBe(true);
    expect(await page.locator('[data-testid="locked-host"]').textContent()).toBe('Set by your organisation');
    expect(await page.inputValue('#failuresPerHour')).toBe('4');
    expect(await page.isDisabled('#failuresPerHour')).toBe(true);
    // What the policy leaves open stays the user's.
    expect(await page.isDisabled('#apiKey')).toBe(false);
    expect(await page.isDisabled('#alertEveryMinutes')).toBe(false);
    const problems = await page.locator('[data-testid="policy-problems"] li').allTextContents();
    expect(problems.sort()).toEqual([expect.stringMatching(/^alertEveryMinutes: .*ignored$/), expect.stringMatching(/^sites\.1\.origin: .*ignored$/)]);
    expect(await page.locator('[data-testid="policy-sites"] li').allTextContents()).toEqual([site.url]);

    await page.fill('#apiKey', postHog.apiKey);
    await page.click('button:text-is("Save")');
    await expect.poll(() => page.textContent('[data-testid="options-status"]')).toBe('Saved.');
    await page.close();
  });

  it("shows the card on the policy's site with its rules, from the policy's project", async () => {
    await expect.poll(() => published(site.url), { timeout: 20_000 }).not.toBeNull();
    const page = await browser.context.newPage();
    await page.goto(`${site.url}/tools/news-analyzer`);
    await expect.poll(() => toolName(page), { timeout: 30_000 }).toBe('news-analyzer');
    await expect.poll(() => card(page).locator('[data-testid="funnel-step-1"]').getAttribute('data-sessions'), { timeout: 30_000 }).toMatch(/^[1-9]\d*$/);
    await page.close();
  });

  it('keeps a locked field as the policy sets it, whatever is stored', async () => {
    // Stored straight, as an import or another tool might: a project that does not exist.
    await browser.worker.evaluate(
      (s) => (globalThis as unknown as Chrome).chrome.storage.local.set({ settings: { host: 'custom', customHost: s.url, projectId: '999', apiKey: s.key } }),
      { url: postHog.url, key: postHog.apiKey },
    );
    const page = await optionsPage();
    await page.waitForSelector('#projectId');
    expect(await page.inputValue('#projectId')).toBe(String(postHog.projectId));
    const tool = await browser.context.newPage();
    await tool.goto(`${site.url}/tools/pdf-to-text`);
    await expect.poll(() => toolName(tool), { timeout: 30_000 }).toBe('pdf-to-text');
    await expect.poll(() => card(tool).locator('[data-testid="funnel-step-1"]').getAttribute('data-sessions'), { timeout: 30_000 }).toMatch(/^[1-9]\d*$/);
    await Promise.all([page.close(), tool.close()]);
  });

  it('applies a change of the policy file while the browser runs: a site added there gets its card', async () => {
    expect(await published(later.url)).toBeNull();
    await policy.write(policyValues([siteOf(site.url), siteOf(later.url, String(STAGING.id))]));
    // Chromium watches its policy folder and re-reads it; the worker hears it as storage.onChanged("managed").
    await expect.poll(() => published(later.url), { timeout: 60_000, interval: 250 }).toMatchObject({ site: { origin: later.url } });
    const page = await browser.context.newPage();
    await page.goto(`${later.url}/tools/image-compressor`);
    await expect.poll(() => toolName(page), { timeout: 30_000 }).toBe('image-compressor');
    await page.close();
  });

  it("shows each site its own project's figures: production's seeded sessions, staging's own few", async () => {
    const sessionsOn = async (origin: string) => {
      const page = await browser.context.newPage();
      await page.goto(`${origin}/tools/image-compressor`);
      const sessions = card(page).locator('[data-testid="funnel-step-1"]');
      await expect.poll(() => sessions.getAttribute('data-sessions'), { timeout: 30_000 }).toMatch(/^\d+$/);
      const answer = {
        sessions: Number(await sessions.getAttribute('data-sessions')),
        project: await card(page).locator('[data-testid="card-project"]').textContent(),
      };
      await page.close();
      return answer;
    };
    const production = await sessionsOn(site.url);
    const staging = await sessionsOn(later.url);
    expect(production.project).toBe(` · project ${postHog.projectId}`);
    expect(staging.project).toBe(` · project ${STAGING.id}`);
    // Staging has its three sessions and the visits of this test; production the seed's hundreds.
    const seeded = (await postHog.query(
      `SELECT count(DISTINCT JSONExtractString(properties, 'session_id')) AS n FROM events WHERE team_id = ${postHog.projectId} AND event = 'tool_viewed' AND JSONExtractString(properties, 'tool_name') = 'image-compressor' FORMAT JSONEachRow`,
    )) as Array<{ n: number | string }>;
    expect(production.sessions).toBeGreaterThan(20);
    expect(production.sessions).toBeLessThanOrEqual(Number(seeded[0]!.n));
    expect(staging.sessions).toBeGreaterThanOrEqual(3);
    expect(staging.sessions).toBeLessThan(10);
  });

  it('turns to sign-in only when the policy says so: no key field, and the card reads with the sign-in', async () => {
    await policy.write(policyValues([siteOf(site.url), siteOf(later.url, String(STAGING.id))], { signInOnly: true }));
    await expect.poll(managed, { timeout: 60_000, interval: 250 }).toMatchObject({ signInOnly: true });
    const page = await optionsPage();
    await page.getByTestId('options-sign-in').waitFor();
    expect(await page.locator('#apiKey').count()).toBe(0);
    expect(await page.locator('input[name="auth"]').count()).toBe(0);
    expect(await page.getByTestId('locked-auth').textContent()).toBe('Set by your organisation');

    const opened = browser.context.waitForEvent('page', { predicate: (p) => p.url().includes('/oauth/authorize'), timeout: 30_000 });
    await page.getByTestId('options-sign-in').click();
    const consent = await opened;
    await consent.getByTestId('oauth-allow').click();
    await expect.poll(() => page.getByTestId('sign-in-result').textContent(), { timeout: 30_000 }).toContain('Signed in as');
    const held = await browser.worker.evaluate(
      async () =>
        ((
          await (globalThis as unknown as { chrome: { storage: { local: { get(k: string): Promise<Record<string, unknown>> } } } }).chrome.storage.local.get(
            'signIn',
          )
        ).signIn ?? null) as { accessToken?: string } | null,
    );
    expect(held?.accessToken).toMatch(/^pha_/);

    const tool = await browser.context.newPage();
    await tool.goto(`${site.url}/tools/pdf-to-text`);
    await expect.poll(() => card(tool).locator('[data-testid="funnel-step-1"]').getAttribute('data-sessions'), { timeout: 30_000 }).toMatch(/^[1-9]\d*$/);
    await Promise.all([page.close(), tool.close()]);
  });

  it('after a restart, a policy changed while the browser was closed is in force and remembered: a site it dropped loses its rules', async () => {
    await expect.poll(() => published(later.url), { timeout: 30_000 }).not.toBeNull();
    await browser.close();
    // Changed while the browser is closed, as an admin's update reaches a laptop that was off.
    await policy.write(policyValues([siteOf(site.url)], { signInOnly: true }));
    browser = await launchWithExtension({ headless: true, extensionDir: extension.dir, userDataDir: profile });
    // The worker answers with the remembered policy at once (lib/policy/managed.ts); its own read of
    // the new one is answered about 3 s after the start, and remembered for the next restart. No
    // stale policy stays in force: the answer differs, and so does Chromium's copy of the old one,
    // which it reports as a change (storage.onChanged) when it loads the new file.
    const remembered = () =>
      browser.worker.evaluate(async () => {
        const { policySnapshot } = await (
          globalThis as unknown as { chrome: { storage: { local: { get(k: string): Promise<Record<string, unknown>> } } } }
        ).chrome.storage.local.get('policySnapshot');
        return ((policySnapshot as { raw?: { sites?: Array<{ origin: string }> } } | undefined)?.raw?.sites ?? []).map((s) => s.origin);
      });
    await expect.poll(remembered, { timeout: 60_000, interval: 250 }).toEqual([site.url, 'ftp://files.example.com']);
    // Then it is in force: the site it dropped loses its rules, the other keeps its card.
    await expect.poll(() => published(later.url), { timeout: 60_000, interval: 250 }).toBeNull();
    await expect.poll(() => published(site.url), { timeout: 30_000 }).not.toBeNull();
    const tool = await browser.context.newPage();
    await tool.goto(`${site.url}/tools/pdf-to-text`);
    await expect.poll(() => card(tool).locator('[data-testid="funnel-step-1"]').getAttribute('data-sessions'), { timeout: 30_000 }).toMatch(/^[1-9]\d*$/);
    await tool.close();
  });
});

/**
 * End to end: an organisation's policy in Debian's Firefox ESR, set as an admin sets it — policies.json
 * in the distribution folder beside the Firefox binary, under 3rdparty.Extensions["<gecko id>"], read
 * by the add-on from storage.managed with no schema. A fresh profile starts configured by it, locked
 * fields cannot be changed, an unknown key is reported and ignored.
 *
 * Firefox reads policies.json only at start: a change while it runs is tested in Chromium
 * (e2e/policy.test.ts). The file applies to every Firefox on the machine: it names only the gecko id of
 * this test's own copy of the add-on, which no other suite installs, and is removed after the test.
 */
import type { Page } from 'puppeteer-core';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startLocalPostHog, type LocalPostHog } from '../local-posthog/server';
import { startSampleSite, type SampleSite } from '../sample-site/server';
import { FIREFOX_EXTENSION_DIR, firefoxCard, launchFirefoxWithExtension, type FirefoxExtension } from './harness/firefox';
import { firefoxCopyWithOwnId, firefoxPolicy } from './harness/policy';

let postHog: LocalPostHog;
let site: SampleSite;
let firefox: FirefoxExtension;
let extension: Awaited<ReturnType<typeof firefoxCopyWithOwnId>>;
let policy: Awaited<ReturnType<typeof firefoxPolicy>>;

const textOf = (page: Page, selector: string) => page.$eval(selector, (e) => e.textContent ?? '').catch(() => '');
const disabled = (page: Page, selector: string) => page.$eval(selector, (e) => (e as HTMLInputElement).disabled);

beforeAll(async () => {
  postHog = await startLocalPostHog({ seed: { seed: 23, days: 3, events: 1500 } });
  site = await startSampleSite({ postHogUrl: postHog.url, projectApiKey: postHog.projectApiKey });
  extension = await firefoxCopyWithOwnId(FIREFOX_EXTENSION_DIR);
  policy = await firefoxPolicy(extension.id);
  await policy.write({
    host: postHog.url,
    projectId: String(postHog.projectId),
    sites: [{ origin: site.url, urlRules: [{ kind: 'pattern', value: '/tools/:tool', map: {} }] }],
    thresholds: { failuresPerHour: 6, meanDurationSeconds: 30 },
    // No schema in Firefox: an unknown key reaches the add-on, which reports it and goes on.
    colour: 'red',
  });
  firefox = await launchFirefoxWithExtension({ headless: true, extensionDir: extension.dir });
});

// A failed test prints what Firefox and the add-on last logged (an answer that never came says why there).
beforeEach(({ onTestFailed }) => onTestFailed(() => console.error(`Firefox's last output:\n${firefox?.recentOutput().join('\n')}`)));

afterAll(async () => {
  await firefox?.close();
  await policy?.remove();
  await extension?.remove();
  await site?.close();
  await postHog?.close();
});

describe('organisation policy in Firefox', () => {
  it('starts a fresh profile configured by policies.json: locked fields, the unknown key reported, the key left to the user', async () => {
    expect(firefox.extensionId).toBe(extension.id);
    const options = await firefox.openPage('options.html');
    await options.waitForSelector('#projectId');
    expect(await options.$('[data-testid="first-run"]')).toBeNull();
    expect(await options.$eval('#projectId', (i) => (i as HTMLInputElement).value)).toBe(String(postHog.projectId));
    expect(await disabled(options, '#projectId')).toBe(true);
    expect(await disabled(options, '#customHost')).toBe(true);
    expect(await options.$eval('#failuresPerHour', (i) => (i as HTMLInputElement).value)).toBe('6');
    expect(await disabled(options, '#failuresPerHour')).toBe(true);
    expect(await textOf(options, '[data-testid="locked-projectId"]')).toBe('Set by your organisation');
    expect(await options.$$eval('[data-testid="policy-problems"] li', (items) => items.map((li) => li.textContent))).toEqual([
      'colour: not a Tool Lens policy key, ignored',
    ]);
    expect(await disabled(options, '#apiKey')).toBe(false);
    await options.type('#apiKey', postHog.apiKey);
    const save = await options.waitForSelector('::-p-aria([name="Save"][role="button"])');
    await save!.click();
    await expect.poll(() => textOf(options, '[data-testid="options-status"]'), { timeout: 20_000 }).toBe('Saved.');
    await options.close();
  });

  it("shows the card on the policy's site, with the policy's rules", async () => {
    const page = await firefox.browser.newPage();
    await page.goto(`${site.url}/tools/news-analyzer`);
    const card = firefoxCard(firefox.browser, page);
    await expect.poll(() => card.text('[data-testid="tool-name"]'), { timeout: 30_000 }).toBe('news-analyzer');
    await expect.poll(() => card.text('[data-testid="card-meta"]'), { timeout: 30_000 }).toContain('found by URL rule /tools/:tool');
    await expect.poll(() => card.attribute('[data-testid="funnel-step-1"]', 'data-sessions'), { timeout: 30_000 }).toMatch(/^[1-9]\d*$/);
    await page.close();
  });
});

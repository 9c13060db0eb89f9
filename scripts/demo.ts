/**
 * `npm run demo`: build the extension, start the local PostHog server with seeded data and the
 * sample tool site, and open Chromium with Tool Lens loaded and already connected.
 * Without a display it runs headless and saves screenshots of a tool page's card and the popup.
 *
 *   --once         take the screenshots, print the URLs, then stop (default when headless is
 *                  forced by CI=true)
 *   --headless     headless even when a display is available
 *   --port N       local PostHog port (default 8010; sample site uses N+10)
 *   --firefox      also open Firefox ESR with the add-on, connected, and screenshot it there
 *   --store        also write the store listing's screenshots (1280×800) to docs/store/
 */
import { spawnSync } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { PostHog } from 'posthog-node';
import { startLocalPostHog, type LocalPostHog } from '../local-posthog/server';
import { startSampleSite, type SampleSite } from '../sample-site/server';
import { SAMPLE_TOOLS } from '../sample-site/tools';
import { configureExtension, launchWithExtension, type ExtensionBrowser } from '../e2e/harness/chromium';
import { cardOf } from '../e2e/harness/closedCard';
import { firefoxCard, launchFirefoxWithExtension } from '../e2e/harness/firefox';
import { DEFAULT_METRICS_OPTIONS } from '../lib/settings/settings';

const { values: args } = parseArgs({
  options: {
    once: { type: 'boolean', default: process.env.CI === 'true' },
    headless: { type: 'boolean', default: false },
    port: { type: 'string', default: '8010' },
    firefox: { type: 'boolean', default: false },
    store: { type: 'boolean', default: false },
  },
});
const headless = args.headless || !process.env.DISPLAY;
const root = resolve(import.meta.dirname, '..');
const outDir = resolve(root, '.demo');

const STORE_SIZE = { width: 1280, height: 800 };

function build() {
  // The localhost build: the production one grants no host at install, and the demo runs on loopback.
  console.log('▸ Building the extension (wxt build --mode localhost)…');
  const result = spawnSync(resolve(root, 'node_modules/.bin/wxt'), ['build', '--mode', 'localhost'], { cwd: root, encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`wxt build failed:\n${result.stderr}`);
  if (args.firefox) {
    const firefox = spawnSync(resolve(root, 'node_modules/.bin/wxt'), ['build', '-b', 'firefox', '--mode', 'localhost'], { cwd: root, encoding: 'utf8' });
    if (firefox.status !== 0) throw new Error(`wxt build -b firefox failed:\n${firefox.stderr}`);
  }
}

/** Prefer the documented port; fall back to a free one when it is taken. */
async function onPreferredPort<T>(port: number, start: (port: number) => Promise<T>): Promise<T> {
  try {
    return await start(port);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw error;
    console.log(`  port ${port} is busy; using a free port instead`);
    return start(0);
  }
}

async function main() {
  build();
  const basePort = Number(args.port);
  console.log('▸ Starting the local PostHog server (embedded ClickHouse) and seeding events…');
  const postHog: LocalPostHog = await onPreferredPort(basePort, (port) => startLocalPostHog({ port, seed: { seed: 42, days: 30, events: 60_000 } }));
  const site: SampleSite = await onPreferredPort(basePort + 10, (port) =>
    startSampleSite({ port, postHogUrl: postHog.url, projectApiKey: postHog.projectApiKey }),
  );

  // A failure burst in the last hour, sent like any backend would (posthog-node): one tool in trouble.
  const backend = new PostHog(postHog.projectApiKey, { host: postHog.url, flushAt: 100, flushInterval: 0 });
  for (let i = 0; i < 14; i++) {
    backend.capture({
      distinctId: `demo-burst-${i}`,
      event: 'tool_processing_started',
      properties: { tool_name: 'video-summarizer', job_id: `burst-${i}`, session_id: `burst-${i}` },
    });
    backend.capture({
      distinctId: `demo-burst-${i}`,
      event: 'tool_processing_failed',
      properties: { tool_name: 'video-summarizer', job_id: `burst-${i}`, session_id: `burst-${i}`, error_type: 'rate_limited', processing_duration_ms: 180 },
    });
  }
  await backend.shutdown();

  console.log(`▸ Opening Chromium (${headless ? 'headless' : 'window'}) with Tool Lens loaded…`);
  const browser: ExtensionBrowser = await launchWithExtension({ headless });
  await configureExtension(browser, { host: 'custom', customHost: postHog.url, projectId: String(postHog.projectId), apiKey: postHog.apiKey }, [site.url]);

  // The first alert check runs a few seconds after connecting: wait for the badge.
  const badge = async () =>
    browser.worker.evaluate(() =>
      (globalThis as unknown as { chrome: { action: { getBadgeText(o: object): Promise<string> } } }).chrome.action.getBadgeText({}),
    );
  for (let i = 0; i < 60 && !(await badge()); i++) await new Promise((r) => setTimeout(r, 500));

  const toolUrl = `${site.url}/tools/${SAMPLE_TOOLS[0].slug}`;
  const page = browser.context.pages()[0] ?? (await browser.context.newPage());
  await page.goto(toolUrl);
  const card = cardOf(page);
  await card.locator('[data-testid="card-ready"], [data-testid="card-error"]').first().waitFor({ timeout: 60_000 });
  // The tools' ranking is asked for after the figures: the shot shows the card as a user sees it a moment later.
  await card
    .locator('[data-testid="standing"]')
    .waitFor({ timeout: 15_000 })
    .catch(() => undefined);

  await mkdir(outDir, { recursive: true });
  const shots: string[] = [];
  const shoot = async (name: string, target: { screenshot(o: { path: string }): Promise<unknown> } = page) => {
    const path = resolve(outDir, `${name}.png`);
    await target.screenshot({ path });
    shots.push(path);
  };
  await shoot('card');
  await page.emulateMedia({ colorScheme: 'dark' });
  await shoot('card-dark');
  await page.emulateMedia({ colorScheme: 'light' });
  await card.getByRole('tab', { name: 'Triage' }).click();
  await card.locator('[data-testid="triage-slowest"], [data-testid="triage-error"]').first().waitFor({ timeout: 30_000 });
  await shoot('card-triage');
  await card.getByRole('tab', { name: 'Overview' }).click();
  await card.getByRole('button', { name: 'Collapse' }).click();
  await shoot('card-collapsed');
  await card.locator('.tl-pill').click();

  const popup = await browser.context.newPage();
  await popup.setViewportSize({ width: 360, height: 640 });
  await popup.goto(`chrome-extension://${browser.extensionId}/popup.html`);
  await popup
    .locator('[data-testid="dashboard"]')
    .first()
    .waitFor({ timeout: 20_000 })
    .catch(() => undefined);
  await popup
    .locator('[data-testid="popup-connection"].ok, [data-testid="popup-connection"].failed')
    .first()
    .waitFor({ timeout: 20_000 })
    .catch(() => undefined);
  await shoot('popup', popup);
  const troubled = await browser.context.newPage();
  await troubled.goto(`${site.url}/tools/video-summarizer`);
  await cardOf(troubled)
    .locator('[data-testid="card-ready"]')
    .waitFor({ timeout: 30_000 })
    .catch(() => undefined);
  await shoot('card-alert', troubled);
  const options = await browser.context.newPage();
  await options.goto(`chrome-extension://${browser.extensionId}/options.html`);
  await options.locator('#projectId').waitFor({ timeout: 20_000 });
  await shoot('options', options);

  if (args.store) {
    // The stores' size, 1280×800: a tool page with its card, the popup on a page, the options.
    const storeDir = resolve(root, 'docs/store');
    const storeShot = async (name: string, target: typeof page) => {
      await target.setViewportSize(STORE_SIZE);
      const path = resolve(storeDir, `${name}.png`);
      await target.screenshot({ path });
      shots.push(path);
    };
    await storeShot('screenshot-card', troubled);
    await popup.addStyleTag({
      content:
        'html, :root { background: #e9ecf3 !important; } body { width: 352px; margin: 60px auto; box-shadow: 0 8px 30px rgba(0,0,0,.18); border-radius: 10px; background: var(--bg); }',
    });
    await storeShot('screenshot-popup', popup);
    await storeShot('screenshot-options', options);
  }
  if (headless) await options.close();
  if (headless) await troubled.close();
  if (headless) await popup.close();
  await page.bringToFront();
  if (args.firefox) shots.push(...(await firefoxDemo(postHog, site, toolUrl)));

  console.log(`
Tool Lens demo is running.
  Sample tool site   ${site.url}/   (tool pages: ${SAMPLE_TOOLS.map((t) => `/tools/${t.slug}`).join(', ')})
  Local PostHog      ${postHog.url}   project ${postHog.projectId}, personal API key ${postHog.apiKey}
  Options page       chrome-extension://${browser.extensionId}/options.html
  Icon badge         ${(await badge()) || 'none'} tool(s) over a threshold
  Screenshots        ${shots.join('\n                     ')}
`);

  const stop = async () => {
    await browser.close().catch(() => undefined);
    await site.close();
    await postHog.close();
  };
  if (args.once) {
    await stop();
    return;
  }
  console.log('Press Ctrl+C to stop.');
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      console.log('\nStopping…');
      void stop().then(() => process.exit(0));
    });
  }
  if (!headless) browser.context.on('close', () => void stop().then(() => process.exit(0)));
}

/** The same, in Firefox ESR: the add-on installed and connected, screenshots of the card, popup and options. */
async function firefoxDemo(postHog: LocalPostHog, site: SampleSite, toolUrl: string): Promise<string[]> {
  console.log('▸ Opening Firefox ESR (headless) with Tool Lens installed…');
  const firefox = await launchFirefoxWithExtension({ headless: true });
  const shots: string[] = [];
  try {
    const options = await firefox.openPage('options.html');
    const settings = { host: 'custom', customHost: postHog.url, projectId: String(postHog.projectId), apiKey: postHog.apiKey, ...DEFAULT_METRICS_OPTIONS };
    // As the first run would leave it: the connection and the site stored (loopback is granted in this build).
    await options.evaluate(
      async (value, origin) => {
        const ext = (globalThis as unknown as { browser: { storage: { local: { set(v: object): Promise<void> } } } }).browser;
        await ext.storage.local.set({ settings: value, sites: [{ origin, marker: null, urlRules: [], autoMap: true }] });
      },
      settings,
      site.url,
    );
    await options.close();
    const saved = await firefox.openPage('options.html');
    await saved.waitForSelector('#projectId');
    const page = await firefox.browser.newPage();
    await page.setViewport({ width: 1280, height: 860 });
    await page.goto(toolUrl);
    const card = firefoxCard(firefox.browser, page);
    for (let i = 0; i < 120 && !(await card.count('[data-testid="card-ready"], [data-testid="card-error"]')); i++) await new Promise((r) => setTimeout(r, 250));
    for (let i = 0; i < 60 && !(await card.count('[data-testid="standing"]')); i++) await new Promise((r) => setTimeout(r, 250));
    const shoot = async (name: string, target: typeof page) => {
      const path = resolve(outDir, `${name}.png`);
      await target.screenshot({ path });
      shots.push(path);
    };
    await shoot('firefox-card', page);
    const popup = await firefox.openPage('popup.html');
    await popup.setViewport({ width: 360, height: 640 });
    await popup.waitForSelector('[data-testid="popup-connection"].ok, [data-testid="popup-connection"].failed', { timeout: 20_000 }).catch(() => undefined);
    await shoot('firefox-popup', popup);
    await saved.setViewport({ width: 1280, height: 860 });
    await shoot('firefox-options', saved);
  } finally {
    await firefox.close();
  }
  return shots;
}

main().catch((error) => {
  console.error(`Demo failed: ${(error as Error).stack ?? error}`);
  process.exit(1);
});

/**
 * `npm run demo`: build the extension, start the local PostHog server with seeded data and the
 * sample tool site, and open Chromium with Tool Lens loaded and already connected.
 * Without a display it runs headless and saves screenshots of a tool page's card and the popup.
 *
 *   --once         take the screenshots, print the URLs, then stop (default when headless is
 *                  forced by CI=true)
 *   --headless     headless even when a display is available
 *   --port N       local PostHog port (default 8010; sample site uses N+10)
 */
import { spawnSync } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { PostHog } from 'posthog-node';
import { startLocalPostHog, type LocalPostHog } from '../local-posthog/server';
import { startSampleSite, type SampleSite } from '../sample-site/server';
import { SAMPLE_TOOLS } from '../sample-site/tools';
import { configureExtension, launchWithExtension, type ExtensionBrowser } from './chromium';
import { cardOf } from './closedCard';

const { values: args } = parseArgs({
  options: {
    once: { type: 'boolean', default: process.env.CI === 'true' },
    headless: { type: 'boolean', default: false },
    port: { type: 'string', default: '8010' },
  },
});
const headless = args.headless || !process.env.DISPLAY;
const root = resolve(import.meta.dirname, '..');
const outDir = resolve(root, '.demo');

function build() {
  // The localhost build: the production one grants no host at install, and the demo runs on loopback.
  console.log('▸ Building the extension (wxt build --mode localhost)…');
  const result = spawnSync(resolve(root, 'node_modules/.bin/wxt'), ['build', '--mode', 'localhost'], { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] });
  if (result.status !== 0) throw new Error('wxt build failed');
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
  const postHog: LocalPostHog = await onPreferredPort(basePort, (port) =>
    startLocalPostHog({ port, seed: { seed: 42, days: 30, events: 60_000 } }),
  );
  const site: SampleSite = await onPreferredPort(basePort + 10, (port) =>
    startSampleSite({ port, postHogUrl: postHog.url, projectApiKey: postHog.projectApiKey }),
  );

  // A failure burst in the last hour, sent like any backend would (posthog-node): one tool in trouble.
  const backend = new PostHog(postHog.projectApiKey, { host: postHog.url, flushAt: 100, flushInterval: 0 });
  for (let i = 0; i < 14; i++) {
    backend.capture({ distinctId: `demo-burst-${i}`, event: 'tool_processing_started', properties: { tool_name: 'video-summarizer', job_id: `burst-${i}`, session_id: `burst-${i}` } });
    backend.capture({ distinctId: `demo-burst-${i}`, event: 'tool_processing_failed', properties: { tool_name: 'video-summarizer', job_id: `burst-${i}`, session_id: `burst-${i}`, error_type: 'rate_limited', processing_duration_ms: 180 } });
  }
  await backend.shutdown();

  console.log(`▸ Opening Chromium (${headless ? 'headless' : 'window'}) with Tool Lens loaded…`);
  const browser: ExtensionBrowser = await launchWithExtension({ headless });
  await configureExtension(browser, { host: 'custom', customHost: postHog.url, projectId: String(postHog.projectId), apiKey: postHog.apiKey }, [site.url]);

  // The first alert check runs a few seconds after connecting: wait for the badge.
  const badge = async () => browser.worker.evaluate(() => (globalThis as unknown as { chrome: { action: { getBadgeText(o: object): Promise<string> } } }).chrome.action.getBadgeText({}));
  for (let i = 0; i < 60 && !(await badge()); i++) await new Promise((r) => setTimeout(r, 500));

  const toolUrl = `${site.url}/tools/${SAMPLE_TOOLS[0].slug}`;
  const page = browser.context.pages()[0] ?? (await browser.context.newPage());
  await page.goto(toolUrl);
  const card = cardOf(page);
  await card.locator('[data-testid="card-ready"], [data-testid="card-error"]').first().waitFor({ timeout: 60_000 });

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
  await popup.locator('[data-testid="dashboard"]').first().waitFor({ timeout: 20_000 }).catch(() => undefined);
  await popup.locator('[data-testid="popup-connection"].ok, [data-testid="popup-connection"].failed').first().waitFor({ timeout: 20_000 }).catch(() => undefined);
  await shoot('popup', popup);
  const troubled = await browser.context.newPage();
  await troubled.goto(`${site.url}/tools/video-summarizer`);
  await cardOf(troubled).locator('[data-testid="card-ready"]').waitFor({ timeout: 30_000 }).catch(() => undefined);
  await shoot('card-alert', troubled);
  if (headless) await troubled.close();
  if (headless) await popup.close();
  await page.bringToFront();

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

main().catch((error) => {
  console.error(`Demo failed: ${(error as Error).stack ?? error}`);
  process.exit(1);
});

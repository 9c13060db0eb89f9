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
import { startLocalPostHog, type LocalPostHog } from '../local-posthog/server';
import { startSampleSite, type SampleSite } from '../sample-site/server';
import { SAMPLE_TOOLS } from '../sample-site/tools';
import { configureExtension, launchWithExtension, type ExtensionBrowser } from './chromium';

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
  console.log('▸ Building the extension (wxt build)…');
  const result = spawnSync(resolve(root, 'node_modules/.bin/wxt'), ['build'], { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] });
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

  console.log(`▸ Opening Chromium (${headless ? 'headless' : 'window'}) with Tool Lens loaded…`);
  const browser: ExtensionBrowser = await launchWithExtension({ headless });
  await configureExtension(browser, { host: 'custom', customHost: postHog.url, projectId: String(postHog.projectId), apiKey: postHog.apiKey }, [site.url]);

  const toolUrl = `${site.url}/tools/${SAMPLE_TOOLS[0].slug}`;
  const page = browser.context.pages()[0] ?? (await browser.context.newPage());
  await page.goto(toolUrl);
  const card = page.locator('tool-lens-card');
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
  await popup.setViewportSize({ width: 360, height: 480 });
  await popup.goto(`chrome-extension://${browser.extensionId}/popup.html`);
  await shoot('popup', popup);
  if (headless) await popup.close();
  await page.bringToFront();

  console.log(`
Tool Lens demo is running.
  Sample tool site   ${site.url}/   (tool pages: ${SAMPLE_TOOLS.map((t) => `/tools/${t.slug}`).join(', ')})
  Local PostHog      ${postHog.url}   project ${postHog.projectId}, personal API key ${postHog.apiKey}
  Options page       chrome-extension://${browser.extensionId}/options.html
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

/**
 * What every end-to-end test file starts: a seeded local PostHog, the sample site, and Chromium
 * with Tool Lens loaded, connected and enabled on the site (auto-mapping, no rules).
 */
import { startLocalPostHog, type LocalPostHog, type StartOptions } from '../local-posthog/server';
import { startSampleSite, type SampleSite } from '../sample-site/server';
import { configureExtension, launchWithExtension, type ExtensionBrowser } from './harness/chromium';

export interface Stack {
  postHog: LocalPostHog;
  site: SampleSite;
  browser: ExtensionBrowser;
  /** The connection settings the extension was configured with. */
  settings: { host: 'custom'; customHost: string; projectId: string; apiKey: string };
  close(): Promise<void>;
}

export async function startStack(options: {
  postHog: StartOptions;
  /** Runs once the server is up, before the browser connects (e.g. to write events). */
  prepare?: (postHog: LocalPostHog) => Promise<void>;
  /** Runs once the browser is up, before it connects (e.g. to listen to the worker's console). */
  onBrowser?: (browser: ExtensionBrowser) => void;
  /** False: leave the extension as a new install finds it (no settings, no site). */
  configure?: boolean;
}): Promise<Stack> {
  const postHog = await startLocalPostHog(options.postHog);
  await options.prepare?.(postHog);
  const site = await startSampleSite({ postHogUrl: postHog.url, projectApiKey: postHog.projectApiKey });
  const browser = await launchWithExtension({ headless: true, keepFirstRunTab: options.configure === false });
  options.onBrowser?.(browser);
  const settings = { host: 'custom' as const, customHost: postHog.url, projectId: String(postHog.projectId), apiKey: postHog.apiKey };
  if (options.configure !== false) await configureExtension(browser, settings, [site.url]);
  return {
    postHog,
    site,
    browser,
    settings,
    async close() {
      await browser.close();
      await site.close();
      await postHog.close();
    },
  };
}

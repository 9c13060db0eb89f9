/** Starts Debian's Chromium with the built extension loaded (playwright-core; no browser downloads). */
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium, type BrowserContext, type Worker } from 'playwright-core';
import { describeSettingsChange } from '../../lib/settings/change';
import { registerCardSelector } from './closedCard';

/** The localhost build (wxt.config.ts): loopback granted at install, for the local PostHog and sample site. */
export const EXTENSION_DIR = resolve(import.meta.dirname, '..', '..', '.output', 'chrome-mv3-localhost');

export function chromiumPath(): string {
  const candidates = [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser'].filter(Boolean) as string[];
  const found = candidates.find((path) => existsSync(path));
  if (!found) throw new Error('Chromium not found: install it with `apt-get install -y chromium` (or set CHROMIUM_PATH).');
  return found;
}

// Quiet on a machine without internet: no background connections, no component updates.
export const QUIET_FLAGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-dev-shm-usage',
];

export interface ExtensionBrowser {
  context: BrowserContext;
  worker: Worker;
  extensionId: string;
  close(): Promise<void>;
}

export async function launchWithExtension(options: {
  headless: boolean;
  colorScheme?: 'light' | 'dark';
  extensionDir?: string;
  /** A profile to reuse (e.g. to restart the browser; empty: a new install), kept on close. By default a fresh one, removed on close. */
  userDataDir?: string;
  /** Keep the options tab a new install opens (the first run); by default it is closed once it is there. */
  keepFirstRunTab?: boolean;
}): Promise<ExtensionBrowser> {
  const extensionDir = options.extensionDir ?? EXTENSION_DIR;
  if (!existsSync(join(extensionDir, 'manifest.json'))) throw new Error(`No built extension in ${extensionDir}: run \`npm run build:localhost\` first.`);
  await registerCardSelector();
  const userDataDir = options.userDataDir ?? (await mkdtemp(join(tmpdir(), 'tool-lens-chromium-')));
  const newProfile = (await readdir(userDataDir)).length === 0;
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: chromiumPath(),
    headless: options.headless,
    colorScheme: options.colorScheme ?? 'light',
    viewport: { width: 1280, height: 860 },
    args: [...QUIET_FLAGS, `--disable-extensions-except=${extensionDir}`, `--load-extension=${extensionDir}`],
  });
  const worker = context.serviceWorkers()[0] ?? (await context.waitForEvent('serviceworker', { timeout: 30_000 }));
  const extensionId = new URL(worker.url()).host;
  if (newProfile && !options.keepFirstRunTab) {
    // A fresh profile is a new install: the worker opens the first run. Closed here, so that tests and
    // the demo start from a browser with no page of the extension's own.
    // A new tab's URL shows after its 'page' event, so the pages are polled.
    const isOptions = (p: { url(): string }) => p.url().startsWith(`chrome-extension://${extensionId}/options.html`);
    for (let waited = 0; waited < 30_000; waited += 100) {
      const tab = context.pages().find(isOptions);
      if (tab) {
        await tab.close();
        break;
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  return {
    context,
    worker,
    extensionId,
    async close() {
      await context.close();
      if (!options.userDataDir) await rm(userDataDir, { recursive: true, force: true });
    },
  };
}

type ExtensionGlobal = {
  chrome: {
    storage: {
      local: { set(v: object): Promise<void>; get(k: string): Promise<Record<string, unknown>> };
      session: { get(k: string): Promise<Record<string, unknown>> };
    };
    scripting: { getRegisteredContentScripts(): Promise<Array<{ matches?: string[] }>> };
  };
};

/**
 * Writes settings (and the sites to enable) as the options page and popup would, so the demo and
 * tests need no typing of keys, then waits until the worker has registered the content script there.
 */
export async function configureExtension(
  browser: ExtensionBrowser,
  /** The connection, and any other setting to store with it (e.g. `requestBudget`). */
  settings: { host: 'custom'; customHost: string; projectId: string; apiKey: string } & Record<string, unknown>,
  siteOrigins: string[] = [],
) {
  const before = Date.now();
  const previous = await browser.worker.evaluate(
    async ([value, origins]) => {
      // Runs inside the extension's service worker, where `chrome` is the extension API.
      const { chrome } = globalThis as unknown as ExtensionGlobal;
      const stored = (await chrome.storage.local.get('settings')).settings;
      const sites = origins.map((origin) => ({ origin, marker: null, urlRules: [], autoMap: true }));
      await chrome.storage.local.set({ settings: value, ...(origins.length ? { sites } : {}) });
      return stored;
    },
    [settings, siteOrigins] as const,
  );
  // A change the alerts read (a new connection, say) runs one alert check at once: let it finish so
  // tests count only their own requests. Others (the budget alone) run none.
  const alertDeadline = Date.now() + 20_000;
  const checks = Boolean(settings.apiKey) && describeSettingsChange(previous, settings).checkAlertsNow;
  while (checks && Date.now() < alertDeadline) {
    const checkedAt = await browser.worker.evaluate(async () => {
      const alerts = (await (globalThis as unknown as ExtensionGlobal).chrome.storage.local.get('alerts')).alerts as { checkedAt?: number } | undefined;
      return alerts?.checkedAt ?? 0;
    });
    if (checkedAt >= before - 1000) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  if (siteOrigins.length === 0) return;
  const deadline = Date.now() + 20_000;
  for (;;) {
    const ready = await browser.worker.evaluate(async (origins) => {
      const { chrome } = globalThis as unknown as ExtensionGlobal;
      const scripts = await chrome.scripting.getRegisteredContentScripts();
      const configs = await Promise.all(origins.map((o) => chrome.storage.session.get(`site:${o}`)));
      return scripts.length > 0 && configs.every((c, i) => c[`site:${origins[i]}`] !== undefined);
    }, siteOrigins);
    if (ready) return;
    if (Date.now() > deadline) throw new Error('Tool Lens did not register its content script for the enabled sites within 20 s');
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * Waits until the worker has stored this site's card as collapsed or expanded (the card saves it
 * with a message it does not wait for): a test that changes it leaves the next one a known card.
 */
export async function cardCollapsedSaved(browser: ExtensionBrowser, origin: string, collapsed: boolean, timeoutMs = 20_000) {
  for (const deadline = Date.now() + timeoutMs; ;) {
    const stored = (await storedCardPrefs(browser, origin))?.collapsed ?? false;
    if (stored === collapsed) return;
    if (Date.now() > deadline) throw new Error(`The card on ${origin} was not saved as ${collapsed ? 'collapsed' : 'expanded'} within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** The card prefs the worker stored for a site (what its next page opens with), or null. */
export async function storedCardPrefs(browser: ExtensionBrowser, origin: string): Promise<Record<string, unknown> | null> {
  return browser.worker.evaluate(async (o) => {
    const { chrome } = globalThis as unknown as ExtensionGlobal;
    const all = (await chrome.storage.local.get('cardPrefs')).cardPrefs as Record<string, Record<string, unknown>> | undefined;
    return all?.[o] ?? null;
  }, origin);
}

/** Changes the stored card prefs of every site, as a test needs them (the card saves them with messages). */
export async function editCardPrefs(browser: ExtensionBrowser, change: Record<string, unknown>) {
  await browser.worker.evaluate(async (patch) => {
    const { chrome } = globalThis as unknown as ExtensionGlobal;
    const all = (await chrome.storage.local.get('cardPrefs')).cardPrefs as Record<string, object> | undefined;
    if (!all) return;
    await chrome.storage.local.set({ cardPrefs: Object.fromEntries(Object.entries(all).map(([origin, prefs]) => [origin, { ...prefs, ...patch }])) });
  }, change);
}

/**
 * A page of the extension that Playwright does not list — the side panel is browser UI, not a tab —
 * found among the browser's DevTools targets and evaluated in over the protocol (as a debugger does).
 */
export async function extensionTarget(browser: ExtensionBrowser, path: string, timeoutMs = 20_000) {
  const cdp = await browser.context.browser()!.newBrowserCDPSession();
  const prefix = `chrome-extension://${browser.extensionId}/${path}`;
  type TargetInfo = { targetId: string; url: string; type: string };
  let target: TargetInfo | undefined;
  for (const deadline = Date.now() + timeoutMs; !target;) {
    target = ((await cdp.send('Target.getTargets')) as { targetInfos: TargetInfo[] }).targetInfos.find((t) => t.type === 'page' && t.url.startsWith(prefix));
    if (target) break;
    if (Date.now() > deadline) {
      await cdp.detach();
      throw new Error(`No page ${prefix} opened within ${timeoutMs} ms`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  const { sessionId } = (await cdp.send('Target.attachToTarget', { targetId: target.targetId, flatten: false })) as { sessionId: string };
  // Playwright's sessions speak flat CDP only: the target's own messages travel wrapped, as the protocol's older form has them.
  let next = 0;
  const waiting = new Map<
    number,
    (message: { result?: { result?: { value?: unknown }; exceptionDetails?: { exception?: { description?: string } } }; error?: { message: string } }) => void
  >();
  (cdp as unknown as { on(event: string, cb: (e: { message: string }) => void): void }).on('Target.receivedMessageFromTarget', (e) => {
    const message = JSON.parse(e.message) as { id?: number };
    if (message.id !== undefined) waiting.get(message.id)?.(message as never);
  });
  return {
    url: target.url,
    /** The value of `expression` (awaited) in the page; throws what the page threw. */
    async evaluate<T>(expression: string): Promise<T> {
      const id = ++next;
      const answer = new Promise<Parameters<NonNullable<ReturnType<typeof waiting.get>>>[0]>((resolve) => waiting.set(id, resolve));
      await cdp.send('Target.sendMessageToTarget', {
        sessionId,
        message: JSON.stringify({ id, method: 'Runtime.evaluate', params: { expression, awaitPromise: true, returnByValue: true } }),
      } as never);
      const message = await answer;
      waiting.delete(id);
      if (message.error) throw new Error(message.error.message);
      if (message.result?.exceptionDetails) throw new Error(message.result.exceptionDetails.exception?.description ?? 'exception in the page');
      return message.result?.result?.value as T;
    },
    close: () => cdp.detach(),
  };
}

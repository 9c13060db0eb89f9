/**
 * Starts Debian's Firefox ESR with the built add-on installed as a temporary add-on, driven over
 * WebDriver BiDi by puppeteer-core (no browser download). Also reads the card's closed shadow root as
 * a debugger does: BiDi serializes closed roots (includeShadowTree: 'all') for a sandbox realm the page
 * cannot see, where the tests query and click inside it.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import puppeteer, { type Browser, type Page } from 'puppeteer-core';

/** The localhost build (wxt.config.ts): loopback granted at install, for the local PostHog and sample site. */
export const FIREFOX_EXTENSION_DIR = resolve(import.meta.dirname, '..', '..', '.output', 'firefox-mv3-localhost');

export function firefoxPath(): string {
  const candidates = [process.env.FIREFOX_PATH, '/usr/bin/firefox-esr', '/usr/bin/firefox'].filter(Boolean) as string[];
  const found = candidates.find((path) => existsSync(path));
  if (!found) throw new Error('Firefox not found: install it with `apt-get install -y firefox-esr` (or set FIREFOX_PATH).');
  return found;
}

/** puppeteer-core's BiDi connection: the commands puppeteer has no method for. */
type BiDi = { send(method: string, params: object): Promise<{ result: Record<string, unknown> }> };
const bidiOf = (browser: Browser) => (browser as unknown as { connection: BiDi }).connection;
const contextOf = (page: Page) => (page.mainFrame() as unknown as { _id: string })._id;

export interface FirefoxExtension {
  browser: Browser;
  /** The add-on's id (its gecko id) and the base of its pages, `moz-extension://<uuid>/`. */
  extensionId: string;
  baseUrl: string;
  /** Opens one of the add-on's pages (options.html, popup.html) in a new tab. */
  openPage(path: string): Promise<Page>;
  /** Firefox's last lines of output, the add-on's console among them: what a failed test prints. */
  recentOutput(): string[];
  close(): Promise<void>;
}

/** How many of Firefox's last output lines are kept. */
const OUTPUT_LINES = 300;

/** Keeps the last lines a child process writes (both streams are already piped and read by puppeteer). */
function keepOutput(streams: Array<NodeJS.ReadableStream | null | undefined>): () => string[] {
  const lines: string[] = [];
  for (const stream of streams) {
    if (!stream) continue;
    createInterface({ input: stream }).on('line', (line) => {
      lines.push(line);
      if (lines.length > OUTPUT_LINES) lines.shift();
    });
  }
  return () => [...lines];
}

export async function launchFirefoxWithExtension(options: { headless: boolean; extensionDir?: string }): Promise<FirefoxExtension> {
  const extensionDir = options.extensionDir ?? FIREFOX_EXTENSION_DIR;
  if (!existsSync(join(extensionDir, 'manifest.json'))) throw new Error(`No built add-on in ${extensionDir}: run \`npm run build:localhost\` first.`);
  const browser = await puppeteer.launch({
    browser: 'firefox',
    executablePath: firefoxPath(),
    protocol: 'webDriverBiDi',
    headless: options.headless,
    // Lets the driver open moz-extension:// pages.
    args: ['--remote-allow-system-access'],
    extraPrefsFirefox: {
      // Host permissions of a temporary add-on are granted at install (Firefox 127+), as for a user's install.
      'extensions.originControls.grantByDefault': true,
      // Quiet on a machine without internet.
      'app.update.enabled': false,
      'browser.shell.checkDefaultBrowser': false,
      'datareporting.policy.dataSubmissionEnabled': false,
      'extensions.getAddons.cache.enabled': false,
      // The console of pages and of the add-on (its worker's errors) to Firefox's output, kept for a failed test.
      'devtools.console.stdout.content': true,
      'devtools.console.stdout.chrome': true,
    },
  });
  const recentOutput = keepOutput([browser.process()?.stdout, browser.process()?.stderr]);
  try {
    const extensionId = await browser.installExtension(resolve(extensionDir));
    const uuid = await extensionUuid(browser, extensionId);
    const baseUrl = `moz-extension://${uuid}/`;
    return {
      browser,
      extensionId,
      baseUrl,
      async openPage(path) {
        const page = await browser.newPage();
        // puppeteer's goto never sees a moz-extension navigation finish: navigate over BiDi, then wait for the page.
        await bidiOf(browser).send('browsingContext.navigate', { context: contextOf(page), url: `${baseUrl}${path}`, wait: 'none' });
        await page.waitForFunction((base) => location.href.startsWith(base) && document.readyState !== 'loading', { timeout: 30_000 }, baseUrl);
        return page;
      },
      recentOutput,
      close: () => browser.close(),
    };
  } catch (error) {
    await browser.close();
    throw error;
  }
}

/** The add-on's moz-extension UUID, from the profile's prefs (extensions.webextensions.uuids). */
async function extensionUuid(browser: Browser, extensionId: string): Promise<string> {
  const args = browser.process()?.spawnargs ?? [];
  const profile = args[args.indexOf('--profile') + 1];
  if (!profile) throw new Error('Firefox was started without a --profile: cannot find the add-on');
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    const prefs = readFileSync(join(profile, 'prefs.js'), 'utf8');
    const found = /user_pref\("extensions\.webextensions\.uuids", "(.*)"\);/.exec(prefs);
    const uuid = found ? (JSON.parse(found[1]!.replace(/\\"/g, '"')) as Record<string, string>)[extensionId] : undefined;
    if (uuid) return uuid;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`Firefox did not record a UUID for ${extensionId}`);
}

const SANDBOX = 'tool-lens-tests';

/** A value as BiDi serializes it (script.RemoteValue): primitives, arrays and plain objects are enough here. */
type RemoteValue = { type: string; value?: unknown };
function fromRemote(remote: RemoteValue): unknown {
  switch (remote.type) {
    case 'undefined':
    case 'null':
      return null;
    case 'array':
      return (remote.value as RemoteValue[]).map(fromRemote);
    case 'object':
      return Object.fromEntries(
        (remote.value as Array<[string | RemoteValue, RemoteValue]>).map(([k, v]) => [typeof k === 'string' ? k : String(fromRemote(k)), fromRemote(v)]),
      );
    default:
      return remote.value;
  }
}

/**
 * The card inside its closed shadow root on `page`, for tests: `run(fn, …args)` calls `fn(root, …args)`
 * in a sandbox realm with the root (null when there is no card yet).
 */
export function firefoxCard(browser: Browser, page: Page) {
  const bidi = bidiOf(browser);
  async function root(): Promise<string | null> {
    const { result } = await bidi.send('script.evaluate', {
      expression: 'document.querySelector("tool-lens-card")',
      target: { context: contextOf(page), sandbox: SANDBOX },
      awaitPromise: false,
      serializationOptions: { includeShadowTree: 'all', maxDomDepth: 0 },
    });
    const value = (result as { result?: { value?: { shadowRoot?: { sharedId?: string } } } }).result?.value;
    return value?.shadowRoot?.sharedId ?? null;
  }
  async function run<T>(fn: string, ...args: string[]): Promise<T | null> {
    const sharedId = await root();
    if (!sharedId) return null;
    const { result } = await bidi.send('script.callFunction', {
      functionDeclaration: fn,
      arguments: [{ sharedId }, ...args.map((value) => ({ type: 'string', value }))],
      target: { context: contextOf(page), sandbox: SANDBOX },
      awaitPromise: true,
      resultOwnership: 'none',
    });
    const answer = result as { type: string; result?: RemoteValue; exceptionDetails?: { text?: string } };
    if (answer.type === 'exception') throw new Error(`in the card: ${answer.exceptionDetails?.text ?? 'exception'}`);
    return (answer.result ? fromRemote(answer.result) : null) as T | null;
  }
  return {
    /** Calls the function (its source) with the card's root and the arguments; its answer, or null without a card. */
    run,
    /** The text of the first element matching `selector` in the card; null when there is none. */
    text: (selector: string) => run<string>('(root, sel) => root.querySelector(sel)?.textContent ?? null', selector),
    attribute: (selector: string, name: string) => run<string>('(root, sel, name) => root.querySelector(sel)?.getAttribute(name) ?? null', selector, name),
    count: async (selector: string) => (await run<number>('(root, sel) => root.querySelectorAll(sel).length', selector)) ?? 0,
    /** Clicks the first button whose accessible text is `label` (aria-label or text). */
    clickButton: (label: string) =>
      run<boolean>(
        `(root, label) => { const b = [...root.querySelectorAll('button')].find((b) => (b.getAttribute('aria-label') ?? b.textContent.trim()) === label); b?.click(); return !!b; }`,
        label,
      ),
  };
}

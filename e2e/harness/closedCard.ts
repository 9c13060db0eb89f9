/**
 * The card's shadow root is closed: neither the page nor Playwright's locators can reach into it.
 * The demo, the end-to-end tests and the bench read it as a debugger does: over the DevTools
 * protocol, which sees closed roots, each card's root is handed to Playwright's utility world (an
 * isolated world the page cannot see), where the `tool_lens_card` selector engine finds it.
 */
import { selectors, type CDPSession, type Locator, type Page } from 'playwright-core';

const HOST = 'tool-lens-card';
const ENGINE = 'tool_lens_card';
// Playwright names it `__playwright_utility_world_page@<guid>`.
const UTILITY_WORLD = '__playwright_utility_world';
const ROOTS = '__toolLensCardRoots';
const POLL_MS = 40;

/** Selector engine, run in the utility world: queries inside the card roots handed to it. */
const ENGINE_SOURCE = `({
  query(root, selector) { return this.queryAll(root, selector)[0] ?? null; },
  queryAll(root, selector) {
    const found = [];
    for (const shadow of globalThis.${ROOTS} ?? []) {
      const host = shadow.host;
      if (host.isConnected && (root === host || root.contains(host))) found.push(...shadow.querySelectorAll(selector));
    }
    return found;
  },
})`;

/** Card hosts in the page whose root the utility world has not been given yet (run there). */
const UNSEEN_HOSTS = `(() => {
  const roots = (globalThis.${ROOTS} ??= new Set());
  for (const r of roots) if (!r.host.isConnected) roots.delete(r);
  const seen = new Set([...roots].map((r) => r.host));
  return [...document.querySelectorAll(${JSON.stringify(HOST)})].filter((h) => !seen.has(h)).length;
})()`;

let registered: Promise<void> | undefined;

/** Once per process, before a browser is launched (Playwright's rule for custom engines). */
export function registerCardSelector(): Promise<void> {
  registered ??= selectors.register(ENGINE, ENGINE_SOURCE, { contentScript: true });
  return registered;
}

/** Per watched page: its CDP session and the utility world's context id (undefined between navigations). */
const watched = new WeakMap<Page, { cdp: CDPSession; world: () => number | undefined; handOver: () => Promise<void> }>();

/**
 * The card's content on a page (the `<html>` inside its shadow root), for locators. The first call
 * for a page starts watching it; Playwright's auto-waiting covers the moment until the root is in.
 * `locator.evaluateAll` queries from the page's main world, which has no card roots: use
 * `cardOf(page).evaluate((root) => root.querySelectorAll(…))` instead.
 */
export function cardOf(page: Page): Locator {
  startWatching(page);
  return page.locator(`${ENGINE}=html`);
}

/** The card's host element in the page's DOM: the only part of the card the page can see. */
export function cardHost(page: Page): Locator {
  return page.locator(HOST);
}

const starting = new WeakMap<Page, Promise<void>>();
function startWatching(page: Page): Promise<void> {
  let started = starting.get(page);
  if (!started) {
    started = watchCards(page).catch(() => {
      starting.delete(page);
      watched.delete(page);
    });
    starting.set(page, started);
  }
  return started;
}

/**
 * Evaluates `expression` in the world where the card roots are (Playwright's utility world of the
 * main frame, invisible to the page), after handing it every card root now in the page. For
 * auditing tools (axe) that need the whole card; the answer is returned by value.
 */
export async function evaluateWithCards<T>(page: Page, expression: string): Promise<T> {
  await startWatching(page);
  const watch = watched.get(page);
  if (!watch) throw new Error('cannot watch the cards of this page');
  for (let waited = 0; watch.world() === undefined; waited += POLL_MS) {
    if (waited > 30_000) throw new Error('no utility world for the page');
    // Playwright creates its utility world on its first use: a locator query makes it.
    await cardHost(page).count();
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
  await watch.handOver();
  const answer = await watch.cdp.send('Runtime.evaluate', { contextId: watch.world()!, expression, returnByValue: true, awaitPromise: true });
  if (answer.exceptionDetails) throw new Error(`in the card world: ${answer.exceptionDetails.exception?.description ?? answer.exceptionDetails.text}`);
  return answer.result.value as T;
}

/**
 * Keeps the utility world of `page`'s main frame supplied with the roots of its cards, across
 * navigations and re-mounts, until the page closes.
 */
async function watchCards(page: Page): Promise<void> {
  const cdp = await page.context().newCDPSession(page);
  const { frameTree } = (await cdp.send('Page.getFrameTree')) as { frameTree: { frame: { id: string } } };
  const mainFrame = frameTree.frame.id;
  let world: number | undefined;
  cdp.on('Runtime.executionContextCreated', ({ context }) => {
    if (context.name.startsWith(UTILITY_WORLD) && (context.auxData as { frameId?: string } | undefined)?.frameId === mainFrame) world = context.id;
  });
  cdp.on('Runtime.executionContextDestroyed', ({ executionContextId }) => {
    if (executionContextId === world) world = undefined;
  });
  cdp.on('Runtime.executionContextsCleared', () => (world = undefined));
  await cdp.send('Runtime.enable');
  watched.set(page, {
    cdp,
    world: () => world,
    handOver: async () => {
      if (world !== undefined) await handOver(cdp, world);
    },
  });
  let closed = false;
  page.once('close', () => (closed = true));
  const tick = async () => {
    if (world === undefined) return;
    const context = world;
    const unseen = await cdp.send('Runtime.evaluate', { contextId: context, expression: UNSEEN_HOSTS, returnByValue: true });
    if (unseen.result.value > 0) await handOver(cdp, context);
  };
  void (async () => {
    while (!closed) {
      // A navigation can pull the world away mid-way; the next tick starts over.
      await tick().catch(() => undefined);
      await new Promise((r) => setTimeout(r, POLL_MS));
    }
  })();
}

async function handOver(cdp: CDPSession, context: number) {
  const { root } = await cdp.send('DOM.getDocument', { depth: 0 });
  const { nodeIds } = await cdp.send('DOM.querySelectorAll', { nodeId: root.nodeId, selector: HOST });
  for (const nodeId of nodeIds) {
    const { node } = await cdp.send('DOM.describeNode', { nodeId, depth: 0, pierce: true });
    const shadow = node.shadowRoots?.[0];
    if (!shadow) continue;
    const { object } = await cdp.send('DOM.resolveNode', { backendNodeId: shadow.backendNodeId, executionContextId: context });
    await cdp.send('Runtime.callFunctionOn', {
      objectId: object.objectId!,
      functionDeclaration: `function () { (globalThis.${ROOTS} ??= new Set()).add(this); }`,
    });
    await cdp.send('Runtime.releaseObject', { objectId: object.objectId! });
  }
}

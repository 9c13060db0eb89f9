import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { launchWithExtension, type ExtensionBrowser } from '../e2e/harness/chromium';
import { FLOOR_MODULE_PAGE, FLOOR_STATIC_PAGE, writeFloorExtension } from './floorExtension';

// The floor the bench measures Tool Lens against must be a real extension doing what it says: its
// content script runs on the site (so the page pays an isolated world for it) and its pages show the
// element the popup is timed by. In Debian's Chromium, as the bench runs it.
const READY = '[data-testid="popup-status"]';

describe('the bench floor extension', () => {
  let dir: string;
  let site: Server;
  let origin: string;
  let floor: ExtensionBrowser;
  beforeAll(async () => {
    site = createServer((_req, res) => res.writeHead(200, { 'content-type': 'text/html' }).end('<!DOCTYPE html><title>About</title><p>About us</p>'));
    await new Promise<void>((r) => site.listen(0, '127.0.0.1', r));
    origin = `http://127.0.0.1:${(site.address() as AddressInfo).port}`;
    dir = await mkdtemp(join(tmpdir(), 'tool-lens-floor-test-'));
    await writeFloorExtension(dir, origin, READY);
    floor = await launchWithExtension({ headless: true, extensionDir: dir, keepFirstRunTab: true });
  });
  afterAll(async () => {
    await floor?.close();
    await new Promise((r) => site?.close(r));
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it("runs its content script on the site's pages, in an isolated world of its own", async () => {
    const page = await floor.context.newPage();
    const cdp = await floor.context.newCDPSession(page);
    const worlds: Array<{ id: number; origin: string }> = [];
    cdp.on('Runtime.executionContextCreated', ({ context }) => {
      if (context.auxData?.type === 'isolated') worlds.push({ id: context.id, origin: context.origin });
    });
    await cdp.send('Runtime.enable');
    await page.goto(`${origin}/about`, { waitUntil: 'load' });
    await expect.poll(() => worlds.filter((w) => w.origin.includes(floor.extensionId)).length, { timeout: 30_000 }).toBe(1);
    const world = worlds.find((w) => w.origin.includes(floor.extensionId))!;
    const { result } = await cdp.send('Runtime.evaluate', { contextId: world.id, expression: 'chrome.runtime.id', returnByValue: true });
    expect(result.value).toBe(floor.extensionId);
    await page.close();
  });

  it.each([FLOOR_STATIC_PAGE, FLOOR_MODULE_PAGE])('its page %s shows the element the popup is timed by', async (file) => {
    const page = await floor.context.newPage();
    await page.goto(`chrome-extension://${floor.extensionId}/${file}`, { waitUntil: 'load' });
    await expect(page.locator(READY).textContent({ timeout: 10_000 })).resolves.toBe('Connected');
    await page.close();
  });

  it('refuses a ready selector its pages cannot show', async () => {
    await expect(writeFloorExtension(dir, origin, '.status')).rejects.toThrow(/data-testid/);
  });
});

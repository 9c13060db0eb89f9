/**
 * End to end: a keyboard-only walk through the card, the popup and the options, with real key
 * presses in Chromium — Tab order, a visible focus at every stop, Enter and Space, Escape, the tab
 * list's arrows and Home/End, and where the focus lands when the card collapses, expands and hides.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { startStack, type Stack } from './stack';
import { cardHost, cardOf as card } from './harness/closedCard';
import { cardCollapsedSaved, editCardPrefs } from './harness/chromium';

let stack: Stack;

beforeAll(async () => {
  stack = await startStack({ postHog: { seed: { seed: 3, days: 3, events: 2000 } } });
});
afterAll(() => stack?.close());
// A card collapsed on the site stays so for its next pages: each test starts from an expanded one, even after a failure.
afterEach(() => (stack ? editCardPrefs(stack.browser, { collapsed: false }) : undefined));

interface Stop {
  name: string;
  role: string;
  inCard: boolean;
  /** A focus ring is drawn: an outline or a box shadow under :focus-visible. */
  visible: boolean;
}

/** What has the focus: in the card's closed root when the page's focus is on the card's host. */
async function focused(page: Page): Promise<Stop | null> {
  const describe = (e: Element | null) => {
    if (!e || e === document.body) return null;
    const style = getComputedStyle(e);
    const name = (e.getAttribute('aria-label') ?? e.textContent ?? '').replace(/\s+/g, ' ').trim();
    return {
      name,
      role: e.getAttribute('role') ?? e.tagName.toLowerCase(),
      visible: (style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) > 0) || style.boxShadow !== 'none',
    };
  };
  const onHost = await page.evaluate(() => document.activeElement?.tagName.toLowerCase() === 'tool-lens-card');
  if (onHost) {
    const inner = await card(page).evaluate(
      (root, fn) => (new Function(`return (${fn})`)() as (e: Element | null) => unknown)((root.getRootNode() as ShadowRoot).activeElement),
      describe.toString(),
    );
    return inner ? { ...(inner as Omit<Stop, 'inCard'>), inCard: true } : null;
  }
  const outer = await page.evaluate((fn) => (new Function(`return (${fn})`)() as (e: Element | null) => unknown)(document.activeElement), describe.toString());
  return outer ? { ...(outer as Omit<Stop, 'inCard'>), inCard: false } : null;
}

/** Presses Tab until the focus comes back to where it started (or `max` stops), returning each stop. */
async function tabWalk(page: Page, max = 80): Promise<Stop[]> {
  const stops: Stop[] = [];
  for (let i = 0; i < max; i++) {
    await page.keyboard.press('Tab');
    const stop = await focused(page);
    if (!stop) continue;
    if (stops.length > 0 && stop.name === stops[0]!.name && stop.inCard === stops[0]!.inCard && stop.role === stops[0]!.role) break;
    stops.push(stop);
  }
  return stops;
}

async function openTool(tool: string): Promise<Page> {
  const page = await stack.browser.context.newPage();
  await page.goto(`${stack.site.url}/tools/${tool}`);
  await card(page).locator('[data-testid="card-ready"]').waitFor({ timeout: 60_000 });
  return page;
}

/** Tabs until the focus is on the card control named `name`. */
async function tabTo(page: Page, name: string) {
  for (let i = 0; i < 80; i++) {
    const stop = await focused(page);
    if (stop?.inCard && stop.name === name) return;
    await page.keyboard.press('Tab');
  }
  throw new Error(`Tab never reached “${name}”`);
}

describe('the card with the keyboard', () => {
  it('every control in order, one Tab stop for the tab list, a focus ring at each', async () => {
    const page = await openTool('news-analyzer');
    const stops = (await tabWalk(page)).filter((s) => s.inCard);
    const names = stops.map((s) => s.name);
    // The header's buttons first, then the one selected tab, then the ranges, then the links.
    expect(names.slice(0, 6)).toEqual(['Refresh', 'Move to the next corner', 'Collapse', 'Hide on this site', 'Overview', '1h']);
    expect(names).not.toContain('Triage');
    expect(names).toContain('Open project in PostHog ↗');
    expect(stops.filter((s) => !s.visible)).toEqual([]);
    await page.close();
  });

  it('arrows, Home and End move along the tabs and select them; Enter and Space press buttons', async () => {
    const page = await openTool('pdf-to-text');
    await tabTo(page, 'Overview');
    await page.keyboard.press('ArrowRight');
    expect(await focused(page)).toMatchObject({ name: 'Triage', role: 'tab' });
    await card(page).locator('[data-testid="card-triage"]').waitFor();
    expect(await card(page).getByRole('tab', { name: 'Triage' }).getAttribute('aria-selected')).toBe('true');
    await page.keyboard.press('ArrowRight');
    expect(await focused(page)).toMatchObject({ name: 'Overview' });
    await page.keyboard.press('End');
    expect(await focused(page)).toMatchObject({ name: 'Triage' });
    await page.keyboard.press('Home');
    expect(await focused(page)).toMatchObject({ name: 'Overview' });
    await card(page).locator('[data-testid="card-ready"]').waitFor();
    // Tab leaves the tab list for the ranges; Space presses one, Enter another.
    await page.keyboard.press('Tab');
    expect(await focused(page)).toMatchObject({ name: '1h' });
    await page.keyboard.press('Space');
    await expect.poll(() => card(page).getByRole('button', { name: '1h' }).getAttribute('aria-pressed')).toBe('true');
    await page.keyboard.press('Tab');
    await page.keyboard.press('Enter');
    await expect.poll(() => card(page).getByRole('button', { name: '24h' }).getAttribute('aria-pressed')).toBe('true');
    await page.close();
  });

  it('Escape and Collapse put the focus on the pill; expanding puts it on the first control', async () => {
    const page = await openTool('csv-cleaner');
    await tabTo(page, 'Overview');
    await page.keyboard.press('Escape');
    expect(await focused(page)).toMatchObject({ inCard: true, name: expect.stringContaining('Show Tool Lens metrics for csv-cleaner') });
    await page.keyboard.press('Enter');
    expect(await focused(page)).toMatchObject({ inCard: true, name: 'Refresh' });
    await tabTo(page, 'Collapse');
    await page.keyboard.press('Enter');
    expect(await focused(page)).toMatchObject({ name: expect.stringContaining('Show Tool Lens metrics for csv-cleaner') });
    await page.keyboard.press('Space');
    expect(await focused(page)).toMatchObject({ name: 'Refresh' });
    await page.close();
  });

  it('Escape with nothing focused collapses the card without taking the focus', async () => {
    const page = await openTool('audio-transcriber');
    await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
    await page.keyboard.press('Escape');
    await card(page).locator('[data-testid="card-pill"]').waitFor();
    expect(await page.evaluate(() => document.activeElement === document.body)).toBe(true);
    // Saved for the site before the page goes (afterEach expands it again for the next test).
    await cardCollapsedSaved(stack.browser, stack.site.url, true);
    await page.close();
  });

  it('Hide gives the focus back to where it was on the page', async () => {
    const page = await openTool('video-summarizer');
    // The page's last control, then Tab into the card.
    const lastId = await page.evaluate(() => {
      const all = [...document.querySelectorAll<HTMLElement>('a[href], button:not([disabled]), input:not([disabled]), select')].filter(
        (e) => e.offsetParent !== null,
      );
      const last = all[all.length - 1]!;
      last.id ||= 'tl-test-last';
      last.focus();
      return last.id;
    });
    await page.keyboard.press('Tab');
    expect(await focused(page)).toMatchObject({ inCard: true, name: 'Refresh' });
    await tabTo(page, 'Hide on this site');
    await page.keyboard.press('Enter');
    await expect.poll(() => cardHost(page).count()).toBe(0);
    expect(await page.evaluate(() => document.activeElement?.id)).toBe(lastId);
    await page.close();
  });
});

describe('the popup and the options with the keyboard', () => {
  it('popup: every control reachable with a focus ring; Enter opens the options', async () => {
    const popup = await stack.browser.context.newPage();
    await popup.goto(`chrome-extension://${stack.browser.extensionId}/popup.html`);
    await expect.poll(() => popup.locator('[data-testid="popup-connection"]').textContent(), { timeout: 30_000 }).toContain('Key works');
    const stops = await tabWalk(popup);
    const names = stops.map((s) => s.name);
    expect(names).toContain('Search dashboards');
    expect(names).toContain('check now');
    expect(stops.filter((s) => !s.visible)).toEqual([]);
    const options = names.find((n) => /options/i.test(n));
    expect(options).toBeDefined();
    while ((await focused(popup))?.name !== options) await popup.keyboard.press('Tab');
    const opened = stack.browser.context.waitForEvent('page');
    // The popup closes itself once it has opened the options, maybe before the key is released.
    await popup.keyboard.press('Enter').catch(() => undefined);
    expect((await opened).url()).toContain('/options.html');
    if (!popup.isClosed()) await popup.close();
  });

  it('options: fields in order, a choice made with arrows, saved with Enter', async () => {
    const page = await stack.browser.context.newPage();
    await page.goto(`chrome-extension://${stack.browser.extensionId}/options.html`);
    await page.getByRole('heading', { level: 1 }).waitFor();
    const stops = await tabWalk(page, 200);
    const names = stops.map((s) => s.name);
    expect(stops.filter((s) => !s.visible)).toEqual([]);
    // Connection first, in reading order.
    const at = (label: string) => names.findIndex((n) => n.includes(label));
    expect(at('US Cloud')).toBeGreaterThanOrEqual(0);
    expect(at('Show')).toBeGreaterThan(at('US Cloud'));
    expect(names).toContain('Save');
    // The host chosen with the arrows: away from self-hosted its URL field goes, and back it returns.
    await page.locator('#host').focus();
    expect(await page.locator('#host').inputValue()).toBe('custom');
    await page.keyboard.press('ArrowUp');
    await expect.poll(() => page.locator('#host').inputValue()).toBe('eu');
    expect(await page.locator('#customHost').count()).toBe(0);
    await page.keyboard.press('ArrowDown');
    await expect.poll(() => page.locator('#customHost').count()).toBe(1);
    expect(await page.locator('#customHost').inputValue()).toBe(stack.postHog.url);
    // The project id, typed and saved with Enter (a form submit).
    await page.locator('#projectId').focus();
    await page.keyboard.press('ControlOrMeta+a');
    await page.keyboard.type('abc');
    await page.keyboard.press('Enter');
    await expect.poll(() => page.locator('#projectId-error').textContent()).toBeTruthy();
    expect(await page.locator('#projectId').getAttribute('aria-describedby')).toBe('projectId-error');
    await page.keyboard.press('ControlOrMeta+a');
    await page.keyboard.type(String(stack.postHog.projectId));
    await page.keyboard.press('Enter');
    await expect.poll(() => page.locator('#projectId-error').count()).toBe(0);
    expect(await page.locator('#projectId').getAttribute('aria-describedby')).toBeNull();
    await expect.poll(() => page.locator('[data-testid="options-status"]').textContent()).toMatch(/Saved/i);
    await page.close();
  });
});

/**
 * axe-core over the extension's views, for the e2e suite: extension pages as they are, and the card
 * inside its closed shadow root — in Playwright's utility world (which the page cannot see), where the
 * card roots are handed over the DevTools protocol (e2e/harness/closedCard.ts) and `shadowRoot` is made to
 * return them, so axe walks the card as it walks an open root.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Page } from 'playwright-core';
import { evaluateWithCards } from './closedCard';

const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

/** WCAG 2.2 A and AA, and axe's best practices (landmarks, regions, headings). */
const RUN_OPTIONS = { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice'] } };

export interface AxeNode {
  target: unknown[];
  html: string;
  failureSummary?: string;
  any: Array<{ id: string; data: unknown; message: string }>;
}
export interface AxeResult {
  id: string;
  impact: string | null;
  help: string;
  nodes: AxeNode[];
}
export interface AxeReport {
  violations: AxeResult[];
  /** What axe could not decide alone (e.g. the contrast of glyphs over a gradient): for the test to check. */
  incomplete: AxeResult[];
  /** What passed, nodes without their html: proves the audit reached what it should. */
  passes: AxeResult[];
}

/** One line per violation and node, for an assertion message that says what to fix. */
export function describeViolations(results: AxeResult[]): string[] {
  return results.flatMap((r) => r.nodes.map((n) => `${r.id} (${r.impact}): ${r.help} — ${JSON.stringify(n.target)} ${n.html.slice(0, 160)}`));
}

// Passes only by where they were (to prove the audit reached a node), the rest in full.
const pick = `(r) => JSON.parse(JSON.stringify({ violations: r.violations, incomplete: r.incomplete, passes: r.passes.map((p) => ({ id: p.id, impact: null, help: p.help, nodes: p.nodes.map((n) => ({ target: n.target, html: '', any: [] })) })) }))`;

/** axe over a whole page (an extension page: options, popup), in the page's own world. */
export async function axePage(page: Page): Promise<AxeReport> {
  const cdp = await page.context().newCDPSession(page);
  try {
    // Over the DevTools protocol, which extension pages' CSP does not restrict (an inline <script> would be refused).
    await cdp.send('Runtime.evaluate', { expression: AXE_SOURCE });
    const answer = await cdp.send('Runtime.evaluate', {
      expression: `axe.run(document, ${JSON.stringify(RUN_OPTIONS)}).then(${pick})`,
      awaitPromise: true,
      returnByValue: true,
    });
    if (answer.exceptionDetails) throw new Error(answer.exceptionDetails.exception?.description ?? answer.exceptionDetails.text);
    return answer.result.value as AxeReport;
  } finally {
    await cdp.detach();
  }
}

/** A node inside a card's shadow root: axe names it by a path whose first step is the card's host. */
const inCard = (node: AxeNode) => Array.isArray(node.target[0]) && (node.target[0] as unknown[])[0] === 'tool-lens-card';

/**
 * axe over the card(s) on a tool page, inside their closed shadow roots. axe walks the whole document
 * (it builds its tree from the root; a shadow selector as context finds nothing in a root it did not
 * open itself), and only what it found inside a card is kept: the sample page is not ours to audit.
 */
export async function axeCard(page: Page): Promise<AxeReport> {
  const open = `(() => {
    if (!globalThis.axe) { ${AXE_SOURCE}\n; }
    if (!globalThis.__toolLensOpened) {
      const own = Object.getOwnPropertyDescriptor(Element.prototype, 'shadowRoot');
      Object.defineProperty(Element.prototype, 'shadowRoot', { configurable: true, get() {
        for (const root of globalThis.__toolLensCardRoots ?? []) if (root.host === this) return root;
        return own.get.call(this);
      } });
      globalThis.__toolLensOpened = true;
    }
  })()`;
  await evaluateWithCards(page, open);
  const whole = await evaluateWithCards<AxeReport>(page, `axe.run(document, ${JSON.stringify(RUN_OPTIONS)}).then(${pick})`);
  const cardOnly = (results: AxeResult[]) => results.map((r) => ({ ...r, nodes: r.nodes.filter(inCard) })).filter((r) => r.nodes.length > 0);
  return { violations: cardOnly(whole.violations), incomplete: cardOnly(whole.incomplete), passes: cardOnly(whole.passes) };
}

/**
 * Plain-code checks of the few answers the content script reads (card prefs, the site's rules:
 * lib/matching/siteConfig.ts). The content script runs on every page of an enabled site, so it
 * carries no zod; plainChecks.test.ts holds these to the protocol's schemas.
 */
import type { CardPrefs } from '../model/cardPrefs';

const CORNERS: ReadonlyArray<CardPrefs['corner']> = ['bottom-right', 'bottom-left', 'top-right', 'top-left'];

/** The card's prefs as cardPrefsSchema would parse them, or null. */
export function parseCardPrefs(raw: unknown): CardPrefs | null {
  if (typeof raw !== 'object' || raw === null) return null;
  const { corner, hidden, collapsed } = raw as Record<string, unknown>;
  if (!CORNERS.includes(corner as CardPrefs['corner']) || typeof hidden !== 'boolean') return null;
  if (collapsed === undefined) return { corner: corner as CardPrefs['corner'], hidden };
  return typeof collapsed === 'boolean' ? { corner: corner as CardPrefs['corner'], hidden, collapsed } : null;
}

/** Card placement and visibility per site, kept by the background worker (content scripts cannot read storage.local). */
import { DEFAULT_CARD_PREFS, type CardPrefs, type CardPrefsChange } from '../model/cardPrefs';
import { CARD_PREFS_SITES, cardPrefsItem } from '../storage/items';
import type { Store } from '../storage/store';

/** Whatever is stored is validated; unreadable entries fall back to defaults rather than break the card. */
export async function readCardPrefs(store: Store, origin: string): Promise<CardPrefs> {
  return (await store.get(cardPrefsItem))[origin] ?? DEFAULT_CARD_PREFS;
}

/** Merges a change into the site's prefs (the fields it names; the others as stored) and returns them. */
export async function writeCardPrefs(store: Store, origin: string, change: CardPrefsChange): Promise<CardPrefs> {
  const all = { ...(await store.get(cardPrefsItem)) };
  const prefs = mergeCardPrefs(all[origin] ?? DEFAULT_CARD_PREFS, change);
  delete all[origin];
  all[origin] = prefs;
  // Bounded: the oldest sites are forgotten first.
  await store.set(cardPrefsItem, Object.fromEntries(Object.entries(all).slice(-CARD_PREFS_SITES)));
  return prefs;
}

/** A change's fields over the prefs it changes; a field it leaves out (or sets undefined) keeps its value. */
export function mergeCardPrefs(prefs: CardPrefs, change: CardPrefsChange): CardPrefs {
  const merged = { ...prefs };
  if (change.corner !== undefined) merged.corner = change.corner;
  if (change.hidden !== undefined) merged.hidden = change.hidden;
  if (change.collapsed !== undefined) merged.collapsed = change.collapsed;
  return merged;
}

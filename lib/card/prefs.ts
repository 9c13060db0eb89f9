/** Card placement and visibility per site, kept by the background worker (content scripts cannot read storage.local). */
import { DEFAULT_CARD_PREFS, type CardPrefs } from '../model/cardPrefs';
import { CARD_PREFS_SITES, cardPrefsItem } from '../storage/items';
import type { Store } from '../storage/store';

/** Whatever is stored is validated; unreadable entries fall back to defaults rather than break the card. */
export async function readCardPrefs(store: Store, origin: string): Promise<CardPrefs> {
  return (await store.get(cardPrefsItem))[origin] ?? DEFAULT_CARD_PREFS;
}

export async function writeCardPrefs(store: Store, origin: string, prefs: CardPrefs): Promise<CardPrefs> {
  const all = { ...(await store.get(cardPrefsItem)) };
  delete all[origin];
  all[origin] = prefs;
  // Bounded: the oldest sites are forgotten first.
  await store.set(cardPrefsItem, Object.fromEntries(Object.entries(all).slice(-CARD_PREFS_SITES)));
  return prefs;
}

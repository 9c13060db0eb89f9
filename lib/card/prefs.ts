/** Card placement and visibility per site, kept by the background worker (content scripts cannot read storage.local). */
import * as z from 'zod/mini';
import { cardPrefsSchema, DEFAULT_CARD_PREFS, type CardPrefs } from '../protocol/messages';

export const CARD_PREFS_KEY = 'cardPrefs';
const MAX_SITES = 500;
const storedSchema = z.record(z.string(), cardPrefsSchema);

export interface PrefsStorage {
  get(): Promise<unknown>;
  set(value: Record<string, CardPrefs>): Promise<void>;
}

/** Whatever is stored is validated; unreadable entries fall back to defaults rather than break the card. */
export async function readCardPrefs(storage: PrefsStorage, origin: string): Promise<CardPrefs> {
  const parsed = storedSchema.safeParse(await storage.get());
  return (parsed.success ? parsed.data[origin] : undefined) ?? DEFAULT_CARD_PREFS;
}

export async function writeCardPrefs(storage: PrefsStorage, origin: string, prefs: CardPrefs): Promise<CardPrefs> {
  const parsed = storedSchema.safeParse(await storage.get());
  const all = parsed.success ? { ...parsed.data } : {};
  delete all[origin];
  all[origin] = prefs;
  // Bounded: the oldest sites are forgotten first.
  const entries = Object.entries(all).slice(-MAX_SITES);
  await storage.set(Object.fromEntries(entries));
  return prefs;
}

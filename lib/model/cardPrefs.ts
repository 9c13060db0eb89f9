/**
 * Where the card sits on a site, and whether it is hidden: remembered per origin.
 */
import * as z from 'zod/mini';

/** Card placement and visibility, remembered per site (origin). */
export const cardPrefsSchema = z.object({
  corner: z.enum(['bottom-right', 'bottom-left', 'top-right', 'top-left']),
  hidden: z.boolean(),
});
export type CardPrefs = z.infer<typeof cardPrefsSchema>;
export const DEFAULT_CARD_PREFS: CardPrefs = { corner: 'bottom-right', hidden: false };

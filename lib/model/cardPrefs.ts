/**
 * Where the card sits on a site, whether it is hidden, and whether it is collapsed to its pill:
 * remembered per origin.
 */
import * as z from 'zod/mini';

/** Card placement and visibility, remembered per site (origin). */
export const cardPrefsSchema = z.object({
  corner: z.enum(['bottom-right', 'bottom-left', 'top-right', 'top-left']),
  hidden: z.boolean(),
  /** Shown as its pill: the next page of the site opens it so (and draws only the pill). Prefs saved before it have none: expanded. */
  collapsed: z.optional(z.boolean()),
});
export type CardPrefs = z.infer<typeof cardPrefsSchema>;
/**
 * What one change of the card saves: only the fields it changed, merged into what is stored. With two
 * tabs of a site open, moving the card in one keeps a collapse saved from the other.
 */
export const cardPrefsChangeSchema = z.partial(cardPrefsSchema).check(
  // Checked on the parsed change, unknown fields already dropped: whatever fields the prefs have.
  z.refine((change) => Object.values(change).some((value) => value !== undefined), 'A change names at least one field.'),
);
export type CardPrefsChange = z.infer<typeof cardPrefsChangeSchema>;
export const DEFAULT_CARD_PREFS: CardPrefs = { corner: 'bottom-right', hidden: false };

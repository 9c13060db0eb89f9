/**
 * Names the extension's scripts share in a tool page's isolated world (invisible to the page): the
 * matcher's mark, which the worker's catch-up looks for before injecting the matcher
 * (lib/worker/catchUp.ts), and the card script's entry, which the matcher mounts cards with. Plain
 * constants, so the matcher can import them without pulling the card in.
 */
export const MATCHER_MARK = '__toolLensMatcher';
export const CARD_HOST_GLOBAL = '__toolLensCard';

/**
 * The small checks every answer's schema is made of (zod/mini: these ship in the card and the pages).
 */
import * as z from 'zod/mini';

export const count = () => z.int().check(z.nonnegative());
export const maybeNumber = () => z.nullable(z.number());
export const shortText = (max = 500) => z.string().check(z.maxLength(max));

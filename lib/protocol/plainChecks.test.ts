import { describe, expect, it } from 'vitest';
import { parseCardPrefs } from './plainChecks';
import { cardPrefsSchema } from '../model/cardPrefs';

describe('parseCardPrefs', () => {
  const corners = ['bottom-right', 'bottom-left', 'top-right', 'top-left', 'middle', '', 1, null];
  const hiddens = [true, false, 'true', 0, undefined];
  it('agrees with cardPrefsSchema on every corner and hidden value, extra keys dropped', () => {
    let accepted = 0;
    for (const corner of corners)
      for (const hidden of hiddens) {
        const raw = { corner, hidden, extra: 1 };
        const zod = cardPrefsSchema.safeParse(raw);
        expect(parseCardPrefs(raw)).toEqual(zod.success ? zod.data : null);
        if (zod.success) accepted++;
      }
    expect(accepted).toBe(8);
    expect(parseCardPrefs(null)).toBeNull();
    expect(parseCardPrefs('bottom-right')).toBeNull();
  });
});

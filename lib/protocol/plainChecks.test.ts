import { describe, expect, it } from 'vitest';
import { parseCardPrefs } from './plainChecks';
import { cardPrefsSchema } from '../model/cardPrefs';

describe('parseCardPrefs', () => {
  const corners = ['bottom-right', 'bottom-left', 'top-right', 'top-left', 'middle', '', 1, null];
  const hiddens = [true, false, 'true', 0, undefined];
  // Prefs saved before `collapsed` existed have none.
  const collapseds = [true, false, undefined, 'false', 1, null];
  it('agrees with cardPrefsSchema on every corner, hidden and collapsed value, extra keys dropped', () => {
    let accepted = 0;
    for (const corner of corners)
      for (const hidden of hiddens)
        for (const collapsed of collapseds) {
          const raw = { corner, hidden, collapsed, extra: 1 };
          const zod = cardPrefsSchema.safeParse(raw);
          expect(parseCardPrefs(raw)).toEqual(zod.success ? zod.data : null);
          if (zod.success) accepted++;
        }
    expect(accepted).toBe(4 * 2 * 3);
    expect(parseCardPrefs({ corner: 'top-left', hidden: false })).toStrictEqual({ corner: 'top-left', hidden: false });
    expect(parseCardPrefs({ corner: 'top-left', hidden: false, collapsed: true })).toStrictEqual({ corner: 'top-left', hidden: false, collapsed: true });
    expect(parseCardPrefs(null)).toBeNull();
    expect(parseCardPrefs('bottom-right')).toBeNull();
  });
});

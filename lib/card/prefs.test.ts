import { describe, expect, it } from 'vitest';
import { readCardPrefs, writeCardPrefs, type PrefsStorage } from './prefs';

function memory(initial?: unknown): PrefsStorage & { value: unknown } {
  const store = { value: initial as unknown, get: async () => store.value, set: async (v: unknown) => void (store.value = v) };
  return store as PrefsStorage & { value: unknown };
}

describe('card prefs per site', () => {
  it('remembers corner and hidden per origin, defaulting elsewhere', async () => {
    const storage = memory();
    await writeCardPrefs(storage, 'https://a.example', { corner: 'top-left', hidden: false });
    await writeCardPrefs(storage, 'https://b.example', { corner: 'bottom-right', hidden: true });
    expect(await readCardPrefs(storage, 'https://a.example')).toEqual({ corner: 'top-left', hidden: false });
    expect(await readCardPrefs(storage, 'https://b.example')).toEqual({ corner: 'bottom-right', hidden: true });
    expect(await readCardPrefs(storage, 'https://c.example')).toEqual({ corner: 'bottom-right', hidden: false });
  });

  it('survives garbage in storage', async () => {
    const storage = memory({ 'https://a.example': { corner: 'middle', hidden: 'yes' } });
    expect(await readCardPrefs(storage, 'https://a.example')).toEqual({ corner: 'bottom-right', hidden: false });
    await writeCardPrefs(storage, 'https://a.example', { corner: 'top-right', hidden: false });
    expect(await readCardPrefs(storage, 'https://a.example')).toEqual({ corner: 'top-right', hidden: false });
  });

  it('stays bounded', async () => {
    const storage = memory();
    for (let i = 0; i < 510; i++) await writeCardPrefs(storage, `https://s${i}.example`, { corner: 'top-left', hidden: false });
    expect(Object.keys(storage.value as object)).toHaveLength(500);
    expect(await readCardPrefs(storage, 'https://s0.example')).toEqual({ corner: 'bottom-right', hidden: false });
  });
});

import { describe, expect, it } from 'vitest';
import { readCardPrefs, writeCardPrefs } from './prefs';
import { cardPrefsItem } from '../storage/items';
import { memoryStore } from '../storage/store';

const memory = (initial?: unknown) => memoryStore(initial === undefined ? {} : { [cardPrefsItem.key]: initial });

describe('card prefs per site', () => {
  it('remembers corner and hidden per origin, defaulting elsewhere', async () => {
    const storage = memory();
    await writeCardPrefs(storage, 'https://a.example', { corner: 'top-left', hidden: false });
    await writeCardPrefs(storage, 'https://b.example', { corner: 'bottom-right', hidden: true });
    expect(await readCardPrefs(storage, 'https://a.example')).toEqual({ corner: 'top-left', hidden: false });
    expect(await readCardPrefs(storage, 'https://b.example')).toEqual({ corner: 'bottom-right', hidden: true });
    expect(await readCardPrefs(storage, 'https://c.example')).toEqual({ corner: 'bottom-right', hidden: false });
  });

  it('remembers a collapsed card, and reads prefs saved before collapsed existed as expanded', async () => {
    const storage = memory({ 'https://old.example': { corner: 'top-right', hidden: false } });
    expect(await readCardPrefs(storage, 'https://old.example')).toStrictEqual({ corner: 'top-right', hidden: false });
    await writeCardPrefs(storage, 'https://a.example', { corner: 'top-left', hidden: false, collapsed: true });
    expect(await readCardPrefs(storage, 'https://a.example')).toEqual({ corner: 'top-left', hidden: false, collapsed: true });
    expect(await readCardPrefs(storage, 'https://old.example')).toStrictEqual({ corner: 'top-right', hidden: false });
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
    expect(Object.keys(await storage.get(cardPrefsItem))).toHaveLength(500);
    expect(await readCardPrefs(storage, 'https://s0.example')).toEqual({ corner: 'bottom-right', hidden: false });
  });
});

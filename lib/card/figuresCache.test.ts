import { describe, expect, it } from 'vitest';
import { cachedFigures, type CachedFigures } from '../storage/items';
import { memoryStore } from '../storage/store';
import { CACHED_FIGURES_MAX_AGE_MS, createFiguresCache, MAX_CACHED_FIGURES } from './figuresCache';

const entry = (at: number): CachedFigures => ({ at, response: { ok: false, error: { kind: 'server', message: 'x'.repeat(3000) } } });

describe('the figures cache', () => {
  it(`keeps at most ${MAX_CACHED_FIGURES} answers, the newest: a page naming hundreds of tools does not grow storage`, async () => {
    const store = memoryStore();
    const clock = { t: 1_000_000 };
    const cache = createFiguresCache({ store, now: () => clock.t });
    for (let i = 0; i < 300; i++) {
      clock.t += 1000;
      await cache.write(`fp:7d:tool-${i}`, entry(clock.t));
    }
    const ids = await store.entryIds(cachedFigures);
    expect(ids).toHaveLength(MAX_CACHED_FIGURES);
    expect(ids).toContain('fp:7d:tool-299');
    expect(ids).not.toContain('fp:7d:tool-199');
    expect(await cache.read('fp:7d:tool-299')).not.toBeNull();
  });

  it('serves nothing older than a day, and drops it at the next write', async () => {
    const store = memoryStore();
    const clock = { t: 1_000_000 };
    const cache = createFiguresCache({ store, now: () => clock.t });
    await cache.write('old', entry(clock.t));
    clock.t += CACHED_FIGURES_MAX_AGE_MS + 1;
    expect(await cache.read('old')).toBeNull();
    await cache.write('new', entry(clock.t));
    expect(await store.entryIds(cachedFigures)).toEqual(['new']);
  });

  it('drops at start what an older release kept without bounds', async () => {
    const store = memoryStore();
    await store.setEntries(cachedFigures, Object.fromEntries(Array.from({ length: 500 }, (_, i) => [`legacy-${i}`, entry(1)])));
    await createFiguresCache({ store, now: () => 2 }).prune();
    expect(await store.entryIds(cachedFigures)).toEqual([]);
  });
});

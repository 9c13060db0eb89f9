import { describe, expect, it, vi } from 'vitest';
import { catchUpTab, startCatchUp, underPatterns } from './catchUp';

describe('matcher catch-up after a browser start', () => {
  it('injects the matcher only into a page of an enabled site where none answers', async () => {
    const injected: number[] = [];
    const deps = (answering: boolean) => ({
      patterns: async () => ['https://tools.example.com/*', 'http://127.0.0.1/*'],
      hasContentScript: async () => answering,
      inject: async (tabId: number) => void injected.push(tabId),
    });
    expect(await catchUpTab({ id: 1, url: 'https://tools.example.com/tools/pdf' }, deps(false))).toBe('injected');
    expect(await catchUpTab({ id: 2, url: 'http://127.0.0.1:4321/tools/pdf' }, deps(false))).toBe('injected');
    expect(await catchUpTab({ id: 3, url: 'https://tools.example.com/about' }, deps(true))).toBe('present');
    expect(await catchUpTab({ id: 4, url: 'https://elsewhere.example.com/' }, deps(false))).toBe('elsewhere');
    expect(await catchUpTab({ id: 5 }, deps(false))).toBe('elsewhere');
    expect(injected).toEqual([1, 2]);
  });

  it('reads a URL against the registered patterns by scheme and host, any port', () => {
    expect(underPatterns('https://tools.example.com:8443/x', ['https://tools.example.com/*'])).toBe(true);
    expect(underPatterns('http://tools.example.com/x', ['https://tools.example.com/*'])).toBe(false);
    expect(underPatterns('not a url', ['https://tools.example.com/*'])).toBe(false);
  });

  it('looks at the open pages, each page that loads, and the open pages again once the worker has started', async () => {
    const injected: number[] = [];
    let marked = new Set<number>();
    let tabs: Array<{ id: number; url: string }> = [{ id: 1, url: 'about:blank' }];
    let loaded: ((tab: { id?: number; url?: string }) => void) | null = null;
    let stopped = false;
    let start!: () => void;
    const workerStarted = new Promise<void>((resolve) => (start = resolve));
    let clock = 0;
    const { outcomes } = startCatchUp(
      {
        patterns: async () => ['http://127.0.0.1/*'],
        hasContentScript: async (id) => marked.has(id),
        inject: async (id) => {
          injected.push(id);
          marked = new Set([...marked, id]);
        },
        openTabs: async () => tabs,
        onTabLoaded: (listener) => {
          loaded = listener;
          return () => void (stopped = true);
        },
      },
      workerStarted,
      60_000,
      () => clock,
    );
    await Promise.all([...outcomes]);
    expect(injected).toEqual([]);
    // A page that loads while the listener is there gets the matcher.
    loaded!({ id: 2, url: 'http://127.0.0.1:4321/tools/a' });
    await Promise.all([...outcomes]);
    expect(injected).toEqual([2]);
    // A page whose load the listener never heard of (begun before it was added) is found by the sweep
    // once the worker has started; the page that already has one is left alone.
    tabs = [
      { id: 2, url: 'http://127.0.0.1:4321/tools/a' },
      { id: 3, url: 'http://127.0.0.1:4321/tools/b' },
    ];
    start();
    await workerStarted;
    await Promise.all([...outcomes]);
    expect(injected).toEqual([2, 3]);
    // Past its time, the listener stops itself.
    clock = 60_001;
    loaded!({ id: 4, url: 'http://127.0.0.1:4321/tools/c' });
    await Promise.all([...outcomes]);
    expect(stopped).toBe(true);
    expect(injected).toEqual([2, 3]);
  });

  it('sweeps even when the worker failed to start, and one tab failing stops none of the others', async () => {
    const injected: number[] = [];
    let patternReads = 0;
    const { outcomes } = startCatchUp(
      {
        patterns: async () => (patternReads++, ['http://127.0.0.1/*']),
        hasContentScript: async (id) => {
          if (id === 1) throw new Error('No tab with id: 1');
          return false;
        },
        inject: async (id) => void injected.push(id),
        openTabs: async () => [
          { id: 1, url: 'http://127.0.0.1:1/x' },
          { id: 2, url: 'http://127.0.0.1:1/y' },
        ],
        onTabLoaded: () => () => undefined,
      },
      Promise.reject(new Error('storage unavailable')),
    );
    // Tab 2 twice: at the start and after the failed start (the matcher itself runs once per frame).
    await vi.waitFor(() => expect(injected).toEqual([2, 2]));
    expect(await Promise.all(outcomes)).toContain('failed');
    // The enabled sites are read once per sweep, not once per tab.
    expect(patternReads).toBe(2);
  });
});

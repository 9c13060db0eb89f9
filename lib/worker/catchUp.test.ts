import { describe, expect, it } from 'vitest';
import { catchUpTab, underPatterns } from './catchUp';

describe('matcher catch-up after a browser start', () => {
  it('injects the matcher only into a page of an enabled site where none answers', async () => {
    const injected: number[] = [];
    const deps = (answering: boolean) => ({
      patterns: async () => ['https://tools.example.com/*', 'http://127.0.0.1/*'],
      hasMatcher: async () => answering,
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
});

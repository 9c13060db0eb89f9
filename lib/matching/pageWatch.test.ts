import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { SETTLE_MS, watchPage, type PageWatchDeps } from './pageWatch';

/** A page as the watcher sees it: its document (the marker in it or not), its path, the Navigation API. */
function page({ readyState = 'loading' as DocumentReadyState, marker = false, path = '/about' } = {}) {
  const doc = Object.assign(new EventTarget(), {
    readyState,
    querySelector: (selector: string) => (marker && selector === 'meta[name="tool-lens:tool"]' ? ({} as Element) : null),
  });
  const navigation = new EventTarget();
  const state = { path, alive: true, matcher: false, asks: 0, failNext: false };
  const deps: PageWatchDeps = {
    doc: doc as unknown as PageWatchDeps['doc'],
    page: () => state.path.split('#')[0]!, // pathname + search, as the watcher reads them
    location: { href: () => `https://a.test${state.path}`, navigation },
    matcherRuns: () => state.matcher,
    extensionAlive: () => state.alive,
    askForMatcher: async () => {
      state.asks++;
      if (state.failNext) {
        state.failNext = false;
        throw new Error('Could not establish connection. Receiving end does not exist.');
      }
    },
  };
  /** As the browser does it: the navigate event, then (for a navigation in place) the new URL. */
  const navigate = async (to: string, inPlace = true) => {
    navigation.dispatchEvent(Object.assign(new Event('navigate'), { destination: { url: `https://a.test${to}` } }));
    if (inPlace) state.path = to;
    await vi.advanceTimersByTimeAsync(SETTLE_MS);
  };
  const contentLoaded = () => doc.dispatchEvent(new Event('DOMContentLoaded'));
  return { deps, state, navigate, contentLoaded };
}

describe('watchPage', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('asks for the matcher when the page carries the marker at DOMContentLoaded, and only then', async () => {
    const marked = page({ marker: true });
    watchPage(marked.deps);
    expect(marked.state.asks).toBe(0);
    marked.contentLoaded();
    expect(marked.state.asks).toBe(1);

    const plain = page();
    watchPage(plain.deps);
    plain.contentLoaded();
    expect(plain.state.asks).toBe(0);

    // Injected into a page already parsed (a tab open before the site was enabled): it looks at once.
    const parsed = page({ readyState: 'complete', marker: true });
    watchPage(parsed.deps);
    expect(parsed.state.asks).toBe(1);
  });

  it('asks once the app navigates in place to another path or query, not for a hash or another document, then stops', async () => {
    const p = page({ path: '/about' });
    watchPage(p.deps);
    p.contentLoaded();
    await p.navigate('/about#team');
    await p.navigate('/tools/news-analyzer', false); // a link that loads another document: this one stays
    expect(p.state.asks).toBe(0);
    await p.navigate('/about?tab=2');
    expect(p.state.asks).toBe(1);
    await p.navigate('/tools/news-analyzer');
    await p.navigate('/tools/pdf-to-text');
    expect(p.state.asks).toBe(1);
  });

  it('asks again at the next navigation when the worker could not be reached, and never once the matcher runs or the extension is gone', async () => {
    const p = page();
    watchPage(p.deps);
    p.state.failNext = true;
    await p.navigate('/tools/a');
    expect(p.state.asks).toBe(1);
    await p.navigate('/tools/b');
    expect(p.state.asks).toBe(2);

    const injected = page({ marker: true });
    watchPage(injected.deps);
    injected.state.matcher = true;
    injected.contentLoaded();
    await injected.navigate('/tools/a');
    expect(injected.state.asks).toBe(0);

    const gone = page();
    watchPage(gone.deps);
    gone.state.alive = false;
    await gone.navigate('/tools/a');
    gone.state.alive = true;
    await gone.navigate('/tools/b');
    expect(gone.state.asks).toBe(0);
  });
});

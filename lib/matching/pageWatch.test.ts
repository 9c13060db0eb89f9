import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { SETTLE_MS, watchPage, type PageWatchDeps } from './pageWatch';

/** A page as the watcher sees it: its document (the marker in it or not), its path, the Navigation API. */
function page({ readyState = 'loading' as DocumentReadyState, marker = false, path = '/about' } = {}) {
  const doc = Object.assign(new EventTarget(), {
    readyState,
    querySelector: (selector: string) => (marker && selector === 'meta[name="tool-lens:tool"]' ? ({} as Element) : null),
  });
  const navigation = new EventTarget();
  const state = { path, alive: true, matcher: false, asks: 0, answer: 'ok' as 'ok' | 'refused' | 'unreachable' | 'pending', failPending: () => {} };
  const deps: PageWatchDeps = {
    doc: doc as unknown as PageWatchDeps['doc'],
    page: () => state.path.split('#')[0]!, // pathname + search, as the watcher reads them
    location: { href: () => `https://a.test${state.path}`, navigation },
    matcherRuns: () => state.matcher,
    extensionAlive: () => state.alive,
    askForMatcher: async () => {
      state.asks++;
      const answer = state.answer;
      state.answer = 'ok';
      if (answer === 'unreachable') throw new Error('Could not establish connection. Receiving end does not exist.');
      if (answer === 'pending') await new Promise<void>((_, fail) => (state.failPending = () => fail(new Error('worker restarted'))));
      return { ok: answer === 'ok' };
    },
  };
  /** As the browser does it: the navigate event, then (for a navigation in place) the new URL. */
  const navigate = async (to: string, inPlace = true) => {
    navigation.dispatchEvent(Object.assign(new Event('navigate'), { destination: { url: `https://a.test${to}` } }));
    if (inPlace) state.path = to;
    await vi.advanceTimersByTimeAsync(SETTLE_MS);
  };
  const contentLoaded = async () => {
    doc.dispatchEvent(new Event('DOMContentLoaded'));
    await vi.advanceTimersByTimeAsync(0);
  };
  return { deps, state, navigate, contentLoaded };
}

describe('watchPage', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('asks for the matcher when the page carries the marker at DOMContentLoaded, and only then', async () => {
    const marked = page({ marker: true });
    watchPage(marked.deps);
    expect(marked.state.asks).toBe(0);
    await marked.contentLoaded();
    expect(marked.state.asks).toBe(1);

    const plain = page();
    watchPage(plain.deps);
    await plain.contentLoaded();
    expect(plain.state.asks).toBe(0);

    // Started on a page already parsed: it looks at once.
    const parsed = page({ readyState: 'complete', marker: true });
    watchPage(parsed.deps);
    await vi.advanceTimersByTimeAsync(0);
    expect(parsed.state.asks).toBe(1);
  });

  it('asks once the app navigates in place to another path or query, not for a hash or another document, then stops', async () => {
    const p = page({ path: '/about' });
    watchPage(p.deps);
    await p.contentLoaded();
    await p.navigate('/about#team');
    await p.navigate('/tools/news-analyzer', false); // a link that loads another document: this one stays
    expect(p.state.asks).toBe(0);
    await p.navigate('/about?tab=2');
    expect(p.state.asks).toBe(1);
    await p.navigate('/tools/news-analyzer');
    await p.navigate('/tools/pdf-to-text');
    expect(p.state.asks).toBe(1);
  });

  it('asks again at the next navigation when the worker could not be reached or refused, even after a navigation while it was asked', async () => {
    const p = page();
    watchPage(p.deps);
    p.state.answer = 'unreachable';
    await p.navigate('/tools/a');
    expect(p.state.asks).toBe(1);
    p.state.answer = 'refused';
    await p.navigate('/tools/b');
    expect(p.state.asks).toBe(2);
    // An ask under way when the app navigates again, which then fails: the navigation after asks again.
    p.state.answer = 'pending';
    await p.navigate('/tools/c');
    await p.navigate('/tools/d');
    expect(p.state.asks).toBe(3);
    p.state.failPending();
    await p.navigate('/tools/e');
    expect(p.state.asks).toBe(4);
    await p.navigate('/tools/f');
    expect(p.state.asks).toBe(4);
  });

  it('never asks once the matcher runs or the extension is gone, and touches the extension only to ask', async () => {
    const injected = page({ marker: true });
    watchPage(injected.deps);
    injected.state.matcher = true;
    await injected.contentLoaded();
    await injected.navigate('/tools/a');
    expect(injected.state.asks).toBe(0);

    const gone = page();
    let looks = 0;
    watchPage({ ...gone.deps, extensionAlive: () => (looks++, gone.state.alive) });
    await gone.contentLoaded();
    await gone.navigate('/about#team');
    expect(looks).toBe(0);
    gone.state.alive = false;
    await gone.navigate('/tools/a');
    gone.state.alive = true;
    await gone.navigate('/tools/b');
    expect(gone.state.asks).toBe(0);
    expect(looks).toBe(1);
  });
});

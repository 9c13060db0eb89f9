import { afterEach, describe, expect, it, vi } from 'vitest';
import { LOCATION_POLL_MS, watchLocation } from './locationWatch';

function navigateEvent(url: string): Event {
  return Object.assign(new Event('navigate'), { destination: { url } });
}

describe('watchLocation', () => {
  afterEach(() => vi.useRealTimers());

  it('follows the Navigation API: a new destination calls back, the same URL does not', () => {
    const navigation = new EventTarget();
    const changes: number[] = [];
    watchLocation(
      () => changes.push(1),
      () => true,
      { href: () => 'https://a.test/tools/x', navigation },
    );
    navigation.dispatchEvent(navigateEvent('https://a.test/tools/x'));
    expect(changes).toHaveLength(0);
    navigation.dispatchEvent(navigateEvent('https://a.test/tools/y'));
    navigation.dispatchEvent(navigateEvent('https://a.test/tools/y'));
    expect(changes).toHaveLength(1);
    navigation.dispatchEvent(navigateEvent('https://a.test/tools/x'));
    expect(changes).toHaveLength(2);
  });

  it('stops listening once the extension is gone', () => {
    const navigation = new EventTarget();
    let alive = true;
    const changes: string[] = [];
    watchLocation(
      () => changes.push('change'),
      () => alive,
      { href: () => 'https://a.test/', navigation },
    );
    alive = false;
    navigation.dispatchEvent(navigateEvent('https://a.test/tools/y'));
    alive = true;
    navigation.dispatchEvent(navigateEvent('https://a.test/tools/z'));
    expect(changes).toEqual([]);
  });

  it('without the Navigation API, looks at the URL every second until the extension is gone', () => {
    vi.useFakeTimers();
    let href = 'https://a.test/';
    let alive = true;
    const changes: string[] = [];
    watchLocation(
      () => changes.push(href),
      () => alive,
      { href: () => href },
    );
    vi.advanceTimersByTime(LOCATION_POLL_MS * 3);
    expect(changes).toEqual([]);
    href = 'https://a.test/tools/x';
    vi.advanceTimersByTime(LOCATION_POLL_MS);
    expect(changes).toEqual(['https://a.test/tools/x']);
    alive = false;
    href = 'https://a.test/tools/y';
    vi.advanceTimersByTime(LOCATION_POLL_MS * 3);
    expect(changes).toEqual(['https://a.test/tools/x']);
    expect(vi.getTimerCount()).toBe(0);
  });
});

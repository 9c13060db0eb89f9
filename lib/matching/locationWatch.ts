/**
 * Client-side navigation in a single-page app, as the matcher follows it: `onChange` after the URL
 * changes, from the Navigation API's `navigate` event where the browser has it (Chromium), else from
 * a look every second (Firefox ESR). Each look first asks `alive()`; once it says no (the extension
 * was updated or removed, this page outlives it), the watch stops for good.
 */
export interface LocationSource {
  href(): string;
  /** The Navigation API object (`globalThis.navigation`), where there is one. */
  navigation?: EventTarget | undefined;
}

export const LOCATION_POLL_MS = 1_000;

const pageLocation = (): LocationSource => ({
  href: () => location.href,
  navigation: (globalThis as { navigation?: EventTarget }).navigation,
});

export function watchLocation(onChange: () => void, alive: () => boolean, source: LocationSource = pageLocation()): void {
  let last = source.href();
  const look = (next: string) => {
    if (next === last) return;
    last = next;
    onChange();
  };
  const navigation = source.navigation;
  if (typeof navigation?.addEventListener === 'function') {
    const onNavigate = (event: Event) => {
      if (!alive()) return navigation.removeEventListener('navigate', onNavigate);
      // Fired before the URL changes: its destination is the new one.
      const destination = (event as Event & { destination?: { url?: unknown } }).destination?.url;
      look(typeof destination === 'string' ? destination : source.href());
    };
    navigation.addEventListener('navigate', onNavigate);
    return;
  }
  const timer = setInterval(() => {
    if (!alive()) return clearInterval(timer);
    look(source.href());
  }, LOCATION_POLL_MS);
}

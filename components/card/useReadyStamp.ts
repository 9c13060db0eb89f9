import { useCallback } from 'preact/hooks';

/**
 * Stamps the element that holds the card's figures, once, with when it entered the page and when the
 * frame after it was painted (performance.now(), the page's clock): what the benchmark reads to time
 * the card (bench/browser.ts). Inside the closed shadow root, so the page cannot read it.
 */
export function useReadyStamp(): (el: HTMLElement | null) => void {
  return useCallback((el: HTMLElement | null) => {
    if (!el || el.dataset.readyAt) return;
    const stamp = () => {
      el.dataset.readyAt = String(performance.now());
      requestAnimationFrame(() => {
        el.dataset.frameAt = String(performance.now());
      });
    };
    if (el.isConnected) stamp();
    // Drawn while the page parses, the card is put on it at DOMContentLoaded (closedShadowHost.ts,
    // whose listener comes first): stamped then, unless it was removed before.
    else if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', () => el.isConnected && stamp(), { once: true });
  }, []);
}

import { useCallback } from 'preact/hooks';

/**
 * Stamps the element that holds the card's figures, once, with when it entered the DOM and when the
 * frame after it was painted (performance.now(), the page's clock): what the benchmark reads to time
 * the card (bench/browser.ts). Inside the closed shadow root, so the page cannot read it.
 */
export function useReadyStamp(): (el: HTMLElement | null) => void {
  return useCallback((el: HTMLElement | null) => {
    if (!el || el.dataset.readyAt) return;
    el.dataset.readyAt = String(performance.now());
    requestAnimationFrame(() => {
      el.dataset.frameAt = String(performance.now());
    });
  }, []);
}

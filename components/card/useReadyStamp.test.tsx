import { render } from 'preact';
import { afterEach, describe, expect, it } from 'vitest';
import { useReadyStamp } from './useReadyStamp';

function Figures() {
  return <p ref={useReadyStamp()}>figures</p>;
}

/** document.readyState as the parser would have it, for one test. */
function parsing(state: DocumentReadyState) {
  Object.defineProperty(document, 'readyState', { configurable: true, get: () => state });
}
afterEach(() => {
  delete (document as { readyState?: unknown }).readyState; // back to the prototype's getter
  document.body.replaceChildren();
});

describe('the ready stamp the bench reads', () => {
  it('is taken at once for figures drawn on the page', () => {
    const box = document.body.appendChild(document.createElement('div'));
    render(<Figures />, box);
    expect(Number(box.querySelector('p')!.dataset.readyAt)).toBeGreaterThan(0);
  });

  it('for figures drawn off the page while it parses, is taken when they are put on it at DOMContentLoaded', () => {
    parsing('loading');
    const box = document.createElement('div');
    render(<Figures />, box);
    const figures = box.querySelector('p')!;
    expect(figures.dataset.readyAt).toBeUndefined();
    document.body.append(box);
    document.dispatchEvent(new Event('DOMContentLoaded'));
    expect(Number(figures.dataset.readyAt)).toBeGreaterThan(0);
  });

  it('is not taken for figures removed before DOMContentLoaded', () => {
    parsing('loading');
    const box = document.createElement('div');
    render(<Figures />, box);
    document.dispatchEvent(new Event('DOMContentLoaded'));
    expect(box.querySelector('p')!.dataset.readyAt).toBeUndefined();
  });
});

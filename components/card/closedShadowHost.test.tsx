import { describe, expect, it } from 'vitest';
import { CARD_HOST_TAG, mountClosedShadowHost } from './closedShadowHost';

/** A document the parser has finished, or one still `loading` until `parsed()` (DOMContentLoaded). */
function page(loading: boolean) {
  const doc = document.implementation.createHTMLDocument('tool page');
  doc.body.innerHTML = '<header>Toolbox</header><main>News Analyzer</main>';
  let state: DocumentReadyState = loading ? 'loading' : 'complete';
  Object.defineProperty(doc, 'readyState', { get: () => state });
  const parsed = () => {
    state = 'interactive';
    doc.dispatchEvent(new Event('DOMContentLoaded'));
  };
  return { doc, parsed };
}

describe('the card host', () => {
  it('goes at the end of <body> at once when the DOM is complete', () => {
    const { doc } = page(false);
    const { container } = mountClosedShadowHost('.tl-card{}', doc);
    expect(doc.body.lastElementChild?.tagName.toLowerCase()).toBe(CARD_HOST_TAG);
    expect(container.tagName.toLowerCase()).toBe('body');
  });

  it('mounted while the page parses, is drawn at once but put at the end of <body> only at DOMContentLoaded', () => {
    const { doc, parsed } = page(true);
    const { container } = mountClosedShadowHost('.tl-card{}', doc);
    container.textContent = 'figures';
    expect(doc.querySelector(CARD_HOST_TAG)).toBeNull();
    doc.body.append(doc.createElement('footer')); // the parser goes on
    parsed();
    expect(doc.body.lastElementChild?.tagName.toLowerCase()).toBe(CARD_HOST_TAG);
    expect(doc.querySelectorAll(CARD_HOST_TAG)).toHaveLength(1);
    expect(container.textContent).toBe('figures');
  });

  it('removed before DOMContentLoaded, never reaches the page', () => {
    const { doc, parsed } = page(true);
    mountClosedShadowHost('.tl-card{}', doc).remove();
    parsed();
    expect(doc.querySelector(CARD_HOST_TAG)).toBeNull();
  });
});

/**
 * The card's place on the page: a `<tool-lens-card>` element at the end of `<body>` holding a closed
 * shadow root, `<html><head><style/></head><body/></html>` inside it, the card rendered into that
 * body. The page's scripts cannot reach into a closed root, and its CSS neither reaches in nor is
 * reached: `:host { all: initial }` first, then the card's own styles (card.css keeps the host a
 * 0×0 fixed box, so appending it lays out nothing of the page).
 *
 * Mounted while the page is still parsing (entrypoints/matcher.ts does, on a tool page named by its
 * URL), the card is drawn at once but put on the page only at DOMContentLoaded, when the matcher
 * has read the page's marker: then it is the last child of `<body>`, as it would be mounted then. Anywhere
 * earlier it would sit among the elements the parser adds after it, or outside `<body>`, where an
 * app hydrating the whole document with React 18 finds a node it did not render and renders the
 * page again (React tolerates extra nodes only at the end of `<head>` and `<body>`).
 *
 * The same structure WXT's `createShadowRootUi` builds, without what the card does not use (a
 * content-script context, auto-mounting, CSS fetched from a file), so the card script needs no
 * context and the content script none either.
 */
export const CARD_HOST_TAG = 'tool-lens-card';

export interface ClosedShadowHost {
  /** Where the card renders (the shadow root's `<body>`). */
  container: HTMLElement;
  /** Takes the host off the page (or keeps it from being put there). */
  remove(): void;
}

export function mountClosedShadowHost(css: string, doc: Document = document): ClosedShadowHost {
  const host = doc.createElement(CARD_HOST_TAG);
  const shadow = host.attachShadow({ mode: 'closed' });
  const html = doc.createElement('html');
  const head = doc.createElement('head');
  const body = doc.createElement('body');
  const style = doc.createElement('style');
  style.textContent = `:host{all:initial !important;}\n${css}`;
  head.append(style);
  html.append(head, body);
  shadow.append(html);
  let removed = false;
  const place = () => {
    if (!removed) doc.body.append(host);
  };
  if (doc.readyState === 'loading') doc.addEventListener('DOMContentLoaded', place, { once: true });
  else place();
  return {
    container: body,
    remove: () => {
      removed = true;
      doc.removeEventListener('DOMContentLoaded', place);
      host.remove();
    },
  };
}

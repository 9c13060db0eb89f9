/**
 * The card's place on the page: a `<tool-lens-card>` element after `<body>`, the last child of
 * `<html>`, holding a closed shadow root, `<html><head><style/></head><body/></html>` inside it,
 * the card rendered into that body. The page's scripts cannot reach into a closed root, and its CSS neither reaches in nor is
 * reached: `:host { all: initial }` first, then the card's own styles (card.css keeps the host a
 * 0×0 fixed box, so appending it lays out nothing of the page). Outside `<body>`, it changes none of
 * the page's own structure: no `:last-child` or `:nth-child` of the page's elements, not while the
 * parser is still adding to `<body>` (the card can mount then: entrypoints/matcher.ts), nor later;
 * and an app that empties or replaces `<body>` leaves it be.
 *
 * The same structure WXT's `createShadowRootUi` builds, without what the card does not use (a
 * content-script context, auto-mounting, CSS fetched from a file), so the card script needs no
 * context and the content script none either.
 */
export const CARD_HOST_TAG = 'tool-lens-card';

export interface ClosedShadowHost {
  /** Where the card renders (the shadow root's `<body>`). */
  container: HTMLElement;
  /** Takes the host off the page. */
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
  doc.documentElement.append(host);
  return { container: body, remove: () => host.remove() };
}

/**
 * Where the keyboard goes as the card changes shape (WAI-ARIA's disclosure and dialog patterns):
 * collapsing puts the focus on the pill, expanding on the card's first control, hiding back where it
 * was on the page before it came into the card. Focus moves only when asked: a card that collapses by
 * itself never takes the focus from the page.
 */
import { useLayoutEffect, useRef } from 'preact/hooks';
import { CARD_HOST_TAG } from './closedShadowHost';

/** What can take the focus, in the order Tab would visit it. */
const FOCUSABLE = 'button:not([disabled]), a[href], input:not([disabled]), select:not([disabled]), [tabindex]:not([tabindex="-1"])';

export function useCardFocus(collapsed: boolean) {
  const rootRef = useRef<HTMLDivElement>(null);
  const pillRef = useRef<HTMLButtonElement>(null);
  const cardRef = useRef<HTMLElement>(null);
  const pending = useRef(false);
  /** The page's element that had the focus before the card took it. */
  const pageFocus = useRef<HTMLElement | null>(null);

  useLayoutEffect(() => {
    if (!pending.current) return;
    pending.current = false;
    if (collapsed) pillRef.current?.focus();
    else (cardRef.current?.querySelector(FOCUSABLE) as HTMLElement | null)?.focus();
  }, [collapsed]);

  return {
    rootRef,
    pillRef,
    cardRef,
    moveOnNextRender: () => (pending.current = true),
    /** Whether the focus is in the card now (the page sees only the host, so ask the root). */
    isInside: () => {
      const root = rootRef.current?.getRootNode() as ShadowRoot | undefined;
      return Boolean(root?.activeElement && rootRef.current?.contains(root.activeElement));
    },
    /** Before the card takes the focus by itself (the keyboard command): what had it on the page. */
    rememberPageFocus: () => {
      const active = document.activeElement;
      if (active instanceof HTMLElement && active !== document.body && active.tagName.toLowerCase() !== CARD_HOST_TAG) pageFocus.current = active;
    },
    /** Focus coming into the card from the page: remember where from. */
    onFocusIn: (event: FocusEvent) => {
      const from = event.relatedTarget;
      if (from instanceof HTMLElement && !rootRef.current?.contains(from) && from.tagName.toLowerCase() !== CARD_HOST_TAG) pageFocus.current = from;
    },
    returnToPage: () => {
      const target = pageFocus.current;
      if (target?.isConnected) target.focus();
      else if (document.activeElement instanceof HTMLElement) document.activeElement.blur();
    },
  };
}

/**
 * Where the card sits: one of four corners, remembered per site. It moves by a button (the next
 * corner) or by dragging its header, settling in the nearest corner on release.
 */
import { useState } from 'preact/hooks';
import type { CardPrefs } from '../../lib/model/cardPrefs';

type Corner = CardPrefs['corner'];
const CORNERS: Corner[] = ['bottom-right', 'bottom-left', 'top-left', 'top-right'];
/** Less movement than this (in pixels) is a click, not a drag. */
const DRAG_THRESHOLD = 4;

export function useCornerDrag(initial: Corner, save: (corner: Corner) => void) {
  const [corner, setCorner] = useState(initial);
  const [offset, setOffset] = useState<{ x: number; y: number } | null>(null);

  const moveTo = (next: Corner) => {
    setCorner(next);
    save(next);
  };

  const onDragStart = (event: PointerEvent) => {
    if ((event.target as HTMLElement).closest('button, a') || event.button !== 0) return;
    const start = { x: event.clientX, y: event.clientY };
    const onMove = (e: PointerEvent) => setOffset({ x: e.clientX - start.x, y: e.clientY - start.y });
    const onUp = (e: PointerEvent) => {
      window.removeEventListener('pointermove', onMove);
      window.removeEventListener('pointerup', onUp);
      setOffset(null);
      if (Math.abs(e.clientX - start.x) + Math.abs(e.clientY - start.y) < DRAG_THRESHOLD) return;
      const vertical = e.clientY < window.innerHeight / 2 ? 'top' : 'bottom';
      const horizontal = e.clientX < window.innerWidth / 2 ? 'left' : 'right';
      moveTo(`${vertical}-${horizontal}`);
    };
    window.addEventListener('pointermove', onMove);
    window.addEventListener('pointerup', onUp);
  };

  return {
    corner,
    /** How far the card is being dragged from its corner; null when it is not. */
    offset,
    moveToNext: () => moveTo(CORNERS[(CORNERS.indexOf(corner) + 1) % CORNERS.length]!),
    onDragStart,
  };
}

/**
 * Lookups chosen outside the page (the context menu's "Look up in Tool Lens"): the page takes the one
 * waiting for its window when it opens, and again whenever the worker says another waits. Each is
 * handed over once.
 */
import { useEffect, useRef } from 'preact/hooks';
import type { LookupBy } from '../../lib/model/person';

export interface IncomingLookups {
  /** The lookup waiting for this page's window, if any (once). */
  take(): Promise<{ value: string; by: LookupBy } | null>;
  /** Calls back when the worker says a lookup waits; returns the unsubscribe. */
  subscribe(onPending: () => void): () => void;
}

export function useIncomingLookups(incoming: IncomingLookups | undefined, onLookup: (lookup: { value: string; by: LookupBy }) => void) {
  const handler = useRef(onLookup);
  handler.current = onLookup;
  useEffect(() => {
    if (!incoming) return;
    let live = true;
    const take = () =>
      void incoming.take().then(
        (lookup) => {
          if (live && lookup) handler.current(lookup);
        },
        () => undefined,
      );
    const unsubscribe = incoming.subscribe(take);
    take();
    return () => {
      live = false;
      unsubscribe();
    };
  }, [incoming]);
}

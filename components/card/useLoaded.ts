/**
 * An answer the card can do without (a ranking, annotations): asked once enabled and again when `deps`
 * change; `empty` until it comes, or when it fails. `initial`: the answer already at hand for the first
 * `deps` (the card's first render shows it and nothing is asked); undefined when there is none.
 */
import { useEffect, useRef, useState } from 'preact/hooks';

export function useLoaded<T>(enabled: boolean, load: (() => Promise<T>) | null, deps: unknown[], empty: T, initial?: T): T {
  const [value, setValue] = useState<T>(initial === undefined ? empty : initial);
  const haveInitial = useRef(initial !== undefined);
  useEffect(() => {
    if (!enabled || !load) return;
    if (haveInitial.current) {
      haveInitial.current = false;
      return;
    }
    let current = true;
    load()
      .then((answer) => current && setValue(answer))
      .catch(() => current && setValue(empty));
    return () => {
      current = false;
    };
  }, [enabled, ...deps]);
  return value;
}

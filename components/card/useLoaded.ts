/** An answer the card can do without (a ranking, annotations): asked once enabled and again when `deps` change; `empty` until it comes, or when it fails. */
import { useEffect, useState } from 'preact/hooks';

export function useLoaded<T>(enabled: boolean, load: (() => Promise<T>) | null, deps: unknown[], empty: T): T {
  const [value, setValue] = useState<T>(empty);
  useEffect(() => {
    if (!enabled || !load) return;
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

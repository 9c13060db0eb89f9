/** The project's annotations in the range, for marks on the card's line (a failure, or a key without annotation:read, shows none). */
import { useEffect, useState } from 'preact/hooks';
import type { RangeKey } from '../../lib/card/ranges';
import type { AnnotationsResponse } from '../../lib/protocol/messages';

export type CardAnnotation = Extract<AnnotationsResponse, { ok: true }>['annotations'][number];

export function useAnnotations(enabled: boolean, range: RangeKey, load: ((range: RangeKey) => Promise<AnnotationsResponse>) | undefined): CardAnnotation[] {
  const [list, setList] = useState<CardAnnotation[]>([]);
  useEffect(() => {
    if (!enabled || !load) return;
    let current = true;
    load(range)
      .then((answer) => current && setList(answer.ok ? answer.annotations : []))
      .catch(() => current && setList([]));
    return () => {
      current = false;
    };
  }, [enabled, range, load]);
  return list;
}

/** The project's annotations in the range, for marks on the card's line (a failure, or a key without annotation:read, shows none). */
import type { RangeKey } from '../../lib/model/ranges';
import type { AnnotationsResponse } from '../../lib/protocol/messages';
import { useLoaded } from './useLoaded';

export type CardAnnotation = Extract<AnnotationsResponse, { ok: true }>['annotations'][number];

const NONE: CardAnnotation[] = [];

export function useAnnotations(enabled: boolean, range: RangeKey, load: ((range: RangeKey) => Promise<AnnotationsResponse>) | undefined): CardAnnotation[] {
  const annotationsIn = load
    ? async () => {
        const answer = await load(range);
        return answer.ok ? answer.annotations : NONE;
      }
    : null;
  return useLoaded(enabled, annotationsIn, [range, load], NONE);
}

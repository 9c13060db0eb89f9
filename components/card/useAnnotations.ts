/** The project's annotations in the range, for marks on the card's line (a failure, or a key without annotation:read, shows none). */
import type { RangeKey } from '../../lib/model/ranges';
import type { AnnotationsResponse } from '../../lib/protocol/messages';
import { useLoaded } from './useLoaded';

export type CardAnnotation = Extract<AnnotationsResponse, { ok: true }>['annotations'][number];

const NONE: CardAnnotation[] = [];
const annotationsOf = (answer: AnnotationsResponse) => (answer.ok ? answer.annotations : NONE);

export function useAnnotations(
  enabled: boolean,
  range: RangeKey,
  load: ((range: RangeKey) => Promise<AnnotationsResponse>) | undefined,
  /** The annotations already at hand for the first range, if any. */
  initial?: AnnotationsResponse | null,
): CardAnnotation[] {
  const annotationsIn = load ? async () => annotationsOf(await load(range)) : null;
  return useLoaded(enabled, annotationsIn, [range, load], NONE, initial ? annotationsOf(initial) : undefined);
}

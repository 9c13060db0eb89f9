/**
 * Support's lookup of one person: asked for on submit (or when the context menu hands the page a
 * value); the latest question wins. The answer lives in this state only: nothing about the person is
 * kept once cleared or once the page closes.
 */
import { useRef, useState } from 'preact/hooks';
import type { RangeKey } from '../../lib/model/ranges';
import type { PersonLookupResponse } from '../../lib/protocol/messages';
import type { LookupBy, PersonLookup } from '../../lib/model/person';
import type { Failure } from '../../lib/model/failure';

export interface LookupQuestion {
  range: RangeKey;
  by: LookupBy;
  value: string;
  /** Ask PostHog to run it now ("Look again"), not answer from its cache. */
  refresh?: boolean;
}
export type LookupState =
  | { status: 'idle' }
  | { status: 'loading'; question: LookupQuestion; previous: PersonLookup | null }
  | { status: 'error'; question: LookupQuestion; error: Failure }
  | { status: 'ready'; question: LookupQuestion; lookup: PersonLookup };

export type LookUp = (question: LookupQuestion) => Promise<PersonLookupResponse>;

export function usePersonLookup(lookUp: LookUp) {
  const [state, setState] = useState<LookupState>({ status: 'idle' });
  const latest = useRef(0);
  const find = async (question: LookupQuestion) => {
    const id = ++latest.current;
    setState((before) => ({
      status: 'loading',
      question,
      previous: before.status === 'ready' && before.question.value === question.value ? before.lookup : null,
    }));
    let next: LookupState;
    try {
      const response = await lookUp(question);
      next = response.ok ? { status: 'ready', question, lookup: response.lookup } : { status: 'error', question, error: response.error };
    } catch (error) {
      next = {
        status: 'error',
        question,
        error: { kind: 'extension', message: `Tool Lens lost touch with its background worker (${(error as Error)?.message ?? String(error)}).` },
      };
    }
    if (id === latest.current) setState(next);
  };
  const clear = () => {
    ++latest.current;
    setState({ status: 'idle' });
  };
  const again = () => {
    if (state.status === 'ready' || state.status === 'error') void find({ ...state.question, refresh: true });
  };
  return { state, find: (q: LookupQuestion) => void find(q), again, clear };
}

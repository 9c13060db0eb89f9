import { useEffect, useState } from 'preact/hooks';
import type { GroupTypesResponse } from '../../lib/protocol/messages';
import { GROUP_SLOTS } from '../../lib/settings/settings';

/** Every group type's index, for the picker to offer each slot. */
export const GROUP_INDEXES = Array.from({ length: GROUP_SLOTS }, (_, i) => i);

export type GroupTypesState =
  | { status: 'idle' | 'loading' }
  | { status: 'ready'; types: Array<{ index: number; name: string }> }
  /** The project's list could not be read (no group:read scope, not connected): the slots are offered by number. */
  | { status: 'unavailable'; message: string };

/** The project's group types, asked for once the segment picker needs them. */
export function useGroupTypes(load: () => Promise<GroupTypesResponse>, active: boolean): GroupTypesState {
  const [state, setState] = useState<GroupTypesState>({ status: 'idle' });
  useEffect(() => {
    if (!active || state.status !== 'idle') return;
    setState({ status: 'loading' });
    load().then(
      (answer) => setState(answer.ok ? { status: 'ready', types: answer.groupTypes } : { status: 'unavailable', message: answer.error.message }),
      (error: unknown) => setState({ status: 'unavailable', message: error instanceof Error ? error.message : String(error) }),
    );
  }, [active, load, state.status]);
  return state;
}

/**
 * The person lookup's page (entrypoints/sidepanel): Chrome's side panel, Firefox's sidebar, or a tab
 * where neither opens. The tool and range it was opened for travel in its address.
 */
import { RANGES, DEFAULT_RANGE, type RangeKey } from '../model/ranges';

export const LOOKUP_PAGE = 'sidepanel.html' as const;

export function lookupPagePath(tool: string, range: RangeKey): `${typeof LOOKUP_PAGE}?${string}` {
  return `${LOOKUP_PAGE}?${new URLSearchParams({ tool, range }).toString()}`;
}

/** What the address says, checked: a tool name of at most 200 characters, a known range. */
export function parseLookupParams(search: string): { tool: string; range: RangeKey } {
  const params = new URLSearchParams(search);
  const tool = params.get('tool') ?? '';
  const range = params.get('range') ?? '';
  return { tool: tool.length <= 200 ? tool : '', range: Object.hasOwn(RANGES, range) ? (range as RangeKey) : DEFAULT_RANGE };
}

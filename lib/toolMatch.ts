/** Works out which tool a page is. Pure: takes the URL and the page marker, never the page itself. */

export type ToolMatch = { tool: string; rule: 'marker' | 'url' };

export const TOOL_MARKER_NAME = 'tool-lens:tool';

/** Tool names are short slugs in practice; anything else is treated as "no tool" rather than queried. */
const TOOL_NAME = /^[\p{L}\p{N}][\p{L}\p{N}_.\-]{0,99}$/u;

export function isValidToolName(value: string): boolean {
  return TOOL_NAME.test(value);
}

/** The URL rule of the walking skeleton: `/tools/:tool` (trailing slash and sub-paths allowed). */
export function toolFromPath(pathname: string): string | null {
  const match = /^\/tools\/([^/]+)/.exec(pathname.slice(0, 2048));
  if (!match?.[1]) return null;
  let segment: string;
  try {
    segment = decodeURIComponent(match[1]);
  } catch {
    return null; // malformed percent-encoding: not a tool we can name
  }
  return isValidToolName(segment) ? segment : null;
}

/** First match wins: an explicit page marker beats the URL rule. */
export function matchTool(url: string, marker: string | null | undefined): ToolMatch | null {
  const fromMarker = marker?.trim();
  if (fromMarker && isValidToolName(fromMarker)) return { tool: fromMarker, rule: 'marker' };
  let pathname: string;
  try {
    pathname = new URL(url).pathname;
  } catch {
    return null;
  }
  const tool = toolFromPath(pathname);
  return tool ? { tool, rule: 'url' } : null;
}

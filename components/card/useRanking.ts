/** Where this tool stands among the project's tools: asked once the figures are in (one query the worker shares). */
import type { RangeKey } from '../../lib/model/ranges';
import type { RankingResponse } from '../../lib/protocol/messages';
import type { RankedTool } from '../../lib/model/project';
import { useLoaded } from './useLoaded';

export interface StandingView {
  standing: RankedTool['standing'];
  tools: number;
}

/** This tool's line in a ranking; null when it failed or the tool is not in it (nothing to say is better than a wrong place). */
function standingIn(answer: RankingResponse, tool: string): StandingView | null {
  const mine = answer.ok ? answer.ranking.tools.find((t) => t.tool === tool) : undefined;
  return answer.ok && mine ? { standing: mine.standing, tools: answer.ranking.tools.length } : null;
}

export function useRanking(
  enabled: boolean,
  tool: string,
  range: RangeKey,
  loadRanking: ((range: RangeKey) => Promise<RankingResponse>) | undefined,
  /** The ranking already at hand for the first range, if any. */
  initial?: RankingResponse | null,
): StandingView | null {
  const load = loadRanking ? async () => standingIn(await loadRanking(range), tool) : null;
  return useLoaded(enabled, load, [tool, range, loadRanking], null, initial ? standingIn(initial, tool) : undefined);
}

/** Where this tool stands among the project's tools: asked once the figures are in (one query the worker shares). */
import type { RangeKey } from '../../lib/model/ranges';
import type { RankingResponse } from '../../lib/protocol/messages';
import type { RankedTool } from '../../lib/model/project';
import { useLoaded } from './useLoaded';

export interface StandingView {
  standing: RankedTool['standing'];
  tools: number;
}

export function useRanking(
  enabled: boolean,
  tool: string,
  range: RangeKey,
  loadRanking: ((range: RangeKey) => Promise<RankingResponse>) | undefined,
): StandingView | null {
  // Nothing to say is better than a wrong place: a failure leaves the line out.
  const load = loadRanking
    ? async (): Promise<StandingView | null> => {
        const answer = await loadRanking(range);
        const mine = answer.ok ? answer.ranking.tools.find((t) => t.tool === tool) : undefined;
        return answer.ok && mine ? { standing: mine.standing, tools: answer.ranking.tools.length } : null;
      }
    : null;
  return useLoaded(enabled, load, [tool, range, loadRanking], null);
}

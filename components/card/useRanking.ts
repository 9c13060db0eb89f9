/** Where this tool stands among the project's tools: asked once the figures are in (one query the worker shares). */
import { useEffect, useState } from 'preact/hooks';
import type { RangeKey } from '../../lib/card/ranges';
import type { RankedTool, RankingResponse } from '../../lib/protocol/messages';

export interface StandingView {
  standing: RankedTool['standing'];
  tools: number;
}

export function useRanking(enabled: boolean, tool: string, range: RangeKey, loadRanking: ((range: RangeKey) => Promise<RankingResponse>) | undefined): StandingView | null {
  const [view, setView] = useState<StandingView | null>(null);
  useEffect(() => {
    if (!enabled || !loadRanking) return;
    let current = true;
    // Nothing to say is better than a wrong place: a failure leaves the line out.
    loadRanking(range)
      .then((answer) => {
        if (!current) return;
        const mine = answer.ok ? answer.ranking.tools.find((t) => t.tool === tool) : undefined;
        setView(answer.ok && mine ? { standing: mine.standing, tools: answer.ranking.tools.length } : null);
      })
      .catch(() => current && setView(null));
    return () => {
      current = false;
    };
  }, [enabled, tool, range, loadRanking]);
  return view;
}

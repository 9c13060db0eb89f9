/**
 * How a lookup's answer is laid out: which tool's jobs are shown (all, or one of the person's tools:
 * the page's own first), failures apart from the others, each job beside the exceptions of its
 * session, and how many jobs are not listed.
 */
import { useEffect, useMemo, useState } from 'preact/hooks';
import type { LookedUpException, LookedUpJob, PersonLookup } from '../../lib/model/person';
import { exceptionsByJob, jobTotals } from '../../lib/support/lookup';

export const ALL_TOOLS = '';

export interface JobView {
  job: LookedUpJob;
  exceptions: LookedUpException[];
}

export function useLookupView(lookup: PersonLookup, openedTool: string) {
  const tools = useMemo(() => {
    const counts = new Map<string, number>();
    for (const job of lookup.jobs) counts.set(job.tool ?? '', (counts.get(job.tool ?? '') ?? 0) + 1);
    return [...counts.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
  }, [lookup]);
  const [tool, setTool] = useState(ALL_TOOLS);
  // A new answer shows every tool; a page opened from a tool starts on that tool when the person used it and others.
  useEffect(() => setTool(tools.length > 1 && tools.some(([t]) => t === openedTool) ? openedTool : ALL_TOOLS), [lookup, openedTool]);
  return useMemo(() => {
    const { byJob, others } = exceptionsByJob(lookup.jobs, lookup.exceptions);
    const views: JobView[] = lookup.jobs.map((job, i) => ({ job, exceptions: byJob.get(i) ?? [] }));
    const shown = views.filter((v) => tool === ALL_TOOLS || (v.job.tool ?? '') === tool);
    const totals = jobTotals(lookup);
    return {
      tools,
      tool,
      setTool,
      failures: shown.filter((v) => v.job.status === 'failed'),
      others: shown.filter((v) => v.job.status !== 'failed'),
      otherExceptions: others,
      totals,
      /** Jobs of the people found that the lookup does not list (it lists at most 100, the latest). */
      notListed: Math.max(0, totals.jobs - lookup.jobs.length),
    };
  }, [lookup, tool, tools]);
}

/**
 * A summary to paste into a ticket or a chat: the card's headline figures with their tests, and one
 * triage row, in Markdown that reads as plain text too. Event data (tool names, error types, job
 * ids) is put in code spans, so a name with Markdown in it stays text where it is pasted.
 */
import type { CardLinks, ChangeTests, ToolMetrics, TriageRow } from '../model/figures';
import { formatCount, formatDuration, formatPercent, oneLine } from '../helpers/format';
import { RANGES } from '../model/ranges';
import type { TestedChange } from './compare';

/**
 * `text` in a Markdown code span that no backtick inside can close, on one line: a line break in a
 * code span would let the rest start a paragraph, a link or a list where it is pasted.
 */
export function codeSpan(raw: string): string {
  const text = oneLine(raw);
  const longest = Math.max(0, ...[...text.matchAll(/`+/g)].map((m) => m[0].length));
  const fence = '`'.repeat(longest + 1);
  const pad = text.startsWith('`') || text.endsWith('`') ? ' ' : '';
  return `${fence}${pad}${text}${pad}${fence}`;
}

const changeWords = (change: TestedChange | null) =>
  !change
    ? 'no previous data'
    : change.significant
      ? `${change.text} vs the previous period, more than chance (${change.detail})`
      : `no clear change (${change.detail})`;

/** `changes`: the figures' tests of change, as the worker sent them with the figures (compare.ts testChanges). */
export function cardSummary(m: ToolMetrics, links: CardLinks, changes: ChangeTests): string {
  const steps = m.funnel.steps;
  const [views, downloads] = [steps[0], steps.at(-1)];
  const { current } = m.jobs;
  const q = m.latency.current;
  const period = m.split ? `after ${new Date(m.split.at).toISOString()} against as long before it` : RANGES[m.range].label.toLowerCase();
  const lines = [
    `**Tool Lens: ${codeSpan(m.tool)}**, ${period} (as of ${m.asOf})`,
    `- Funnel (${m.funnel.unit}): ${steps.map((s) => `${s.label} ${formatCount(s.current)}`).join(' → ')}`,
    `- View → download: ${formatPercent(downloads?.current ?? 0, views?.current ?? 0)}; ${changeWords(changes.conversion)}`,
    `- Processing time (n = ${formatCount(q.n)}): p50 ${formatDuration(q.p50Ms)}, p95 ${formatDuration(q.p95Ms)}, p99 ${formatDuration(q.p99Ms)}; p95 ${changeWords(changes.p95)}`,
    `- Failure rate: ${formatCount(current.failed)} of ${formatCount(current.started)} started (${formatPercent(current.failed, current.started)}); ${changeWords(changes.failureRate)}`,
  ];
  if (m.sample)
    lines.splice(1, 0, `- Sampled: 1 in ${formatCount(m.sample.factor)} users; counts are estimates (×${formatCount(m.sample.factor)}), tests use the sample`);
  if (m.errors.length)
    lines.push(
      `- Errors: ${m.errors
        .slice(0, 5)
        .map((e) => `${codeSpan(e.type)} ${formatCount(e.current)}`)
        .join(', ')}`,
    );
  if (m.health.status === 'alert') lines.push(`- Over threshold: ${m.health.reasons.join('; ')}`);
  if (m.segment) lines.push(`- Segment: ${segmentKindLabel(m.segment)} property ${codeSpan(m.segment.property)} = ${codeSpan(m.segment.value)}`);
  lines.push(`- In PostHog: [funnel](${links.funnel}) · [processing time](${links.latencySql}) · [failed jobs](${links.errors}) · [replays](${links.replays})`);
  return lines.join('\n');
}

export function triageRowSummary(row: TriageRow, kind: 'slow' | 'failure', tool: string): string {
  const what = kind === 'failure' ? `failed with ${codeSpan(row.detail ?? 'unknown')}` : 'completed';
  const links = [`[event](${row.eventUrl})`, ...(row.replayUrl ? [`[replay](${row.replayUrl})`] : [])].join(' · ');
  return `Job ${row.jobId === null ? '(no job id)' : codeSpan(row.jobId)} on ${codeSpan(tool)} ${what}${row.durationMs !== null ? ` after ${formatDuration(row.durationMs)}` : ''}, at ${row.at}. ${links}`;
}

/** What a segment's property belongs to, in words: "event", "person", or the group type ("company", else "group 1"). */
export function segmentKindLabel(segment: { kind: 'event' | 'person' | 'group'; groupIndex?: number; groupType?: string }): string {
  if (segment.kind !== 'group') return segment.kind;
  return segment.groupType || `group ${(segment.groupIndex ?? 0) + 1}`;
}

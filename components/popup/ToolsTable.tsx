/** Popup → All tools: every tool of the project with p95, failure rate and view → download, sortable. Asked for when opened. */
import { useState } from 'preact/hooks';
import type { RankingResponse } from '../../lib/protocol/messages';
import type { RankedTool } from '../../lib/model/project';
import { formatDuration, formatPercent } from '../../lib/helpers/format';

type Column = 'tool' | 'p95' | 'failure' | 'conversion';
const COLUMNS: Array<[Column, string]> = [
  ['tool', 'Tool'],
  ['p95', 'p95'],
  ['failure', 'Failure rate'],
  ['conversion', 'View → download'],
];

const valueOf = (t: RankedTool, column: Column): number | string | null =>
  column === 'tool'
    ? t.tool
    : column === 'p95'
      ? t.p95Ms
      : column === 'failure'
        ? t.started > 0
          ? t.failed / t.started
          : null
        : t.viewers > 0
          ? t.downloaders / t.viewers
          : null;

/** Sorted by a column; tools without the figure last, whatever the direction. */
export function sortTools(tools: RankedTool[], column: Column, descending: boolean): RankedTool[] {
  return [...tools].sort((a, b) => {
    const [x, y] = [valueOf(a, column), valueOf(b, column)];
    if (x === null || y === null) return x === y ? a.tool.localeCompare(b.tool) : x === null ? 1 : -1;
    const order = typeof x === 'string' ? x.localeCompare(y as string) : x - (y as number);
    return (descending ? -order : order) || a.tool.localeCompare(b.tool);
  });
}

export function ToolsTable({ load }: { load: () => Promise<RankingResponse> }) {
  const [answer, setAnswer] = useState<RankingResponse | null>(null);
  const [sort, setSort] = useState<{ column: Column; descending: boolean }>({ column: 'p95', descending: true });
  return (
    <details
      class="all-tools"
      data-testid="all-tools"
      onToggle={(e) => {
        if ((e.currentTarget as HTMLDetailsElement).open && !answer)
          void load().then(setAnswer, (error: Error) => setAnswer({ ok: false, error: { kind: 'extension', message: error.message } }));
      }}
    >
      <summary>All tools, last 7 days</summary>
      {!answer ? (
        <p class="muted" role="status">
          Loading…
        </p>
      ) : !answer.ok ? (
        <p class="failed" role="alert">
          {answer.error.message}
        </p>
      ) : answer.ranking.tools.length === 0 ? (
        <p class="muted">No tool events in the last 7 days.</p>
      ) : (
        <table class="tools-table">
          <caption class="visually-hidden">Every tool's p95 processing time, failure rate and view → download; choose a column to sort by it</caption>
          <thead>
            <tr>
              {COLUMNS.map(([column, label]) => (
                <th key={column} scope="col" aria-sort={sort.column === column ? (sort.descending ? 'descending' : 'ascending') : 'none'}>
                  <button
                    type="button"
                    class="link"
                    onClick={() => setSort((s) => ({ column, descending: s.column === column ? !s.descending : column !== 'tool' }))}
                  >
                    {label}
                    {sort.column === column ? <span aria-hidden="true">{sort.descending ? ' ▼' : ' ▲'}</span> : null}
                  </button>
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {sortTools(answer.ranking.tools, sort.column, sort.descending).map((t) => (
              <tr key={t.tool} data-testid="ranked-tool" data-tool={t.tool}>
                <th scope="row">{t.tool}</th>
                <td>{t.p95Ms === null ? '—' : formatDuration(t.p95Ms)}</td>
                <td>{t.started > 0 ? formatPercent(t.failed, t.started) : '—'}</td>
                <td>{t.viewers > 0 ? formatPercent(t.downloaders, t.viewers) : '—'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </details>
  );
}

/** Popup: the project's dashboards — pinned, recent, the rest — with type-to-search and arrow keys. */
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { DASHBOARD_NAME } from '../../lib/project/dashboardName';
import { formatTime } from '../../lib/helpers/format';
import type { DashboardsResponse } from '../../lib/protocol/messages';
import type { DashboardEntry } from '../../lib/model/project';

export interface DashboardListProps {
  /** The cached list: undefined while it is still asked for, null when there is none. */
  initial: DashboardsResponse | null | undefined;
  /** A fresh list (the popup shows its cached copy first). */
  load: () => Promise<DashboardsResponse>;
  open: (dashboard: DashboardEntry) => void;
  /** When the project has no Tool Usage dashboard yet. */
  createToolUsage?: () => void;
}

export function DashboardList({ initial, load, open, createToolUsage }: DashboardListProps) {
  const [answer, setAnswer] = useState<DashboardsResponse | null>(initial ?? null);
  const [query, setQuery] = useState('');
  const [active, setActive] = useState(0);
  /** Why the fresh list did not come, while the cached one stays on screen. */
  const [refreshFailed, setRefreshFailed] = useState<string | null>(null);
  const input = useRef<HTMLInputElement>(null);

  // The cached list may land after the first render: a fresh list that came first stays, a failed
  // refresh gives way to it (dated, with why it is not fresh), as when the cache came first.
  useEffect(() => {
    if (initial) setAnswer((current) => (current?.ok ? current : initial.ok ? initial : (current ?? initial)));
  }, [initial]);

  // Cached list at once; the fresh one replaces it when it arrives. If it fails, the cached one stays, dated.
  useEffect(() => {
    input.current?.focus();
    void load().then((fresh) => {
      setAnswer((current) => (fresh.ok || !current?.ok ? fresh : current));
      setRefreshFailed(fresh.ok ? null : fresh.error.message);
    });
  }, [load]);

  const all = answer?.ok ? answer.dashboards : [];
  // Search is here, on the whole list: PostHog's dashboards list ignores ?search=.
  const shown = useMemo(() => {
    const q = query.trim().toLowerCase();
    return q ? all.filter((d) => d.name.toLowerCase().includes(q) || d.description.toLowerCase().includes(q)) : all;
  }, [all, query]);
  useEffect(() => setActive(0), [query]);

  const onKeyDown = (event: KeyboardEvent) => {
    if (event.key === 'ArrowDown') setActive((i) => Math.min(shown.length - 1, i + 1));
    else if (event.key === 'ArrowUp') setActive((i) => Math.max(0, i - 1));
    else if (event.key === 'Enter' && shown[active]) open(shown[active]!);
    else return;
    event.preventDefault();
  };

  const hasToolUsage = all.some((d) => d.name === DASHBOARD_NAME);
  return (
    <section class="dashboards" data-testid="dashboards">
      <input
        ref={input}
        type="search"
        placeholder="Search dashboards"
        aria-label="Search dashboards"
        aria-controls="dashboard-list"
        aria-activedescendant={shown[active] ? `dashboard-${shown[active]!.id}` : undefined}
        value={query}
        onInput={(e) => setQuery((e.currentTarget as HTMLInputElement).value)}
        onKeyDown={onKeyDown}
      />
      {answer && !answer.ok && (
        <p class="failed" role="status" data-testid="dashboards-error">
          {answer.error.message}
        </p>
      )}
      {answer?.ok && refreshFailed && (
        <p class="failed" role="status" data-testid="dashboards-stale">
          Dashboards as of {formatTime(new Date(answer.at).toISOString())}; could not refresh: {refreshFailed}
        </p>
      )}
      {!answer && <p class="muted">Loading dashboards…</p>}
      <ul id="dashboard-list" role="listbox" aria-label="Dashboards" class="dashboard-list">
        {shown.slice(0, 50).map((d, i) => (
          <li
            key={d.id}
            id={`dashboard-${d.id}`}
            role="option"
            aria-selected={i === active}
            class={i === active ? 'active' : ''}
            onClick={() => open(d)}
            onMouseEnter={() => setActive(i)}
            data-testid="dashboard"
          >
            <span class="dash-mark" aria-hidden="true">
              {d.pinned ? '★' : d.recent ? '↺' : ''}
            </span>
            <span class="dash-name">{d.name}</span>
            <span class="visually-hidden">{d.pinned ? ' (pinned)' : d.recent ? ' (recently opened)' : ''}</span>
          </li>
        ))}
      </ul>
      {answer?.ok && shown.length === 0 && <p class="muted">{query ? `No dashboard matches “${query}”.` : 'This project has no dashboards yet.'}</p>}
      {answer?.ok && !hasToolUsage && createToolUsage && (
        <button type="button" onClick={createToolUsage} data-testid="create-tool-usage">
          Create the Tool Usage dashboard
        </button>
      )}
    </section>
  );
}

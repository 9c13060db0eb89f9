/** Creates (or updates) the Tool Usage Analytics dashboard, showing each step as the worker reports it. */
import { useState } from 'preact/hooks';
import type { DashboardProgress } from '../../lib/protocol/messages';

export function ToolUsageDashboard({ run }: { run: (onMessage: (m: DashboardProgress) => void) => void }) {
  const [lines, setLines] = useState<Array<{ text: string; failed: boolean }>>([]);
  const [done, setDone] = useState<Extract<DashboardProgress, { type: 'done' }> | null>(null);
  const [busy, setBusy] = useState(false);
  return (
    <div class="tool-usage" data-testid="tool-usage">
      <button
        type="button"
        disabled={busy}
        onClick={() => {
          setBusy(true);
          setLines([]);
          setDone(null);
          run((m) => {
            if (m.type === 'progress') setLines((l) => [...l, { text: m.text, failed: m.failed }]);
            else {
              setDone(m);
              setBusy(false);
            }
          });
        }}
      >
        {busy ? 'Working…' : 'Create or update the Tool Usage dashboard'}
      </button>
      {lines.length > 0 && (
        <ol class="progress" aria-live="polite">
          {lines.map((l, i) => (
            <li key={i} class={l.failed ? 'failed' : ''}>
              {l.text}
            </li>
          ))}
        </ol>
      )}
      {done && (
        <p role="status" class={done.ok ? 'ok' : 'failed'} data-testid="tool-usage-result">
          {done.message}{' '}
          {done.url && (
            <a href={done.url} target="_blank" rel="noopener noreferrer">
              Open it ↗
            </a>
          )}
        </p>
      )}
    </div>
  );
}

/** Toolbar popup: where Tool Lens is connected, the current tab's tool, and shortcuts into PostHog. */
import { useState } from 'preact/hooks';
import type { TestConnectionResponse } from '../lib/messages';
import type { SettingsState } from '../lib/settings';
import { postHogBaseUrl } from '../lib/settings';
import type { ToolMatch } from '../lib/toolMatch';

export interface PopupProps {
  settings: SettingsState;
  currentTool: ToolMatch | null;
  onTest: () => Promise<TestConnectionResponse>;
  onOpenOptions: () => void;
}

export function Popup({ settings, currentTool, onTest, onOpenOptions }: PopupProps) {
  const [check, setCheck] = useState<{ busy: boolean; result?: TestConnectionResponse; error?: string }>({ busy: false });

  async function test() {
    setCheck({ busy: true });
    try {
      setCheck({ busy: false, result: await onTest() });
    } catch (error) {
      setCheck({ busy: false, error: (error as Error).message });
    }
  }

  if (settings.status !== 'configured') {
    return (
      <main class="popup">
        <h1>Tool Lens</h1>
        <p data-testid="popup-status">{settings.status === 'missing' ? 'Not connected to PostHog yet.' : `Settings need attention: ${settings.message}`}</p>
        <button type="button" onClick={onOpenOptions}>
          Open options
        </button>
      </main>
    );
  }

  const base = postHogBaseUrl(settings.settings);
  const project = settings.settings.projectId;
  const failed = check.result?.checks.find((c) => !c.ok);
  return (
    <main class="popup">
      <header class="popup-header">
        <h1>Tool Lens</h1>
        <button type="button" class="link" onClick={onOpenOptions}>
          Options
        </button>
      </header>
      <p class="muted" data-testid="popup-status">
        {new URL(base).host} · project {project}
      </p>
      <div class="connection">
        <button type="button" onClick={() => void test()} disabled={check.busy}>
          {check.busy ? 'Checking…' : 'Check connection'}
        </button>
        <span role="status" data-testid="popup-connection" class={failed || check.error ? 'failed' : 'ok'}>
          {check.error ?? (check.result ? (failed ? `✗ ${failed.detail}` : `✓ ${check.result.checks.at(-1)?.detail ?? 'Connected'}`) : '')}
        </span>
      </div>

      <h2>This tab</h2>
      <p data-testid="popup-tool">{currentTool ? `Tool: ${currentTool.tool} (found by ${currentTool.rule === 'marker' ? 'page marker' : 'URL'})` : 'Not a tool page.'}</p>

      <h2>PostHog</h2>
      <ul class="links">
        <li>
          <a href={`${base}/project/${project}/dashboard`} target="_blank" rel="noopener noreferrer">
            Dashboards ↗
          </a>
        </li>
        <li>
          <a href={`${base}/project/${project}/events`} target="_blank" rel="noopener noreferrer">
            Activity ↗
          </a>
        </li>
      </ul>
    </main>
  );
}

/** Toolbar popup: where Tool Lens is connected, this tab's tool (or enabling the site), shortcuts into PostHog. */
import { useState } from 'preact/hooks';
import type { TestConnectionResponse, ToolMetricsResponse } from '../lib/messages';
import { formatDuration, formatPercent } from '../lib/format';
import type { SettingsState } from '../lib/settings';
import { postHogBaseUrl } from '../lib/settings';

export type TabState =
  | { kind: 'unsupported' }
  | { kind: 'disabled'; origin: string }
  | { kind: 'enabled'; origin: string; tool: string | null; detail: string | null; hidden: boolean };

export interface PopupProps {
  settings: SettingsState;
  tab: TabState;
  headline: ToolMetricsResponse | null;
  onTest: () => Promise<TestConnectionResponse>;
  onOpenOptions: () => void;
  onEnableSite: () => Promise<string | null>;
  onDisableSite: () => Promise<void>;
}

export function Popup(props: PopupProps) {
  const { settings } = props;
  const [check, setCheck] = useState<{ busy: boolean; result?: TestConnectionResponse; error?: string }>({ busy: false });

  async function test() {
    setCheck({ busy: true });
    try {
      setCheck({ busy: false, result: await props.onTest() });
    } catch (error) {
      setCheck({ busy: false, error: (error as Error).message });
    }
  }

  const failed = check.result?.checks.find((c) => !c.ok);
  const base = settings.status === 'configured' ? postHogBaseUrl(settings.settings) : null;
  const project = settings.status === 'configured' ? settings.settings.projectId : null;
  return (
    <main class="popup">
      <header class="popup-header">
        <h1>Tool Lens</h1>
        <button type="button" class="link" onClick={props.onOpenOptions}>
          Options
        </button>
      </header>
      {settings.status !== 'configured' ? (
        <p data-testid="popup-status">{settings.status === 'missing' ? 'Not connected to PostHog yet: open the options.' : `Settings need attention: ${settings.message}`}</p>
      ) : (
        <>
          <p class="muted" data-testid="popup-status">
            {new URL(base!).host} · project {project}
          </p>
          <div class="connection">
            <button type="button" onClick={() => void test()} disabled={check.busy}>
              {check.busy ? 'Checking…' : 'Check connection'}
            </button>
            <span role="status" data-testid="popup-connection" class={failed || check.error ? 'failed' : 'ok'}>
              {check.error ?? (check.result ? (failed ? `✗ ${failed.detail}` : `✓ ${check.result.checks.at(-1)?.detail ?? 'Connected'}`) : '')}
            </span>
          </div>
        </>
      )}

      <h2>This tab</h2>
      <ThisTab {...props} />

      {base && (
        <>
          <h2>PostHog</h2>
          <ul class="links">
            <li>
              <a href={`${base}/project/${project}/dashboard`} target="_blank" rel="noopener noreferrer">
                Dashboards ↗
              </a>
            </li>
            <li>
              <a href={`${base}/project/${project}/activity/explore`} target="_blank" rel="noopener noreferrer">
                Activity ↗
              </a>
            </li>
          </ul>
        </>
      )}
    </main>
  );
}

function ThisTab({ tab, headline, onEnableSite, onDisableSite }: PopupProps) {
  const [busy, setBusy] = useState(false);
  const [message, setMessage] = useState<string | null>(null);
  if (tab.kind === 'unsupported') return <p data-testid="popup-tab">Tool Lens works on web pages (http and https).</p>;
  if (tab.kind === 'disabled') {
    return (
      <div data-testid="popup-tab">
        <p>Tool Lens is off on {tab.origin}.</p>
        <button
          type="button"
          disabled={busy}
          onClick={async () => {
            setBusy(true);
            setMessage(await onEnableSite());
            setBusy(false);
          }}
        >
          Enable on this site
        </button>
        {message && (
          <p role="status" class="muted">
            {message}
          </p>
        )}
      </div>
    );
  }
  const figures = headline?.ok ? headline.metrics : null;
  return (
    <div data-testid="popup-tab">
      {tab.tool ? (
        <p>
          Tool <strong>{tab.tool}</strong> <span class="muted">(found by {tab.detail})</span>
        </p>
      ) : (
        <p>Not a tool page.</p>
      )}
      {figures && (
        <dl class="headline" data-testid="popup-headline">
          <dt>View → download</dt>
          <dd>{formatPercent(figures.funnel.steps.at(-1)?.current ?? 0, figures.funnel.steps[0]?.current ?? 0)}</dd>
          <dt>p95</dt>
          <dd>{formatDuration(figures.latency.current.p95Ms)}</dd>
          <dt>Failure rate</dt>
          <dd>{formatPercent(figures.jobs.current.failed, figures.jobs.current.started)}</dd>
        </dl>
      )}
      {headline?.ok && (
        <p class="links-inline">
          <a href={headline.links.funnel} target="_blank" rel="noopener noreferrer">
            Funnel ↗
          </a>{' '}
          <a href={headline.links.latencySql} target="_blank" rel="noopener noreferrer">
            Latency ↗
          </a>{' '}
          <a href={headline.links.errors} target="_blank" rel="noopener noreferrer">
            Errors ↗
          </a>
        </p>
      )}
      {headline && !headline.ok && <p class="failed">{headline.error.message}</p>}
      <button type="button" class="link" onClick={() => void onDisableSite()}>
        Turn off on {tab.origin}
      </button>
    </div>
  );
}

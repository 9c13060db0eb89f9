/** Toolbar popup: connection, this tab's tool (or enabling the site), tools in trouble, dashboards. */
import { useEffect, useState } from 'preact/hooks';
import type {
  AlertsResponse,
  ConnectionStatusResponse,
  DashboardProgress,
  DashboardsResponse,
  RankingResponse,
  ToolMetricsResponse,
} from '../../lib/protocol/messages';
import type { DashboardEntry } from '../../lib/model/project';
import { ToolsTable } from './ToolsTable';
import { formatAgo, formatDuration, formatPercent, formatTime } from '../../lib/helpers/format';
import { postHogBaseUrl, type ConnectionGlance } from '../../lib/settings/hosts';
import type { SettingsState } from '../../lib/settings/settings';
import { DashboardList } from './DashboardList';
import { ToolUsageDashboard } from './ToolUsageDashboard';
import type { PersonLookupProps } from '../lookup/PersonLookup';
import type { LookUp } from '../lookup/usePersonLookup';

export type TabState =
  | { kind: 'unsupported' }
  | { kind: 'disabled'; origin: string }
  | {
      kind: 'enabled';
      origin: string;
      tool: string | null;
      detail: string | null;
      hidden: boolean;
      /** The project the site names, if any (else the connection's). */ project?: string;
    };

export interface PopupProps {
  /** The stored settings (SettingsState), or at first paint their connection alone (settingsAtAGlance): all the popup shows of them. */
  settings: SettingsState | ConnectionGlance;
  /** null while the popup is still asking the tab (the shell renders before that). */
  tab: TabState | null;
  /** This tab's tool's figures (7 days), asked for once the popup is on screen; null when there is no tool to ask about. */
  loadHeadline: (() => Promise<ToolMetricsResponse>) | null;
  /** Cached answers: undefined while still asked for, null when the worker did not answer. */
  dashboards: DashboardsResponse | null | undefined;
  alerts: AlertsResponse | null | undefined;
  loadConnection: () => Promise<ConnectionStatusResponse>;
  loadDashboards: () => Promise<DashboardsResponse>;
  openDashboard: (dashboard: DashboardEntry) => void;
  checkAlerts: () => Promise<AlertsResponse>;
  /** Every tool's figures (7 days), asked for when the list is opened. */
  loadRanking?: () => Promise<RankingResponse>;
  createToolUsage: (onMessage: (m: DashboardProgress) => void) => void;
  onOpenOptions: () => void;
  onEnableSite: () => Promise<string | null>;
  onDisableSite: () => Promise<void>;
  /** Why the browser's storage refused what Tool Lens needed to keep (it is full), if it did. */
  storageProblem?: string | null;
  /** Support's person lookup: a button to the side panel, or here where the browser has no side panel. */
  personLookup?: { kind: 'panel'; open: () => void } | { kind: 'inline'; tool: string; lookUp: LookUp; copy?: (text: string) => Promise<void> };
}

export function Popup(props: PopupProps) {
  const { settings } = props;
  const [showCreate, setShowCreate] = useState(false);
  const base = settings.status === 'configured' ? postHogBaseUrl(settings.settings) : null;
  return (
    <main class="popup">
      <header class="popup-header">
        <h1>Tool Lens</h1>
        <button type="button" class="link" onClick={props.onOpenOptions}>
          Options
        </button>
      </header>
      {props.storageProblem && (
        <p role="alert" class="field-error" data-testid="storage-problem">
          {props.storageProblem}
        </p>
      )}
      {settings.status !== 'configured' ? (
        <p data-testid="popup-status">
          {settings.status === 'missing' ? 'Not connected to PostHog yet: open the options.' : `Settings need attention: ${settings.message}`}
        </p>
      ) : (
        <Connection host={new URL(base!).host} project={settings.settings.projectId} load={props.loadConnection} />
      )}

      <h2>This tab</h2>
      <ThisTab {...props} />

      {base && (
        <>
          <Trouble alerts={props.alerts} check={props.checkAlerts} />
          {props.loadRanking && <ToolsTable load={props.loadRanking} />}
          {props.personLookup?.kind === 'panel' && (
            <p>
              <button type="button" class="link" data-testid="open-lookup" onClick={props.personLookup.open}>
                Look up a person (email or id)…
              </button>
            </p>
          )}
          {props.personLookup?.kind === 'inline' && (
            <LazyPersonLookup tool={props.personLookup.tool} range="7d" lookUp={props.personLookup.lookUp} copy={props.personLookup.copy} />
          )}
          <h2>Dashboards</h2>
          <DashboardList initial={props.dashboards} load={props.loadDashboards} open={props.openDashboard} createToolUsage={() => setShowCreate(true)} />
          {showCreate && <ToolUsageDashboard run={props.createToolUsage} />}
        </>
      )}
    </main>
  );
}

function Connection({ host, project, load }: { host: string; project: string; load: () => Promise<ConnectionStatusResponse> }) {
  const [status, setStatus] = useState<ConnectionStatusResponse | null>(null);
  useEffect(() => {
    void load().then(setStatus, (error: Error) => setStatus({ ok: false, error: { kind: 'bad_response', message: error.message } }));
  }, [load]);
  return (
    <div class="connection-status" data-testid="popup-status">
      <p class="muted">
        {host} · project {project}
      </p>
      <p role="status" data-testid="popup-connection" class={status ? (status.ok ? 'ok' : 'failed') : 'muted'}>
        {!status
          ? 'Checking the key…'
          : status.ok
            ? `✓ ${status.via === 'signIn' ? 'Signed in' : 'Key works'} (${status.user})${status.scopes === null ? '; its scopes could not be read' : status.missing.length ? '' : ', with every scope Tool Lens uses'}`
            : `✗ ${status.error.message}`}
      </p>
      {status?.ok && status.missing.length > 0 && (
        <ul class="missing" data-testid="missing-scopes">
          {status.missing.map((m) => (
            <li key={m.scope}>
              lacks <code>{m.scope}</code> — needed for {m.for}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

function Trouble({ alerts: initial, check }: { alerts: AlertsResponse | null | undefined; check: () => Promise<AlertsResponse> }) {
  const [alerts, setAlerts] = useState(initial);
  const [busy, setBusy] = useState(false);
  // The cached answer may land after the first render; a fresher one from "check now" wins.
  useEffect(() => {
    if (initial) setAlerts((current) => current ?? initial);
  }, [initial]);
  const tools = alerts?.state?.tools ?? [];
  // Tool names come from event data: "constructor" or "toString" must not find Object.prototype's.
  const linkOf = (tool: string) => (alerts && Object.hasOwn(alerts.links, tool) ? alerts.links[tool] : undefined);
  return (
    <section data-testid="trouble">
      <h2>
        Tools in trouble{' '}
        <button
          type="button"
          class="link small"
          disabled={busy}
          onClick={async () => {
            setBusy(true);
            setAlerts(await check());
            setBusy(false);
          }}
        >
          {busy ? 'checking…' : 'check now'}
        </button>
      </h2>
      {alerts === undefined ? (
        <p class="muted">Loading…</p>
      ) : !alerts?.state ? (
        <p class="muted">Not checked yet.</p>
      ) : tools.length === 0 ? (
        <p class="muted">None over a threshold (checked {formatAgo(new Date(alerts.state.checkedAt).toISOString())}).</p>
      ) : (
        <ul class="trouble-list">
          {tools.map((t) => (
            <li key={t.tool} data-testid="trouble-tool">
              <strong>{t.tool}</strong> <span class="failed">{t.reasons.join('; ')}</span>{' '}
              {linkOf(t.tool)?.page && (
                <a href={linkOf(t.tool)!.page!} target="_blank" rel="noopener noreferrer">
                  page ↗
                </a>
              )}{' '}
              {linkOf(t.tool) && (
                <a href={linkOf(t.tool)!.posthog} target="_blank" rel="noopener noreferrer">
                  failures in PostHog ↗
                </a>
              )}
            </li>
          ))}
        </ul>
      )}
      {alerts?.state?.error && <p class="failed">Last check failed: {alerts.state.error}</p>}
    </section>
  );
}

function ThisTab({ tab, loadHeadline, onEnableSite, onDisableSite }: PopupProps) {
  const [busy, setBusy] = useState(false);
  const [message, setMessage] = useState<string | null>(null);
  // Asked after the first render: a slow PostHog must not keep the whole popup blank.
  const [headline, setHeadline] = useState<ToolMetricsResponse | null>(null);
  useEffect(() => {
    void loadHeadline?.().then(setHeadline, (error: Error) =>
      setHeadline({ ok: false, error: { kind: 'extension', message: `Tool Lens lost touch with its background worker (${error.message}).` } }),
    );
  }, [loadHeadline]);
  if (!tab)
    return (
      <p data-testid="popup-tab-loading" class="muted">
        Looking at this tab…
      </p>
    );
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
      {tab.project && (
        <p class="muted" data-testid="popup-tab-project">
          This site shows project {tab.project}
        </p>
      )}
      {loadHeadline && !headline && (
        <p class="muted" data-testid="popup-headline-loading">
          Loading this tool's figures…
        </p>
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
          </a>
          <a href={headline.links.latencySql} target="_blank" rel="noopener noreferrer">
            Latency ↗
          </a>
          <a href={headline.links.errors} target="_blank" rel="noopener noreferrer">
            Errors ↗
          </a>
        </p>
      )}
      {headline?.ok && headline.stale && (
        <p class="failed" role="status" data-testid="popup-stale">
          Figures as of {formatTime(headline.metrics.asOf)}: {headline.stale.message}
        </p>
      )}
      {headline &&
        !headline.ok &&
        (headline.computing ? (
          <p class="muted" role="status" data-testid="popup-computing">
            PostHog is computing this tool's figures (an async query); the card shows them when they are ready.
          </p>
        ) : (
          <p class="failed" role="status" data-testid="popup-tab-error">
            {headline.error.message}
          </p>
        ))}
      <button type="button" class="link" onClick={() => void onDisableSite()}>
        Turn off on {tab.origin}
      </button>
    </div>
  );
}

/**
 * Support's lookup, here only in a browser with neither side panel nor sidebar: loaded when shown,
 * so the popup's first paint does not carry it (its answers' checks and summaries, zod among them).
 */
function LazyPersonLookup(props: PersonLookupProps) {
  const [Loaded, setLoaded] = useState<((p: PersonLookupProps) => preact.JSX.Element) | null>(null);
  useEffect(() => {
    void import('../lookup/PersonLookup').then((m) => setLoaded(() => m.PersonLookup));
  }, []);
  return Loaded ? <Loaded {...props} /> : null;
}

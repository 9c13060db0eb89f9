import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { browser } from 'wxt/browser';
import { OptionsForm, type OptionsFormProps } from '../../components/options/OptionsForm';
import { SettingsTransfer } from '../../components/options/SettingsTransfer';
import { SitesEditor } from '../../components/options/SitesEditor';
import { FirstRun } from '../../components/options/FirstRun';
import type { FirstRunDeps } from '../../components/options/useFirstRun';
import { newSite } from '../../lib/matching/toolMatch';
import { ToolUsageDashboard } from '../../components/popup/ToolUsageDashboard';
import { createSiteAccess } from '../../lib/pages/siteAccess';
import { runDashboardPort } from '../../lib/pages/dashboardPort';
import '../../components/pages.css';
import { sendRequest } from '../../lib/protocol/messaging';
import { DEFAULT_METRICS_OPTIONS, EMPTY_CONNECTION, HOSTS, postHogBaseUrl, settingsSchema, type Settings } from '../../lib/settings/settings';
import { exportSettings } from '../../lib/settings/transfer';
import { matchPatternFor } from '../../lib/matching/siteRegistration';
import { requestOrigins, requestPermission } from '../../lib/helpers/permissions';
import type { AutoMap, Site } from '../../lib/matching/toolMatch';
import { browserStore } from '../../lib/storage/browser';
import { autoMapItem, settingsItem, sitesItem } from '../../lib/storage/items';
import { lockedFields, parsePolicy, withPolicy, type ParsedPolicy } from '../../lib/policy/policy';
import { readManaged } from '../../lib/policy/managed';
import { PolicyProblems, PolicySites, PolicyWelcome } from '../../components/options/SetByOrganisation';
import '../../lib/model/zodMessages';

const store = browserStore();

async function saveSettings(settings: Settings) {
  // No PostHog host is granted at install: the one picked (US, EU or self-hosted) is asked for here,
  // in the click that saves it.
  const problem = await requestOrigins(
    browser.permissions,
    [matchPatternFor(postHogBaseUrl(settings))],
    'Tool Lens cannot reach this PostHog and the settings were not saved',
  );
  if (problem) throw new Error(problem);
  await store.set(settingsItem, settings);
}

/**
 * Stores the user's own site list with the permissions it needs, asked in the click that added the
 * sites; a host permission a site of the organisation's policy needs is never given back.
 */
const saveSites = createSiteAccess({
  store,
  permissions: browser.permissions,
  sitesInForce: async () => [...(await store.get(sitesItem)), ...(parsePolicy(await readManaged(browser.storage.managed)).policy.sites ?? [])],
}).save;

/** Stored settings, or as much of them as is usable: a bad value does not wipe the rest. */
function initialDraft(stored: unknown): OptionsFormProps['initial'] {
  const parsed = settingsSchema.safeParse(stored);
  if (parsed.success) return parsed.data;
  const raw = typeof stored === 'object' && stored !== null ? (stored as Record<string, unknown>) : {};
  const field = <K extends keyof Settings>(key: K, fallback: Settings[K]): Settings[K] => {
    const one = settingsSchema.safeParse({ ...EMPTY_CONNECTION, projectId: '1', apiKey: 'x', ...DEFAULT_METRICS_OPTIONS, [key]: raw[key] });
    return one.success ? one.data[key] : fallback;
  };
  const options = Object.fromEntries(
    (Object.keys(DEFAULT_METRICS_OPTIONS) as Array<keyof typeof DEFAULT_METRICS_OPTIONS>).map((key) => [key, field(key, DEFAULT_METRICS_OPTIONS[key])]),
  ) as typeof DEFAULT_METRICS_OPTIONS;
  return {
    host: typeof raw.host === 'string' && raw.host in HOSTS ? (raw.host as Settings['host']) : 'us',
    customHost: typeof raw.customHost === 'string' ? raw.customHost : '',
    projectId: typeof raw.projectId === 'string' ? raw.projectId : '',
    apiKey: typeof raw.apiKey === 'string' ? raw.apiKey : '',
    ...(raw.auth === 'signIn' ? { auth: 'signIn' as const } : {}),
    ...options,
  };
}

/** The request budget every HogQL query spends from (cards, triage, alerts), refreshed while the page is open. */
function Budget() {
  const [summary, setSummary] = useState<string | null>(null);
  useEffect(() => {
    const read = () =>
      void sendRequest({ type: 'budget/status' }).then(
        (b) => setSummary(b.summary),
        () => setSummary(null),
      );
    read();
    const timer = setInterval(read, 5000);
    return () => clearInterval(timer);
  }, []);
  return (
    <fieldset data-testid="budget">
      <legend>Request budget now</legend>
      <p class="help">
        What is left of the budget set above, shared by cards, the popup and alerts. When it is spent, Tool Lens shows cached figures and says so.
      </p>
      <p role="status">{summary ?? '…'}</p>
    </fieldset>
  );
}

/** Said at the top when the browser's storage refused what Tool Lens needed to keep (it is full). */
function StorageProblem() {
  const [problem, setProblem] = useState<string | null>(null);
  useEffect(
    () =>
      void sendRequest({ type: 'storage/status' }).then(
        (s) => setProblem(s.problem),
        () => undefined,
      ),
    [],
  );
  return problem ? (
    <p role="alert" class="field-error options" data-testid="storage-problem">
      {problem}
    </p>
  ) : null;
}

function OptionsPage({
  stored,
  initialSites,
  autoMap: initialAutoMap,
  managed,
}: {
  stored: unknown;
  initialSites: Site[];
  autoMap: AutoMap | null;
  managed: ParsedPolicy;
}) {
  const policySites = managed.policy.sites ?? [];
  // The user's own sites: those the policy lists are its, shown apart and not editable.
  const [sites, setSites] = useState(initialSites.filter((s) => !policySites.some((p) => p.origin === s.origin)));
  const [autoMap, setAutoMap] = useState(initialAutoMap);
  return (
    <>
      <StorageProblem />
      {stored === undefined && managed.policy.connection && managed.policy.projectId && (
        <PolicyWelcome signInOnly={managed.policy.signInOnly === true} sites={policySites.length} />
      )}
      <PolicyProblems problems={managed.problems} />
      <OptionsForm
        locked={lockedFields(managed.policy)}
        initial={initialDraft(withPolicy(stored, managed.policy))}
        onSave={saveSettings}
        onTest={() => sendRequest({ type: 'connection/test' })}
        onDetect={() => sendRequest({ type: 'schema/detect' })}
        onRequestNotifications={() => requestPermission(browser.permissions, 'notifications', 'notifications stay off')}
        onLoadGroupTypes={() => sendRequest({ type: 'groups/types' })}
        signIn={{
          signIn: async (candidate) => {
            // The host first, in the click (nothing is granted at install), then PostHog's sign-in window.
            const denied = await requestOrigins(browser.permissions, [matchPatternFor(postHogBaseUrl(candidate))], 'Tool Lens cannot reach this PostHog');
            if (denied) return { ok: false, error: { kind: 'not_configured', message: denied } };
            return sendRequest({ type: 'auth/sign-in', ...candidate });
          },
          signOut: async () => void (await sendRequest({ type: 'auth/sign-out' })),
        }}
      />
      <div class="options">
        <PolicySites
          origins={policySites.map((s) => s.origin)}
          onAllow={() =>
            requestOrigins(
              browser.permissions,
              policySites.map((s) => matchPatternFor(s.origin)),
              'the sites were not allowed',
            )
          }
        />
        <SitesEditor
          sites={sites}
          autoMap={autoMap}
          onChange={async (next) => {
            const problem = await saveSites(sites, next);
            if (!problem) setSites(next);
            return problem;
          }}
          onRefreshAutoMap={async () => {
            const answer = await sendRequest({ type: 'auto-map/refresh' });
            setAutoMap(await readAutoMap());
            return answer.ok ? `Auto-mapping refreshed: ${answer.paths} page paths.` : 'Auto-mapping could not be refreshed: check the connection above.';
          }}
        />
        <Budget />
        <fieldset data-testid="dashboard">
          <legend>Tool Usage dashboard</legend>
          <p class="help">
            Creates “Tool Usage Analytics” in your project (12 insights in 4 rows, in your data's property spelling), or updates the one Tool Lens created
            before.
          </p>
          <ToolUsageDashboard run={(onMessage) => runDashboardPort(browser.runtime, onMessage)} />
        </fieldset>
        <SettingsTransfer
          exportJson={async () => {
            const current = await store.get(settingsItem);
            return exportSettings(current.status === 'configured' ? current.settings : null, sites);
          }}
          stored={() => store.getRaw(settingsItem)}
          apply={async ({ settings, sites: imported }) => {
            // planImport kept the stored key (or sign-in) only if the file names the same host and project:
            // otherwise the worker signs out as the stored settings leave the sign-in.
            await store.set(settingsItem, settings);
            await store.set(sitesItem, imported);
            setSites(imported);
            const missing: string[] = [];
            for (const site of imported) if (!(await browser.permissions.contains({ origins: [matchPatternFor(site.origin)] }))) missing.push(site.origin);
            setTimeout(() => location.reload(), 1500);
            return missing.length
              ? `Tool Lens still needs permission for ${missing.join(', ')}: remove and add them again, or enable them from the popup.`
              : null;
          }}
        />
      </div>
    </>
  );
}

async function readAutoMap(): Promise<AutoMap | null> {
  return (await store.get(autoMapItem))?.map ?? null;
}

/** The first run's ways into the browser and the worker (components/options/useFirstRun.ts says what each step does). */
function firstRunDeps(sites: Site[]): FirstRunDeps {
  return {
    grantHost: (baseUrl) => requestOrigins(browser.permissions, [matchPatternFor(baseUrl)], 'Tool Lens cannot reach this PostHog'),
    listProjects: (candidate) => sendRequest({ type: 'onboarding/projects', ...candidate }),
    signIn: (candidate) => sendRequest({ type: 'auth/sign-in', ...candidate }),
    // The host was granted at the first step: saving asks for nothing more.
    saveSettings: (settings) => store.set(settingsItem, settings),
    detect: () => sendRequest({ type: 'schema/detect' }),
    proposeSites: () => sendRequest({ type: 'onboarding/sites' }),
    // No await before saveSites: Firefox takes a permission request only in the click's own turn.
    enableSites: (origins) => saveSites(sites, [...sites, ...origins.filter((o) => !sites.some((s) => s.origin === o)).map(newSite)]),
  };
}

async function start() {
  const app = document.getElementById('app')!;
  // Raw: a damaged value keeps what can be kept of it (initialDraft).
  const stored = await store.getRaw(settingsItem);
  // The organisation's policy (Chrome's managed storage, Firefox's policies.json): its values locked.
  const managed = parsePolicy(await readManaged(browser.storage.managed));
  const showAll = async () =>
    render(
      <OptionsPage stored={await store.getRaw(settingsItem)} initialSites={await store.get(sitesItem)} autoMap={await readAutoMap()} managed={managed} />,
      app,
    );
  // A policy that names the host and project leaves only the sign-in or key: the options, with the rest locked.
  const setByPolicy = Boolean(managed.policy.connection && managed.policy.projectId);
  // Nothing saved yet: the first run, step by step; afterwards (or when asked to) every option.
  if (stored === undefined && !setByPolicy && location.hash !== '#all')
    return render(<FirstRun deps={firstRunDeps(await store.get(sitesItem))} presetHost={managed.policy.connection} onDone={() => void showAll()} />, app);
  await showAll();
}

void start();

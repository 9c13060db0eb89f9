import { render } from 'preact';
import { browser } from 'wxt/browser';
import { Popup, type PopupProps, type TabState } from '../../components/popup/Popup';
import '../../components/pages.css';
import type { DashboardProgress, Request, ResponseFor } from '../../lib/protocol/messages';
import { settingsAtAGlance } from '../../lib/settings/hosts';
import { MATCHER_SCRIPT } from '../../lib/matching/siteConfig';

/**
 * The first paint carries only Preact, the popup's components and a glance at the stored connection
 * (settingsAtAGlance, no zod); the protocol, the stored items' schemas and the buttons' helpers
 * (./later.ts) load after it, and the full parse of the settings replaces the glance.
 */
let later: ReturnType<typeof loadLater> | null = null;
const loadLater = () => import('./later');
const lib = () => (later ??= loadLater());
const sendRequest = <R extends Request>(request: R): Promise<ResponseFor<R['type']>> => lib().then((l) => l.sendRequest(request));
type Later = Awaited<ReturnType<typeof loadLater>>;
/**
 * `stored`: what this browser stored (the user's own sites are written there). `inForce`: settings and
 * sites as the worker uses them, the organisation's policy over what is stored.
 */
let opened: { stored: ReturnType<Later['browserStore']>; inForce: ReturnType<Later['storeWithPolicy']> } | null = null;
const store = () =>
  lib().then((l) => {
    if (!opened) {
      const stored = l.browserStore();
      opened = { stored, inForce: l.storeWithPolicy(stored, l.createPolicySource(browser.storage.managed)) };
    }
    return { l, ...opened };
  });
const sites = async () => {
  const { l, inForce } = await store();
  return inForce.get(l.sitesItem);
};

const createToolUsage = (onMessage: (m: DashboardProgress) => void) => void lib().then((l) => l.runDashboardPort(browser.runtime, onMessage));

async function start() {
  // The shell renders as soon as the stored connection is read (a glance, no zod: see above); the
  // full settings, the tab, the cached dashboards and the alerts fill in as each answer lands, so a
  // sleeping worker never keeps the popup blank.
  const tabQuery = browser.tabs.query({ active: true, currentWindow: true }).then(([t]) => t);
  // Nothing stored may still be a connection the organisation's policy sets: the full read tells.
  const glance = settingsAtAGlance((await browser.storage.local.get('settings')).settings);
  let settings: PopupProps['settings'] | null = glance?.status === 'missing' ? null : glance;
  const loaded: Pick<PopupProps, 'tab' | 'dashboards' | 'alerts' | 'loadHeadline' | 'storageProblem' | 'personLookup'> = {
    tab: null,
    dashboards: undefined,
    alerts: undefined,
    loadHeadline: null,
    storageProblem: null,
  };
  const fill = (part: Partial<typeof loaded>) => {
    Object.assign(loaded, part);
    paint();
  };

  /** The side panel (Chrome) or sidebar (Firefox) hosts the lookup; without either, the popup does. */
  function personLookup(
    tab: { id?: number; windowId?: number } | undefined,
    tool: string,
    path: ReturnType<Later['lookupPagePath']>,
  ): PopupProps['personLookup'] {
    const api = browser as unknown as {
      sidePanel?: { setOptions(o: object): Promise<void>; open(o: object): Promise<void> };
      sidebarAction?: { setPanel(o: object): Promise<void>; open(): Promise<void> };
    };
    if (api.sidePanel && tab?.id !== undefined) {
      const tabId = tab.id;
      return {
        kind: 'panel',
        open: () =>
          void Promise.all([api.sidePanel!.setOptions({ tabId, path, enabled: true }), api.sidePanel!.open({ tabId })]).then(
            () => window.close(),
            () => undefined,
          ),
      };
    }
    if (api.sidebarAction && tab?.id !== undefined) {
      const tabId = tab.id;
      return {
        kind: 'panel',
        open: () =>
          void Promise.all([api.sidebarAction!.setPanel({ tabId, panel: browser.runtime.getURL(`/${path}`) }), api.sidebarAction!.open()]).then(
            () => window.close(),
            () => undefined,
          ),
      };
    }
    return { kind: 'inline', tool, lookUp: (q) => sendRequest({ type: 'person/lookup', ...q }), copy: (text) => navigator.clipboard.writeText(text) };
  }

  async function enableSite(): Promise<string | null> {
    const [tab, { l, stored, inForce }] = await Promise.all([tabQuery, store()]);
    const origin = tab?.url ? l.originOf(tab.url) : null;
    if (!origin || tab?.id === undefined) return null;
    // Asked now, on the user's click, for this origin only; written to the user's own list.
    const problem = await l.createSiteAccess({ store: stored, permissions: browser.permissions, sitesInForce: () => inForce.get(l.sitesItem) }).enable(origin);
    if (problem) return problem;
    await browser.scripting.executeScript({ target: { tabId: tab.id }, files: [`/${MATCHER_SCRIPT}`] }).catch(() => undefined);
    window.close();
    return null;
  }

  async function disableSite() {
    const [tab, { l, stored, inForce }] = await Promise.all([tabQuery, store()]);
    const origin = tab?.url ? l.originOf(tab.url) : null;
    if (!origin) return;
    // The permission goes back too, unless another site in force shares it (ports share a match
    // pattern; the policy's sites stay whatever is stored).
    await l.createSiteAccess({ store: stored, permissions: browser.permissions, sitesInForce: () => inForce.get(l.sitesItem) }).disable(origin);
    if (tab?.id !== undefined) await browser.tabs.reload(tab.id);
    window.close();
  }

  // Callbacks are made once, so a repaint does not hand the sections new loaders (and re-run them).
  const loadConnection = () => sendRequest({ type: 'connection/status' });
  const loadDashboards = () => sendRequest({ type: 'dashboards/list', refresh: true });
  const checkAlerts = () => sendRequest({ type: 'alerts/get', check: true });
  const loadRanking = () => sendRequest({ type: 'ranking/get', range: '7d' });
  const openDashboard: PopupProps['openDashboard'] = (d) => {
    void sendRequest({ type: 'dashboards/opened', id: d.id });
    void browser.tabs.create({ url: d.url });
  };
  const openOptions = () => void browser.runtime.openOptionsPage().then(() => window.close());
  function paint() {
    if (!settings) return; // the glance could not tell: the full parse paints
    render(
      <Popup
        settings={settings}
        {...loaded}
        loadConnection={loadConnection}
        loadDashboards={loadDashboards}
        openDashboard={openDashboard}
        checkAlerts={checkAlerts}
        loadRanking={loadRanking}
        createToolUsage={(onMessage) => void createToolUsage(onMessage)}
        onOpenOptions={openOptions}
        onEnableSite={enableSite}
        onDisableSite={disableSite}
      />,
      document.getElementById('app')!,
    );
  }
  paint();

  // The rest a task after that paint: the protocol, and the settings' full parse, whose verdict wins.
  await new Promise((done) => setTimeout(done, 0));
  const { l, inForce } = await store();
  const cachedDashboards = sendRequest({ type: 'dashboards/list' }).catch(() => null);
  const cachedAlerts = sendRequest({ type: 'alerts/get' }).catch(() => null);
  const storage = sendRequest({ type: 'storage/status' }).catch(() => null);
  const full = await inForce.get(l.settingsItem);
  settings = full;
  paint();
  void cachedDashboards.then((dashboards) => fill({ dashboards }));
  void cachedAlerts.then((alerts) => fill({ alerts }));
  void storage.then((answer) => fill({ storageProblem: answer?.problem ?? null }));
  void tabQuery.then(async (tab) => {
    const origin = tab?.url ? l.originOf(tab.url) : null;
    const site = origin ? (await sites()).find((s) => s.origin === origin) : undefined;
    const enabled = site !== undefined;
    const status = enabled && tab?.id !== undefined ? await l.sendToTab(tab.id, { type: 'card/status' }) : null;
    const tabState: TabState = !origin
      ? { kind: 'unsupported' }
      : enabled
        ? { kind: 'enabled', origin, tool: status?.tool ?? null, detail: status?.detail ?? null, hidden: status?.hidden ?? false, project: site?.project }
        : { kind: 'disabled', origin };
    const tool = tabState.kind === 'enabled' && full.status === 'configured' ? tabState.tool : null;
    // The tab's site may name its own project: the headline asks about that one.
    fill({
      tab: tabState,
      loadHeadline: tool ? () => sendRequest({ type: 'tool-metrics/get', tool, range: '7d', ...(origin ? { origin } : {}) }) : null,
      personLookup: personLookup(tab, tool ?? '', l.lookupPagePath(tool ?? '', '7d')),
    });
  });
}

void start();

import { render } from 'preact';
import { browser } from 'wxt/browser';
import { Popup, type PopupProps, type TabState } from '../../components/popup/Popup';
import '../../components/pages.css';
import { DASHBOARD_PORT, dashboardProgressSchema, type DashboardProgress } from '../../lib/protocol/messages';
import { sendRequest, sendToTab } from '../../lib/protocol/messaging';
import { matchPatternFor } from '../../lib/matching/sites';
import { requestOrigins } from '../../lib/helpers/permissions';
import { newSite, originOf } from '../../lib/matching/toolMatch';
import { browserStore } from '../../lib/storage/browser';
import { lookupPagePath } from '../../lib/helpers/lookupPage';
import { settingsItem, sitesItem } from '../../lib/storage/items';
import { createPolicySource, storeWithPolicy } from '../../lib/policy/managed';

// Settings and sites as the worker uses them: the organisation's policy over what is stored.
// Writes go to what is stored: the policy's sites stay the policy's.
const stored = browserStore();
const store = storeWithPolicy(stored, createPolicySource(browser.storage.managed));
const sites = () => store.get(sitesItem);

function createToolUsage(onMessage: (m: DashboardProgress) => void) {
  const port = browser.runtime.connect({ name: DASHBOARD_PORT });
  port.onMessage.addListener((raw: unknown) => {
    const parsed = dashboardProgressSchema.safeParse(raw);
    if (!parsed.success) return;
    onMessage(parsed.data);
    if (parsed.data.type === 'done') port.disconnect();
  });
  port.onDisconnect.addListener(() => onMessage({ type: 'done', ok: false, url: null, created: false, failed: 0, message: 'The Tool Lens worker stopped before finishing; try again.' }));
}

async function start() {
  // The shell renders as soon as the settings are read; the tab, the cached dashboards and the
  // alerts fill in as each answer lands, so a sleeping worker never keeps the popup blank.
  const tabQuery = browser.tabs.query({ active: true, currentWindow: true }).then(([t]) => t);
  const cachedDashboards = sendRequest({ type: 'dashboards/list' }).catch(() => null);
  const cachedAlerts = sendRequest({ type: 'alerts/get' }).catch(() => null);
  const storage = sendRequest({ type: 'storage/status' }).catch(() => null);
  const settings = await store.get(settingsItem);
  const loaded: Pick<PopupProps, 'tab' | 'dashboards' | 'alerts' | 'loadHeadline' | 'storageProblem' | 'personLookup'> = { tab: null, dashboards: undefined, alerts: undefined, loadHeadline: null, storageProblem: null };
  const fill = (part: Partial<typeof loaded>) => {
    Object.assign(loaded, part);
    paint();
  };
  void cachedDashboards.then((dashboards) => fill({ dashboards }));
  void cachedAlerts.then((alerts) => fill({ alerts }));
  void storage.then((answer) => fill({ storageProblem: answer?.problem ?? null }));
  void tabQuery.then(async (tab) => {
    const origin = tab?.url ? originOf(tab.url) : null;
    const site = origin ? (await sites()).find((s) => s.origin === origin) : undefined;
    const enabled = site !== undefined;
    const status = enabled && tab?.id !== undefined ? await sendToTab(tab.id, { type: 'card/status' }) : null;
    const tabState: TabState = !origin
      ? { kind: 'unsupported' }
      : enabled
        ? { kind: 'enabled', origin, tool: status?.tool ?? null, detail: status?.detail ?? null, hidden: status?.hidden ?? false, project: site?.project }
        : { kind: 'disabled', origin };
    const tool = tabState.kind === 'enabled' && settings.status === 'configured' ? tabState.tool : null;
    fill({ tab: tabState, loadHeadline: tool ? () => sendRequest({ type: 'tool-metrics/get', tool, range: '7d', ...(origin ? { origin } : {}) }) : null, personLookup: personLookup(tab, tool ?? '') });
  });

  /** The side panel (Chrome) or sidebar (Firefox) hosts the lookup; without either, the popup does. */
  function personLookup(tab: { id?: number; windowId?: number } | undefined, tool: string): PopupProps['personLookup'] {
    const api = browser as unknown as { sidePanel?: { setOptions(o: object): Promise<void>; open(o: object): Promise<void> }; sidebarAction?: { setPanel(o: object): Promise<void>; open(): Promise<void> } };
    const path = lookupPagePath(tool, '7d');
    if (api.sidePanel && tab?.id !== undefined) {
      const tabId = tab.id;
      return { kind: 'panel', open: () => void Promise.all([api.sidePanel!.setOptions({ tabId, path, enabled: true }), api.sidePanel!.open({ tabId })]).then(() => window.close(), () => undefined) };
    }
    if (api.sidebarAction && tab?.id !== undefined) {
      const tabId = tab.id;
      return { kind: 'panel', open: () => void Promise.all([api.sidebarAction!.setPanel({ tabId, panel: browser.runtime.getURL(`/${path}`) }), api.sidebarAction!.open()]).then(() => window.close(), () => undefined) };
    }
    return { kind: 'inline', tool, lookUp: (q) => sendRequest({ type: 'person/lookup', ...q }), copy: (text) => navigator.clipboard.writeText(text) };
  }

  async function enableSite(): Promise<string | null> {
    const tab = await tabQuery;
    const origin = tab?.url ? originOf(tab.url) : null;
    if (!origin || tab?.id === undefined) return null;
    // Asked now, on the user's click, for this origin only.
    const problem = await requestOrigins(browser.permissions, [matchPatternFor(origin)], `Tool Lens cannot look for tool pages on ${origin}`);
    if (problem) return problem;
    await stored.set(sitesItem, [...(await stored.get(sitesItem)), newSite(origin)]);
    await browser.scripting.executeScript({ target: { tabId: tab.id }, files: ['/content-scripts/content.js'] }).catch(() => undefined);
    window.close();
    return null;
  }

  async function disableSite() {
    const tab = await tabQuery;
    const origin = tab?.url ? originOf(tab.url) : null;
    if (!origin) return;
    const remaining = (await stored.get(sitesItem)).filter((s) => s.origin !== origin);
    await store.set(sitesItem, remaining);
    // Give the permission back unless another enabled site shares it (ports share a match pattern).
    const pattern = matchPatternFor(origin);
    // …the policy's sites included: they stay whatever is stored.
    if (!(await sites()).some((s) => matchPatternFor(s.origin) === pattern)) await browser.permissions.remove({ origins: [pattern] }).catch(() => false);
    if (tab?.id !== undefined) await browser.tabs.reload(tab.id);
    window.close();
  }

  // Callbacks are made once, so a repaint does not hand the sections new loaders (and re-run them).
  const loadConnection = () => sendRequest({ type: 'connection/status' });
  const loadDashboards = () => sendRequest({ type: 'dashboards/list', refresh: true });
  const checkAlerts = () => sendRequest({ type: 'alerts/get', check: true });
  const loadRanking = () => sendRequest({ type: 'ranking/get', range: '7d' });
  const paint = () =>
    render(
      <Popup
        settings={settings}
        {...loaded}
        loadConnection={loadConnection}
        loadDashboards={loadDashboards}
        openDashboard={(d) => {
          void sendRequest({ type: 'dashboards/opened', id: d.id });
          void browser.tabs.create({ url: d.url });
        }}
        checkAlerts={checkAlerts}
        loadRanking={loadRanking}
        createToolUsage={createToolUsage}
        onOpenOptions={() => void browser.runtime.openOptionsPage().then(() => window.close())}
        onEnableSite={enableSite}
        onDisableSite={disableSite}
      />,
      document.getElementById('app')!,
    );
  paint();
}

void start();

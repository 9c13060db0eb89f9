import { browser } from 'wxt/browser';
import { readCardPrefs, writeCardPrefs } from '../lib/card/prefs';
import { createRequestBudget } from '../lib/posthog/budget';
import { buildLatencyQuery } from '../lib/card/query';
import { cardLinks } from '../lib/posthog/deepLinks';
import { DASHBOARD_PORT, type AlertsResponse, type DashboardProgress, type ToolMetricsResponse } from '../lib/protocol/messages';
import { createMessageListener } from '../lib/protocol/messaging';
import { createProjectService } from '../lib/project/service';
import { createMetricsService } from '../lib/card/service';
import { describeSettingsChange } from '../lib/settings/change';
import { createRetryAfter } from '../lib/posthog/retryAfter';
import { postHogBaseUrl } from '../lib/settings/settings';
import { AUTO_MAP_MAX_AGE_MS, CONTENT_SCRIPT_ID, siteConfigs, syncRegistration, type RegistrationApi } from '../lib/matching/sites';
import { browserStore } from '../lib/storage/browser';
import { autoMapItem, cachedFigures, settingsItem, siteRules, sitesItem } from '../lib/storage/items';

type AccessLevelArea = { setAccessLevel?: (o: { accessLevel: string }) => Promise<void> };

export default defineBackground(() => {
  // The key lives in storage.local: keep that area out of content scripts' reach (Chrome only).
  // storage.session holds only what content scripts need: each enabled site's rules.
  void (browser.storage.local as AccessLevelArea).setAccessLevel?.({ accessLevel: 'TRUSTED_CONTEXTS' }).catch(() => undefined);
  void (browser.storage.session as AccessLevelArea).setAccessLevel?.({ accessLevel: 'TRUSTED_AND_UNTRUSTED_CONTEXTS' }).catch(() => undefined);

  // Everything kept goes through the declared items (lib/storage/items.ts): figures are cached in
  // storage.local so a restarted worker (or browser) answers at once, keyed by a fingerprint of the
  // settings so a new host, project or key starts afresh.
  const store = browserStore();
  const loadSettings = () => store.get(settingsItem);
  // One request budget for everything that asks PostHog: cards, triage, auto-mapping, popup, alerts.
  const budget = createRequestBudget({
    store,
    // Read at every request, so a budget changed in the options applies without restarting the worker.
    options: async () => {
      const state = await loadSettings();
      return state.status === 'configured' ? state.settings.requestBudget : undefined;
    },
  });
  // And one Retry-After: a 429 on any of them holds all of them back.
  const retryAfter = createRetryAfter({ store });
  const service = createMetricsService({ loadSettings, store, budget, retryAfter });
  const project = createProjectService({ loadSettings, store, budget, retryAfter });

  const registration: RegistrationApi = {
    registered: async () => (await browser.scripting.getRegisteredContentScripts({ ids: [CONTENT_SCRIPT_ID] }))[0]?.matches ?? null,
    register: (matches) =>
      browser.scripting.registerContentScripts([{ id: CONTENT_SCRIPT_ID, matches, js: ['content-scripts/content.js'], runAt: 'document_end', persistAcrossSessions: true }]),
    update: (matches) => browser.scripting.updateContentScripts([{ id: CONTENT_SCRIPT_ID, matches, js: ['content-scripts/content.js'] }]),
    unregister: () => browser.scripting.unregisterContentScripts({ ids: [CONTENT_SCRIPT_ID] }),
    hasPermission: (pattern) => browser.permissions.contains({ origins: [pattern] }),
  };

  /**
   * Auto-mapping table: reused for a day, asked of PostHog again after that or for another project.
   * When PostHog cannot answer (a revoked key, an outage) the last table of the same project stays,
   * so tool pages keep their card and it can say what is wrong.
   */
  async function autoMap(force = false) {
    const stored = await store.get(autoMapItem);
    const project = await service.projectKey();
    if (!project) return null;
    const sameProject = stored?.settings === project;
    if (!force && stored && sameProject && Date.now() - stored.at < AUTO_MAP_MAX_AGE_MS) return stored.map;
    const fresh = await service.fetchAutoMap();
    if (!fresh) return sameProject ? stored.map : null;
    await store.set(autoMapItem, { at: Date.now(), settings: fresh.settings, map: fresh.map });
    return fresh.map;
  }

  /** Brings the registration and the published site rules in line with the stored sites. */
  let syncing: Promise<void> = Promise.resolve();
  function syncSites(forceAutoMap = false) {
    syncing = syncing.then(async () => {
      const sites = await store.get(sitesItem);
      await syncRegistration(sites, registration).catch((error) => console.warn('Tool Lens: content script registration failed', error));
      const map = sites.some((s) => s.autoMap) ? await autoMap(forceAutoMap) : null;
      const { entries, remove } = siteConfigs(sites, map, await store.entryIds(siteRules));
      if (remove.length) await store.removeEntries(siteRules, remove);
      await store.setEntries(siteRules, entries);
    });
    return syncing;
  }
  void syncSites();
  browser.alarms?.create('auto-map', { periodInMinutes: 24 * 60 });
  browser.alarms?.onAlarm.addListener((alarm) => {
    if (alarm.name === 'auto-map') void syncSites(true);
  });

  // Alerts: one query for every tool on a timer; tools over a threshold show on the icon badge,
  // on their card, and (if the user turned it on) as a system notification.
  // The worker wakes often (MV3): only a settings change, or never having checked, runs a check at once.
  async function scheduleAlerts(checkNow: boolean) {
    const settings = await loadSettings();
    if (settings.status !== 'configured') {
      await browser.alarms?.clear('alerts');
      return;
    }
    const every = settings.settings.alertEveryMinutes;
    if ((await browser.alarms?.get('alerts'))?.periodInMinutes !== every) browser.alarms?.create('alerts', { delayInMinutes: every, periodInMinutes: every });
    if (checkNow || !(await project.alertState())) await checkAlerts();
  }
  async function checkAlerts(refresh = false) {
    const before = new Set((await project.alertState())?.tools.map((t) => t.tool) ?? []);
    const state = await project.checkAlerts(refresh);
    const count = state?.tools.length ?? 0;
    await browser.action.setBadgeText({ text: count ? String(count) : '' });
    await browser.action.setBadgeBackgroundColor({ color: '#c0262d' });
    await browser.action.setTitle({ title: count ? `Tool Lens: ${count} tool${count > 1 ? 's' : ''} over a threshold` : 'Tool Lens' });
    const settings = await loadSettings();
    if (!state || settings.status !== 'configured' || !settings.settings.alertNotifications || !browser.notifications) return state;
    for (const tool of state.tools.filter((t) => !before.has(t.tool))) {
      await browser.notifications
        .create(`tool-lens:${tool.tool}`, { type: 'basic', iconUrl: browser.runtime.getURL('/icon/128.png'), title: `${tool.tool} is over a threshold`, message: tool.reasons.join('; ') })
        .catch(() => undefined);
    }
    return state;
  }
  browser.notifications?.onClicked.addListener(async (id) => {
    if (!id.startsWith('tool-lens:')) return;
    const link = (await alertLinks([id.slice('tool-lens:'.length)]))[id.slice('tool-lens:'.length)];
    if (link) await browser.tabs.create({ url: link.page ?? link.posthog });
  });
  /** Where to go for each tool: its page on an enabled site (by auto-mapping), and its failures in PostHog. */
  async function alertLinks(tools: string[]): Promise<AlertsResponse['links']> {
    const settings = await loadSettings();
    if (settings.status !== 'configured') return {};
    const stored = await store.get(autoMapItem);
    const origin = (await store.get(sitesItem))[0]?.origin ?? null;
    const links: AlertsResponse['links'] = {};
    for (const tool of tools) {
      const path = stored ? Object.entries(stored.map).find(([, t]) => t === tool)?.[0] : undefined;
      const input = { tool, range: '1h' as const, options: settings.settings };
      links[tool] = {
        page: origin && path && !path.includes(':id') ? `${origin}${path}` : null,
        posthog: cardLinks(postHogBaseUrl(settings.settings), settings.settings.projectId, tool, '1h', settings.settings, buildLatencyQuery(input)).errors,
      };
    }
    return links;
  }
  /**
   * The card computes seed 000's two rules from its own fresh figures; rules the user added
   * (p95, failure rate) come from the last alert check and join its banner.
   */
  async function withAlerts(response: ToolMetricsResponse): Promise<ToolMetricsResponse> {
    if (!response.ok) return response;
    const trouble = (await project.alertState())?.tools.find((t) => t.tool === response.metrics.tool);
    const extra = trouble?.reasons.filter((_, i) => !['failures_last_hour', 'mean_duration_s'].includes(trouble.metrics[i] ?? '')) ?? [];
    if (!extra.length) return response;
    const health = response.metrics.health;
    return { ...response, metrics: { ...response.metrics, health: { ...health, status: 'alert', reasons: [...health.reasons, ...extra] } } };
  }
  void scheduleAlerts(false);
  browser.alarms?.onAlarm.addListener((alarm) => {
    if (alarm.name === 'alerts') void checkAlerts();
  });

  // Creating the Tool Usage dashboard reports each step over a port, so the page can show progress.
  browser.runtime.onConnect.addListener((port) => {
    // Only the extension's own pages (popup, options; they may sit in a tab), never a content script.
    if (port.name !== DASHBOARD_PORT || port.sender?.id !== browser.runtime.id || !port.sender.url?.startsWith(browser.runtime.getURL('/'))) return;
    const post = (message: DashboardProgress) => port.postMessage(message);
    void project
      .ensureDashboard((p) => {
        if (p.type === 'dashboard') post({ type: 'progress', text: `${p.action === 'created' ? 'Created' : 'Found'} dashboard “${p.name}”`, failed: false });
        else if (p.type === 'insight') post({ type: 'progress', text: `${p.index + 1}/${p.total} ${p.name}: ${p.action}${p.error ? ` — ${p.error}` : ''}`, failed: p.action === 'failed' });
        else post({ type: 'progress', text: `Layout ${p.action} (${p.tiles} tiles)${p.error ? ` — ${p.error}` : ''}`, failed: p.action === 'failed' });
      })
      .then((answer) =>
        post(
          answer.ok
            ? { type: 'done', ok: answer.result.failed === 0, url: answer.result.url, created: answer.result.created, failed: answer.result.failed, message: answer.result.failed ? `${answer.result.failed} insight(s) failed: see above.` : answer.result.created ? 'Dashboard created.' : 'Dashboard updated.' }
            : { type: 'done', ok: false, url: null, created: false, failed: 0, message: answer.error.message },
        ),
      )
      .catch((error: unknown) => post({ type: 'done', ok: false, url: null, created: false, failed: 0, message: String(error) }));
  });

  store.watch(settingsItem, (value, old) => {
    const change = describeSettingsChange(old, value);
    // Old cached figures belong to old settings: drop them when a setting they depend on changes.
    if (change.dropFigures) {
      service.forgetAnswers();
      void dropCachedFigures();
    }
    if (change.forgetRetryAfter) retryAfter.forget();
    // The alarm follows the period in any case; a PostHog request only when the check would differ.
    void scheduleAlerts(change.checkAlertsNow);
    void syncSites();
  });
  store.watch(sitesItem, () => void syncSites());
  browser.permissions.onRemoved?.addListener(() => void syncSites());
  async function dropCachedFigures() {
    const ids = await store.entryIds(cachedFigures);
    if (ids.length) await store.removeEntries(cachedFigures, ids);
  }

  browser.runtime.onMessage.addListener(
    createMessageListener({ id: browser.runtime.id, pagesUrl: browser.runtime.getURL('/') }, async (request, sender) => {
      switch (request.type) {
        case 'tool-metrics/get':
          return withAlerts(await service.getToolMetrics(request.tool, request.range, request.refresh));
        case 'dashboards/list': {
          if (!request.refresh) {
            const cached = await project.cachedDashboards();
            if (cached) return { ok: true, fromCache: true, ...cached };
          }
          const answer = await project.fetchDashboards();
          return answer.ok ? { ...answer, fromCache: false } : answer;
        }
        case 'dashboards/opened':
          await project.dashboardOpened(request.id);
          return { ok: true };
        case 'alerts/get': {
          const state = request.check ? await checkAlerts(true) : await project.alertState();
          return { state, links: await alertLinks(state?.tools.map((t) => t.tool) ?? []) };
        }
        case 'connection/status':
          return project.connectionStatus();
        case 'budget/status':
          return service.budgetStatus();
        case 'triage/get':
          return service.getTriage(request.tool, request.range);
        case 'card-prefs/get':
          return { prefs: await readCardPrefs(store, request.origin) };
        case 'card-prefs/set':
          return { prefs: await writeCardPrefs(store, request.origin, request.prefs) };
        case 'site/config': {
          await syncSites();
          const enabled = (await store.get(sitesItem)).some((s) => s.origin === request.origin);
          return { config: enabled ? await store.getEntry(siteRules, request.origin) : null };
        }
        case 'auto-map/refresh': {
          await syncSites(true);
          const stored = await store.get(autoMapItem);
          return { ok: stored !== null, paths: stored ? Object.keys(stored.map).length : 0 };
        }
        case 'connection/test':
          return service.testConnection();
        case 'schema/detect':
          return service.detectProjectSchema();
        case 'options/open':
          await browser.runtime.openOptionsPage();
          return { ok: true };
        case 'card/inject': {
          // The card (Preact, components, CSS) runs only on tool pages: the content script asks for it there.
          const tabId = sender.tab?.id;
          if (tabId === undefined) return { ok: false };
          await browser.scripting.executeScript({ target: { tabId, frameIds: [sender.frameId ?? 0] }, files: ['/card.js'] });
          return { ok: true };
        }
      }
    }),
  );

  // The keyboard command shows, collapses or expands the card in the active tab.
  browser.commands?.onCommand.addListener(async (command) => {
    if (command !== 'toggle-card') return;
    const [tab] = await browser.tabs.query({ active: true, currentWindow: true });
    if (tab?.id !== undefined) await browser.tabs.sendMessage(tab.id, { type: 'card/toggle' }).catch(() => undefined);
  });
});

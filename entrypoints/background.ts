import { browser } from 'wxt/browser';
import { CARD_PREFS_KEY, readCardPrefs, writeCardPrefs, type PrefsStorage } from '../lib/cardPrefs';
import { createMessageListener } from '../lib/messaging';
import { createMetricsService, type CacheStore } from '../lib/metricsService';
import { parseStoredSettings, SETTINGS_KEY } from '../lib/settings';
import {
  AUTO_MAP_KEY,
  AUTO_MAP_MAX_AGE_MS,
  CONTENT_SCRIPT_ID,
  parseSites,
  siteConfigKey,
  siteConfigs,
  SITES_KEY,
  storedAutoMapSchema,
  syncRegistration,
  type RegistrationApi,
} from '../lib/sites';

type AccessLevelArea = { setAccessLevel?: (o: { accessLevel: string }) => Promise<void> };

export default defineBackground(() => {
  // The key lives in storage.local: keep that area out of content scripts' reach (Chrome only).
  // storage.session holds only what content scripts need: each enabled site's rules.
  void (browser.storage.local as AccessLevelArea).setAccessLevel?.({ accessLevel: 'TRUSTED_CONTEXTS' }).catch(() => undefined);
  void (browser.storage.session as AccessLevelArea).setAccessLevel?.({ accessLevel: 'TRUSTED_AND_UNTRUSTED_CONTEXTS' }).catch(() => undefined);

  // Figures are cached in storage.local so a restarted worker (or browser) answers at once.
  // Entries are keyed by a fingerprint of the settings: a new host, project or key starts afresh.
  const cache: CacheStore = {
    get: async (key) => (await browser.storage.local.get(key))[key],
    set: (key, value) => browser.storage.local.set({ [key]: value }),
  };
  const prefsStorage: PrefsStorage = {
    get: async () => (await browser.storage.local.get(CARD_PREFS_KEY))[CARD_PREFS_KEY],
    set: (value) => browser.storage.local.set({ [CARD_PREFS_KEY]: value }),
  };
  const service = createMetricsService({
    loadSettings: async () => parseStoredSettings((await browser.storage.local.get(SETTINGS_KEY))[SETTINGS_KEY]),
    cache,
  });

  const registration: RegistrationApi = {
    registered: async () => (await browser.scripting.getRegisteredContentScripts({ ids: [CONTENT_SCRIPT_ID] }))[0]?.matches ?? null,
    register: (matches) =>
      browser.scripting.registerContentScripts([{ id: CONTENT_SCRIPT_ID, matches, js: ['content-scripts/content.js'], runAt: 'document_idle', persistAcrossSessions: true }]),
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
    const stored = storedAutoMapSchema.safeParse((await browser.storage.local.get(AUTO_MAP_KEY))[AUTO_MAP_KEY]);
    const project = await service.projectKey();
    if (!project) return null;
    const sameProject = stored.success && stored.data.settings === project;
    if (!force && sameProject && Date.now() - stored.data.at < AUTO_MAP_MAX_AGE_MS) return stored.data.map;
    const fresh = await service.fetchAutoMap();
    if (!fresh) return sameProject ? stored.data.map : null;
    await browser.storage.local.set({ [AUTO_MAP_KEY]: { at: Date.now(), settings: fresh.settings, map: fresh.map } });
    return fresh.map;
  }

  /** Brings the registration and the published site rules in line with the stored sites. */
  let syncing: Promise<void> = Promise.resolve();
  function syncSites(forceAutoMap = false) {
    syncing = syncing.then(async () => {
      const sites = parseSites((await browser.storage.local.get(SITES_KEY))[SITES_KEY]);
      await syncRegistration(sites, registration).catch((error) => console.warn('Tool Lens: content script registration failed', error));
      const map = sites.some((s) => s.autoMap) ? await autoMap(forceAutoMap) : null;
      const { entries, remove } = siteConfigs(sites, map, Object.keys(await browser.storage.session.get(null)));
      if (remove.length) await browser.storage.session.remove(remove);
      await browser.storage.session.set(entries);
    });
    return syncing;
  }
  void syncSites();
  browser.alarms?.create('auto-map', { periodInMinutes: 24 * 60 });
  browser.alarms?.onAlarm.addListener((alarm) => {
    if (alarm.name === 'auto-map') void syncSites(true);
  });

  browser.storage.onChanged.addListener((changes, area) => {
    if (area !== 'local') return;
    // Old cached figures belong to old settings: drop them when the settings change.
    if (SETTINGS_KEY in changes) void dropCachedFigures();
    if (SETTINGS_KEY in changes || SITES_KEY in changes) void syncSites();
  });
  browser.permissions.onRemoved?.addListener(() => void syncSites());
  async function dropCachedFigures() {
    const keys = Object.keys(await browser.storage.local.get(null)).filter((k) => k.startsWith('metrics:'));
    if (keys.length) await browser.storage.local.remove(keys);
  }

  browser.runtime.onMessage.addListener(
    createMessageListener(browser.runtime.id, async (request) => {
      switch (request.type) {
        case 'tool-metrics/get':
          return service.getToolMetrics(request.tool, request.range, request.refresh);
        case 'triage/get':
          return service.getTriage(request.tool, request.range);
        case 'card-prefs/get':
          return { prefs: await readCardPrefs(prefsStorage, request.origin) };
        case 'card-prefs/set':
          return { prefs: await writeCardPrefs(prefsStorage, request.origin, request.prefs) };
        case 'site/config': {
          await syncSites();
          const key = siteConfigKey(request.origin);
          const { entries } = siteConfigs(parseSites((await browser.storage.local.get(SITES_KEY))[SITES_KEY]), null, []);
          return { config: key in entries ? ((await browser.storage.session.get(key))[key] ?? null) : null };
        }
        case 'auto-map/refresh': {
          await syncSites(true);
          const stored = storedAutoMapSchema.safeParse((await browser.storage.local.get(AUTO_MAP_KEY))[AUTO_MAP_KEY]);
          return { ok: stored.success, paths: stored.success ? Object.keys(stored.data.map).length : 0 };
        }
        case 'connection/test':
          return service.testConnection();
        case 'schema/detect':
          return service.detectProjectSchema();
        case 'options/open':
          await browser.runtime.openOptionsPage();
          return { ok: true };
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

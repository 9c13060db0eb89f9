import { browser } from 'wxt/browser';
import { CARD_PREFS_KEY, readCardPrefs, writeCardPrefs, type PrefsStorage } from '../lib/cardPrefs';
import { createMessageListener } from '../lib/messaging';
import { createMetricsService, type CacheStore } from '../lib/metricsService';
import { parseStoredSettings, SETTINGS_KEY } from '../lib/settings';

export default defineBackground(() => {
  // The key lives in storage.local: keep that area out of content scripts' reach (Chrome only).
  const local = browser.storage.local as typeof browser.storage.local & { setAccessLevel?: (o: { accessLevel: string }) => Promise<void> };
  void local.setAccessLevel?.({ accessLevel: 'TRUSTED_CONTEXTS' }).catch(() => undefined);

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
  browser.storage.onChanged.addListener((changes, area) => {
    // Old cached figures belong to old settings: drop them when the settings change.
    if (area === 'local' && SETTINGS_KEY in changes) void dropCachedFigures();
  });
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

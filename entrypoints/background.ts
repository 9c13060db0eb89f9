import { browser } from 'wxt/browser';
import { createMessageListener } from '../lib/messaging';
import { createMetricsService } from '../lib/metricsService';
import { parseStoredSettings, SETTINGS_KEY } from '../lib/settings';

export default defineBackground(() => {
  // The key lives in storage.local: keep that area out of content scripts' reach (Chrome only).
  const local = browser.storage.local as typeof browser.storage.local & { setAccessLevel?: (o: { accessLevel: string }) => Promise<void> };
  void local.setAccessLevel?.({ accessLevel: 'TRUSTED_CONTEXTS' }).catch(() => undefined);

  const service = createMetricsService({
    loadSettings: async () => parseStoredSettings((await browser.storage.local.get(SETTINGS_KEY))[SETTINGS_KEY]),
  });
  browser.storage.onChanged.addListener((changes, area) => {
    if (area === 'local' && SETTINGS_KEY in changes) service.clearCache();
  });

  browser.runtime.onMessage.addListener(
    createMessageListener(browser.runtime.id, async (request) => {
      switch (request.type) {
        case 'tool-metrics/get':
          return service.getToolMetrics(request.tool, request.range, request.refresh);
        case 'connection/test':
          return service.testConnection();
        case 'options/open':
          await browser.runtime.openOptionsPage();
          return { ok: true };
      }
    }),
  );
});

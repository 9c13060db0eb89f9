import preact from '@preact/preset-vite';
import { defineConfig } from 'wxt';

export default defineConfig({
  vite: () => ({
    // No dev-time refresh/devtools hooks: the bundles run inside other people's pages.
    plugins: [preact({ prefreshEnabled: false, devToolsEnabled: false })],
  }),
  manifest: {
    name: 'Tool Lens',
    description: 'Product analytics from PostHog on your own tool pages: funnel, latency and errors at a glance.',
    permissions: ['storage', 'activeTab', 'scripting', 'alarms'],
    // PostHog Cloud (US/EU), and this machine (the embedded local PostHog and sample site). Every other
    // site, and a self-hosted PostHog, is asked for when the user enables it.
    host_permissions: ['https://us.posthog.com/*', 'https://eu.posthog.com/*', 'http://localhost/*', 'http://127.0.0.1/*'],
    optional_host_permissions: ['https://*/*', 'http://*/*'],
    // Only when the user turns on alert notifications.
    optional_permissions: ['notifications'],
    commands: {
      'toggle-card': { suggested_key: { default: 'Alt+Shift+L' }, description: 'Show, collapse or expand the Tool Lens card' },
    },
  },
});

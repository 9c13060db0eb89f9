import preact from '@preact/preset-vite';
import { defineConfig } from 'wxt';
import { textOnlyPreact } from './scripts/textOnlyPreact';
import { compileHint } from './scripts/compileHint';

/**
 * Two builds of one extension:
 * - production (`wxt build`, `npm run zip`): no host is granted at install. A PostHog host is asked for
 *   when the user picks it (US, EU or self-hosted), a tool site when the user enables it.
 * - localhost (`--mode localhost`, into `.output/*-localhost`): the same, plus this machine's loopback hosts granted
 *   at install, so the demo and the tests reach the local PostHog and the sample site without a prompt.
 *
 * Firefox gets Manifest V3 as Chrome does: the same `action`, `storage.session`, `scripting` and
 * `optional_host_permissions` (Firefox's MV2 has none of the last, so a site could never be added).
 */
const LOOPBACK = ['http://localhost/*', 'http://127.0.0.1/*'];
/** Where a tool site or a PostHog host can be: over https, plain http only on this machine. The card script loads on every site that can be enabled. */
const SITE_PATTERNS = ['https://*/*', ...LOOPBACK];

// WXT names NODE_ENV after the mode (`localhost`), and Vite and Preact's preset read anything but
// `production` as a development build: JSX with each element's source file and line, development
// branches. The localhost build is the production build plus loopback hosts, so it says production.
if (process.env.NODE_ENV === 'localhost') process.env.NODE_ENV = 'production';

export default defineConfig({
  manifestVersion: 3,
  // `npm run zip`: the stores' zips, and for AMO the sources that build the Firefox one
  // (docs/store/SOURCES.md says how). The local PostHog, sample site, tests and bench are not in them.
  zip: {
    excludeSources: [
      'local-posthog/**',
      'sample-site/**',
      'e2e/**',
      'bench/**',
      'cli/**',
      'docs/**',
      'scripts/**',
      'lib/testing/**',
      'BENCHMARKS.md',
      'vitest.config.ts',
    ],
    includeSources: ['scripts/textOnlyPreact.ts', 'scripts/compileHint.ts', 'docs/store/SOURCES.md'],
  },
  hooks: {
    // The extension's pages (popup, options, side panel) are one build with shared chunks: zod and
    // Preact get a chunk each, so the popup's first paint (Preact and its components, no zod) does not
    // load zod with Preact.
    'vite:build:extendConfig': (entrypoints, config) => {
      if (!entrypoints.some((e) => e.type === 'popup')) return;
      const rollup = ((config.build ??= {}).rollupOptions ??= {});
      const output = rollup.output ?? {};
      if (Array.isArray(output)) return;
      rollup.output = {
        ...output,
        manualChunks: (id: string) => (id.includes('/node_modules/zod/') ? 'zod' : id.includes('/node_modules/preact/') ? 'preact' : undefined),
      };
    },
    // Firefox reads policies without a schema (and the manifest names none there): leave the file out.
    'build:publicAssets': (wxt, files) => {
      if (wxt.config.browser !== 'firefox') return;
      const at = files.findIndex((f) => f.relativeDest === 'managed_schema.json');
      if (at >= 0) files.splice(at, 1);
    },
  },
  vite: () => ({
    // The bench's build (TOOL_LENS_SOURCEMAPS=1): source maps beside the scripts but not named in them
    // (the scripts are the same), so the bench can say which source file each sampled millisecond is in.
    ...(process.env.TOOL_LENS_SOURCEMAPS ? { build: { sourcemap: 'hidden' as const } } : {}),
    // No dev-time refresh/devtools hooks: the bundles run inside other people's pages.
    plugins: [
      textOnlyPreact(),
      preact({ prefreshEnabled: false, devToolsEnabled: false }),
      // The card script and the popup compiled whole as they load: their first render runs nearly all of them.
      compileHint(['card', 'popup']),
    ],
  }),
  manifest: ({ mode, browser }) => ({
    name: 'Tool Lens',
    description: 'Product analytics from PostHog on your own tool pages: funnel, latency and errors at a glance.',
    // identity: the sign-in window for "Sign in with PostHog" (launchWebAuthFlow; no install warning).
    // contextMenus: "Look up in Tool Lens" on selected text, on any page, with no host permission (the
    // browser hands over the selection); no install warning either.
    // offscreen (Chrome, no install warning): a hidden page that lets the worker read the organisation's
    // policy (entrypoints/policy/).
    permissions: ['storage', 'activeTab', 'scripting', 'alarms', 'identity', 'contextMenus', ...(browser === 'firefox' ? [] : ['offscreen'])],
    host_permissions: mode === 'localhost' ? LOOPBACK : [],
    // Tool sites and PostHog hosts over https; plain http only on this machine.
    optional_host_permissions: SITE_PATTERNS,
    // Only when the user turns on alert notifications.
    optional_permissions: ['notifications'],
    commands: {
      'toggle-card': { suggested_key: { default: 'Alt+Shift+L' }, description: 'Show, collapse or expand the Tool Lens card' },
    },
    // The card script, imported by the matcher on a tool page (entrypoints/matcher.ts cardHost): a module
    // the browser compiles off the page's main thread. Behind a dynamic URL, which changes every session,
    // so pages cannot probe for it; no install warning. Firefox has the worker inject it instead.
    ...(browser !== 'firefox' ? { web_accessible_resources: [{ resources: ['card.js'], matches: SITE_PATTERNS, use_dynamic_url: true }] } : {}),
    // An organisation's policy (lib/policy/): Chrome checks it against this schema. Firefox reads
    // the same values from policies.json without one, and warns when the manifest declares it.
    ...(browser !== 'firefox' ? { storage: { managed_schema: 'managed_schema.json' } } : {}),
    ...(browser === 'firefox'
      ? {
          browser_specific_settings: {
            gecko: {
              id: 'tool-lens@tool-lens.dev',
              // data_collection_permissions (below) is read from Firefox 140 on.
              strict_min_version: '140.0',
              // What leaves the browser, and only to the PostHog host the user chose: their own key
              // (authentication information) and the tool a page of an enabled site is (browsing
              // activity: asked for by name). Tool Lens collects nothing for itself (docs/store/PRIVACY.md).
              data_collection_permissions: { required: ['authenticationInfo', 'browsingActivity'], optional: [] },
            },
            gecko_android: { strict_min_version: '142.0' },
          },
        }
      : {}),
  }),
});

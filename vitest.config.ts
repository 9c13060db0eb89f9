import { defineConfig } from 'vitest/config';
import { WxtVitest } from 'wxt/testing/vitest-plugin';

// Three suites, run together by `npm test` (e2e files first: vitest orders projects by name):
//  unit        — pure lib/ and components/, WXT's fakeBrowser, no network.
//  integration — the real local PostHog server on embedded ClickHouse (chdb), real posthog-node client;
//                the store packages (`npm run zip`) and Mozilla's addons-linter; the bench's source-map lookup.
//  e2e         — the built extension in Debian's Chromium (playwright-core) and Firefox ESR (puppeteer-core, BiDi).
export default defineConfig({
  test: {
    // Two files at a time even on 2 cores (vitest's default there is one): the browser suites spend most
    // of their time waiting on a browser, a timeout or a retry. Every file starts its own servers on free
    // ports and its own browser profile, so any two can run side by side.
    maxWorkers: 2,
    reporters: ['default', ['json', { outputFile: '.tmp/vitest-report.json' }]],
    projects: [
      {
        plugins: [WxtVitest()],
        test: {
          name: 'unit',
          // zod/mini's English messages, as the worker, the options and the CLI load them (lib/model/zodMessages.ts).
          setupFiles: ['lib/model/zodMessages.ts'],
          include: ['lib/**/*.test.ts', 'components/**/*.test.tsx', 'entrypoints/**/*.test.ts'],
          environment: 'happy-dom',
        },
      },
      {
        test: {
          name: 'integration',
          setupFiles: ['lib/model/zodMessages.ts'],
          include: ['local-posthog/**/*.test.ts', 'sample-site/**/*.test.ts', 'cli/**/*.test.ts', 'scripts/**/*.test.ts', 'bench/**/*.test.ts'],
          environment: 'node',
          testTimeout: 60_000,
          hookTimeout: 120_000,
        },
      },
      {
        test: {
          name: 'e2e',
          include: ['e2e/**/*.test.ts'],
          environment: 'node',
          testTimeout: 120_000,
          hookTimeout: 240_000,
        },
      },
    ],
  },
});

// Lint: JavaScript's and TypeScript's recommended rules, and import rules that keep each file's
// imports plain (one statement per module, at the top, no detours). Which folder may import which is
// lib/architecture.test.ts's to say: it knows the layers.
import js from '@eslint/js';
import importX from 'eslint-plugin-import-x';
import tseslint from 'typescript-eslint';
import globals from 'globals';

export default tseslint.config(
  { ignores: ['.output/**', '.wxt/**', '.tmp/**', '.demo/**', 'node_modules/**', '**/*.d.ts'] },
  js.configs.recommended,
  tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.browser, ...globals.node } },
    plugins: { 'import-x': importX },
    rules: {
      'import-x/no-duplicates': 'error',
      'import-x/first': 'error',
      'import-x/no-self-import': 'error',
      'import-x/no-useless-path-segments': 'error',
      // A leading underscore says "deliberately unused" (a rest sibling dropped, a callback's slot).
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrorsIgnorePattern: '^_', ignoreRestSiblings: true },
      ],
    },
  },
  // One zod flavour in the extension's bundles: zod/mini (the same checks in a fraction of the bytes).
  {
    files: ['lib/**', 'components/**', 'entrypoints/**'],
    rules: { 'no-restricted-imports': ['error', { paths: [{ name: 'zod', message: "The extension's code uses zod/mini: one zod flavour in its bundles." }] }] },
  },
  // Tests and the bench read loosely typed JSON answers; the product's code never uses `any`.
  { files: ['**/*.test.ts', '**/*.test.tsx', 'bench/**'], rules: { '@typescript-eslint/no-explicit-any': 'off' } },
  // The sample site's page script: posthog-js is loaded by its own <script> tag.
  { files: ['sample-site/public/**/*.js'], languageOptions: { globals: { posthog: 'readonly' } } },
);

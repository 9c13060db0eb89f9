/**
 * `npm run zip` as a release would run it: three store packages from the production build, a Firefox
 * zip Mozilla's addons-linter passes, manifests that grant no host at install, and sources that
 * rebuild the Firefox zip file for file.
 */
import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm, symlink, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import JSZip from 'jszip';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lintFirefoxZip, RELEASE_ENV, storeZips } from './zip';

const ROOT = resolve(import.meta.dirname, '..');
let zips: ReturnType<typeof storeZips>;
let rebuildDir: string | undefined;

const open = async (path: string) => JSZip.loadAsync(await readFile(path));
const manifestOf = async (path: string) => JSON.parse(await (await open(path)).file('manifest.json')!.async('string')) as Record<string, unknown>;

beforeAll(() => {
  const run = spawnSync(join(ROOT, 'node_modules/.bin/tsx'), ['scripts/zip.ts'], { cwd: ROOT, encoding: 'utf8', timeout: 600_000 });
  if (run.status !== 0) throw new Error(`npm run zip failed (exit ${run.status}):\n${run.stdout.slice(-3000)}\n${run.stderr.slice(-3000)}`);
  zips = storeZips();
}, 660_000);

afterAll(async () => {
  if (rebuildDir) await rm(rebuildDir, { recursive: true, force: true });
});

describe('store packages', () => {
  it('grant no host at install: PostHog and tool sites are asked for, plain http only on loopback', async () => {
    for (const [zip, browserOnly] of [
      [zips.chrome, ['offscreen', 'sidePanel']],
      [zips.firefox, []],
    ] as const) {
      const manifest = await manifestOf(zip);
      expect(manifest.manifest_version).toBe(3);
      expect(manifest.host_permissions ?? []).toEqual([]);
      expect(manifest.optional_host_permissions).toEqual(['https://*/*', 'http://localhost/*', 'http://127.0.0.1/*']);
      // Chrome's side panel (support's person lookup) needs its permission, which shows no warning; Firefox's sidebar is a manifest key.
      // contextMenus: "Look up in Tool Lens" on selected text, in both (no install warning; the selection needs no host).
      // offscreen (Chrome, no warning): the hidden page through which the worker reads the organisation's policy.
      expect(manifest.permissions).toEqual(['storage', 'activeTab', 'scripting', 'alarms', 'identity', 'contextMenus', ...browserOnly]);
      expect(JSON.stringify(manifest.content_scripts ?? [])).not.toMatch(/localhost|127\.0\.0\.1/);
    }
  });

  it("declare the organisation policy's schema for Chrome only (Firefox reads policies.json without one, and warns at one)", async () => {
    expect((await manifestOf(zips.chrome)).storage).toEqual({ managed_schema: 'managed_schema.json' });
    expect((await manifestOf(zips.firefox)).storage).toBeUndefined();
  });

  it('host the person lookup in a side panel: Chrome side_panel, Firefox sidebar_action (closed at install)', async () => {
    expect((await manifestOf(zips.chrome)).side_panel).toEqual({ default_path: 'sidepanel.html' });
    expect((await manifestOf(zips.firefox)).sidebar_action).toMatchObject({ default_panel: 'sidepanel.html', open_at_install: false });
  });

  it("give Firefox a stable id, a minimum version and what the add-on's data use is", async () => {
    const gecko = ((await manifestOf(zips.firefox)).browser_specific_settings as { gecko: Record<string, unknown> }).gecko;
    expect(gecko.id).toBe('tool-lens@tool-lens.dev');
    expect(gecko.strict_min_version).toBe('140.0');
    expect(gecko.data_collection_permissions).toMatchObject({ required: expect.arrayContaining(['authenticationInfo']) });
    expect((await manifestOf(zips.chrome)).browser_specific_settings).toBeUndefined();
  });

  it("pass Mozilla's addons-linter with no error and no warning", async () => {
    const lint = await lintFirefoxZip(zips.firefox);
    expect(lint.errors.map((e) => `${e.code} ${e.file ?? ''}`)).toEqual([]);
    expect(lint.warnings.map((e) => `${e.code} ${e.file ?? ''}`)).toEqual([]);
  });

  it('rebuild from the sources zip into the same files as the Firefox zip', async () => {
    rebuildDir = await mkdtemp(join(tmpdir(), 'tool-lens-sources-'));
    const sources = await open(zips.sources);
    const names = Object.keys(sources.files).filter((n) => !sources.files[n]!.dir);
    expect(names).toContain('package-lock.json');
    expect(names).toContain('docs/store/SOURCES.md');
    expect(names.filter((n) => /^(local-posthog|sample-site|e2e|bench|cli)\//.test(n) || /\.test\.tsx?$/.test(n))).toEqual([]);
    for (const name of names) {
      const target = join(rebuildDir, name);
      await mkdir(dirname(target), { recursive: true });
      await writeFile(target, await sources.file(name)!.async('nodebuffer'));
    }
    // The locked dependencies, as `npm ci` would install them from package-lock.json.
    await symlink(join(ROOT, 'node_modules'), join(rebuildDir, 'node_modules'), 'dir');
    const build = spawnSync(join(rebuildDir, 'node_modules/.bin/wxt'), ['build', '-b', 'firefox'], {
      cwd: rebuildDir,
      encoding: 'utf8',
      timeout: 300_000,
      env: RELEASE_ENV,
    });
    expect(build.status, build.stderr.slice(-2000)).toBe(0);

    const submitted = await open(zips.firefox);
    const files = Object.keys(submitted.files)
      .filter((n) => !submitted.files[n]!.dir)
      .sort();
    expect(files).toContain('background.js');
    // A release build: no JSX dev information (file names, line numbers) in what users install.
    expect(await submitted.file('card.js')!.async('string')).not.toContain('lineNumber');
    for (const name of files) {
      const rebuilt = await readFile(join(rebuildDir, '.output/firefox-mv3', name));
      expect(rebuilt.equals(await submitted.file(name)!.async('nodebuffer')), name).toBe(true);
    }
  });
});

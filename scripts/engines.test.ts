/**
 * `npm ci` on the Node the README names: package.json says which Node it needs (`engines`), and every
 * package in the lock file accepts every Node that range allows — so a clean install on Node 20 gets
 * no package that needs 22.
 */
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import semver from 'semver';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '..');
const json = async <T>(file: string) => JSON.parse(await readFile(join(ROOT, file), 'utf8')) as T;

describe('engines', () => {
  it('package.json names the Node the README sets up with, Node 20 among them', async () => {
    const pkg = await json<{ engines?: { node?: string } }>('package.json');
    const range = pkg.engines?.node ?? '';
    expect(semver.validRange(range)).not.toBeNull();
    const oldest = semver.minVersion(range)!;
    expect(oldest.major).toBe(20);
    const readme = await readFile(join(ROOT, 'README.md'), 'utf8');
    expect(readme).toContain(`Node ${oldest.major}.${oldest.minor}`);
  });

  it('every locked package accepts every Node package.json allows', async () => {
    const pkg = await json<{ engines: { node: string } }>('package.json');
    const lock = await json<{ packages: Record<string, { version?: string; engines?: { node?: string } | string[] }> }>('package-lock.json');
    const refusing = Object.entries(lock.packages)
      .filter(([path, entry]) => path !== '' && entry.engines && !Array.isArray(entry.engines) && entry.engines.node)
      .filter(([, entry]) => !semver.subset(pkg.engines.node, (entry.engines as { node: string }).node))
      .map(([path, entry]) => `${path}@${entry.version}: node ${(entry.engines as { node: string }).node}`);
    expect(refusing).toEqual([]);
  });
});

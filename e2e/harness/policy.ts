/**
 * An organisation's policy for the tests, as an admin would set it on the machine: Chromium's
 * /etc/chromium/policies/managed/*.json and Firefox's distribution/policies.json. Both apply to every
 * browser run on the machine, so each policy names only an extension id of its own: a copy of the built
 * extension with its own Chrome `key` or gecko id, which no other suite loads.
 */
import { createHash, generateKeyPairSync, randomBytes } from 'node:crypto';
import { existsSync, realpathSync } from 'node:fs';
import { cp, mkdir, mkdtemp, readFile, readdir, rm, rmdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { firefoxPath } from './firefox';

export const CHROMIUM_POLICY_DIR = process.env.CHROMIUM_POLICY_DIR ?? '/etc/chromium/policies/managed';

/** Chrome's id for a `key`: the SHA-256 of the public key (DER), its first 32 hex digits written a–p. */
export function chromeIdOf(publicKeyDer: Buffer): string {
  return [...createHash('sha256').update(publicKeyDer).digest('hex').slice(0, 32)].map((d) => String.fromCharCode(97 + parseInt(d, 16))).join('');
}

/** A copy of a built extension whose manifest is changed by `edit` (removed by `remove`). */
async function copyWith(extensionDir: string, edit: (manifest: Record<string, unknown>) => void) {
  const dir = await mkdtemp(join(tmpdir(), 'tool-lens-policy-ext-'));
  await cp(extensionDir, dir, { recursive: true });
  const path = join(dir, 'manifest.json');
  const manifest = JSON.parse(await readFile(path, 'utf8')) as Record<string, unknown>;
  edit(manifest);
  await writeFile(path, JSON.stringify(manifest, null, 2));
  return { dir, remove: () => rm(dir, { recursive: true, force: true }) };
}

/** The Chromium build under an id of its own (a fresh `key`), for a policy that reaches no other run. */
export async function chromiumCopyWithOwnId(extensionDir: string) {
  const { publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const der = publicKey.export({ type: 'spki', format: 'der' });
  const copy = await copyWith(extensionDir, (m) => void (m.key = der.toString('base64')));
  return { ...copy, id: chromeIdOf(der) };
}

/** The Firefox build under a gecko id of its own. */
export async function firefoxCopyWithOwnId(extensionDir: string) {
  const id = `tool-lens-policy-${randomBytes(6).toString('hex')}@tests.tool-lens.dev`;
  const copy = await copyWith(extensionDir, (m) => {
    const settings = m.browser_specific_settings as { gecko: { id: string } };
    settings.gecko.id = id;
  });
  return { ...copy, id };
}

/**
 * Chromium's managed policy for one extension (3rdparty.extensions[id]): written, rewritten (Chromium
 * watches the folder and applies a change while it runs) and removed after the test.
 */
export async function chromiumPolicy(extensionId: string) {
  const file = join(CHROMIUM_POLICY_DIR, `tool-lens-e2e-${extensionId}.json`);
  // The folders this makes (none on a machine without policies) go again after the test, if empty.
  const made = await mkdir(CHROMIUM_POLICY_DIR, { recursive: true });
  return {
    file,
    write: (values: Record<string, unknown>) => writeFile(file, JSON.stringify({ '3rdparty': { extensions: { [extensionId]: values } } }, null, 2)),
    async remove() {
      await rm(file, { force: true });
      for (let dir = CHROMIUM_POLICY_DIR; made && dir.startsWith(made); dir = dirname(dir)) {
        if (!existsSync(dir) || (await readdir(dir)).length > 0) break;
        await rmdir(dir).catch(() => undefined);
      }
    },
  };
}

/**
 * Firefox's enterprise policy for one add-on: policies.json in the distribution folder beside the
 * Firefox binary, `3rdparty.Extensions[id]`. Firefox reads it only at start. Refuses to replace a
 * policies.json it did not write (the machine's own policy is never touched).
 */
export async function firefoxPolicy(addonId: string) {
  const file = join(dirname(realpathSync(firefoxPath())), 'distribution', 'policies.json');
  if (existsSync(file)) throw new Error(`${file} exists already: a policy of this machine, left as it is (the Firefox policy test needs the file for itself)`);
  return {
    file,
    async write(values: Record<string, unknown>) {
      await mkdir(dirname(file), { recursive: true });
      await writeFile(file, JSON.stringify({ policies: { '3rdparty': { Extensions: { [addonId]: values } } } }, null, 2));
    },
    remove: () => rm(file, { force: true }),
  };
}

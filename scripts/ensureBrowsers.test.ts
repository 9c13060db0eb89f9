/**
 * scripts/ensure-browsers.sh with another apt holding the dpkg lock: it waits for the lock and then
 * installs, rather than failing at once. Run against a stand-in apt-get on a PATH of its own, so no
 * package is installed here and the real browsers are not on that PATH.
 */
import { spawn } from 'node:child_process';
import { chmod, mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';

const SCRIPT = resolve(import.meta.dirname, 'ensure-browsers.sh');
const TOOLS = ['id', 'sleep', 'grep', 'date', 'cat'];
let dir: string | undefined;

function which(tool: string): string {
  const found = ['/usr/bin', '/bin'].map((d) => join(d, tool)).find((p) => existsSync(p));
  if (!found) throw new Error(`${tool} not found`);
  return found;
}

afterEach(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** A PATH with only the script's plain tools and a stand-in apt-get (and sudo), which refuses while `held` exists. */
async function fakeSystem() {
  dir = await mkdtemp(join(tmpdir(), 'tool-lens-apt-'));
  const bin = join(dir, 'bin');
  await mkdir(bin);
  for (const tool of TOOLS) await symlink(which(tool), join(bin, tool));
  const log = join(dir, 'apt.log');
  const held = join(dir, 'held');
  // What apt-get prints when another apt holds the lock (exit 100); once free, install makes the browsers.
  await writeFile(
    join(bin, 'apt-get'),
    `#!/bin/bash
echo "$*" >> ${JSON.stringify(log)}
if [ -e ${JSON.stringify(held)} ]; then
  echo "E: Could not get lock /var/lib/dpkg/lock-frontend. It is held by process 4242 (apt-get)" >&2
  echo "E: Unable to acquire the dpkg frontend lock (/var/lib/dpkg/lock-frontend), is another process using it?" >&2
  exit 100
fi
for arg in "$@"; do
  case "$arg" in chromium|firefox-esr) printf '#!/bin/bash\\n' > ${JSON.stringify(bin)}/"$arg"; ${which('chmod')} +x ${JSON.stringify(bin)}/"$arg";; esac
done
`,
  );
  await writeFile(join(bin, 'sudo'), '#!/bin/bash\nexec "$@"\n');
  await chmod(join(bin, 'apt-get'), 0o755);
  await chmod(join(bin, 'sudo'), 0o755);
  return { bin, log, held };
}

describe('ensure-browsers.sh', () => {
  it('waits while another apt holds the dpkg lock, then installs both browsers', async () => {
    const { bin, log, held } = await fakeSystem();
    await writeFile(held, '');
    const child = spawn('/bin/bash', [SCRIPT], { env: { PATH: bin, APT_LOCK_RETRY_SECONDS: '0.2' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const exited = new Promise<number | null>((done) => child.on('exit', (code) => done(code)));
    // Released only once the script has met the lock at least twice: it must have waited, not given up.
    const gaveUp = exited.then((code) => Promise.reject(new Error(`exited (${code}) while the lock was held: ${stderr}`)));
    const attempts = async () => (existsSync(log) ? (await readFile(log, 'utf8')).split('\n').filter(Boolean).length : 0);
    await Promise.race([gaveUp, expect.poll(attempts, { timeout: 60_000, interval: 50 }).toBeGreaterThanOrEqual(2)]);
    const stillRunning = child.exitCode === null;
    await rm(held);
    expect(await exited, stderr).toBe(0);
    expect(stillRunning).toBe(true);
    expect(stderr).toMatch(/another apt/i);
    expect(existsSync(join(bin, 'chromium')) && existsSync(join(bin, 'firefox-esr'))).toBe(true);
  });

  it('still fails at once on an error that is not the lock', async () => {
    const { bin } = await fakeSystem();
    await writeFile(join(bin, 'apt-get'), '#!/bin/bash\necho "E: Unable to locate package chromium" >&2\nexit 100\n');
    const child = spawn('/bin/bash', [SCRIPT], { env: { PATH: bin, APT_LOCK_RETRY_SECONDS: '0.2' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const code = await new Promise<number | null>((done) => child.on('exit', (c) => done(c)));
    expect(code).not.toBe(0);
    expect(stderr).toContain('Unable to locate package chromium');
  });
});

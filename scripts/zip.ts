/**
 * `npm run zip`: the store packages, from the production build (no host granted at install):
 * the Chrome Web Store zip, the Firefox (AMO) zip and the sources zip AMO asks for, in .output/.
 * The Firefox zip is then checked with Mozilla's addons-linter: any error or warning fails.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import addonsLinter from 'addons-linter';

const ROOT = resolve(import.meta.dirname, '..');
const OUT = join(ROOT, '.output');

/** A release build whatever the shell says: NODE_ENV=test or development would bring Preact's dev JSX in. */
export const RELEASE_ENV = { ...process.env, NODE_ENV: 'production' };

function wxt(args: string[]) {
  const result = spawnSync(join(ROOT, 'node_modules/.bin/wxt'), args, { cwd: ROOT, stdio: 'inherit', env: RELEASE_ENV });
  if (result.status !== 0) throw new Error(`wxt ${args.join(' ')} failed (exit ${result.status})`);
}

export interface LintResult {
  errors: Array<{ code: string; message: string; file?: string }>;
  warnings: Array<{ code: string; message: string; file?: string }>;
  notices: Array<{ code: string; message: string; file?: string }>;
}

/** Mozilla's addons-linter, as AMO runs it on an upload. */
export async function lintFirefoxZip(zip: string): Promise<LintResult> {
  const linter = addonsLinter.createInstance({
    config: {
      _: [zip],
      logLevel: 'fatal',
      stack: false,
      pretty: false,
      warningsAsErrors: false,
      metadata: false,
      output: 'none',
      boring: true,
      selfHosted: false,
    },
    runAsBinary: false,
  });
  return (await linter.run()) as LintResult;
}

export function storeZips(): { chrome: string; firefox: string; sources: string } {
  const files = readdirSync(OUT);
  const find = (suffix: string) => {
    const name = files.find((f) => f.endsWith(suffix));
    if (!name) throw new Error(`no *${suffix} in ${OUT}`);
    return join(OUT, name);
  };
  return { chrome: find('-chrome.zip'), firefox: find('-firefox.zip'), sources: find('-sources.zip') };
}

async function main() {
  wxt(['zip']);
  wxt(['zip', '-b', 'firefox']);
  const zips = storeZips();
  const lint = await lintFirefoxZip(zips.firefox);
  for (const m of [...lint.errors, ...lint.warnings, ...lint.notices]) console.log(`addons-linter: ${m.code} ${m.file ?? ''} ${m.message}`);
  console.log(`addons-linter on ${zips.firefox}: ${lint.errors.length} errors, ${lint.warnings.length} warnings, ${lint.notices.length} notices`);
  console.log(`Chrome Web Store: ${zips.chrome}\nFirefox (AMO):    ${zips.firefox}\nAMO sources:      ${zips.sources}`);
  if (lint.errors.length || lint.warnings.length) process.exit(1);
}

if (process.argv[1] && resolve(process.argv[1]) === resolve(import.meta.filename)) await main();

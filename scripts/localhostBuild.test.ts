/**
 * The localhost build (`npm run build:localhost`, which `npm test` runs first) is what the demo, the
 * end-to-end tests and the benchmark load: it must be the production build plus loopback hosts, or
 * they measure and test another program than the one users install. WXT names NODE_ENV after the
 * mode, which Vite and Preact's preset took for a development build (wxt.config.ts).
 */
import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { COMPILE_HINT } from './compileHint';

const ROOT = resolve(import.meta.dirname, '..');
const scriptsOf = (dir: string): string[] =>
  readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? scriptsOf(join(dir, e.name)) : e.name.endsWith('.js') ? [join(dir, e.name)] : [],
  );

describe('the localhost build', () => {
  for (const target of ['chrome-mv3-localhost', 'firefox-mv3-localhost']) {
    it(`${target} is a production build: no element carries its source file, loopback hosts granted`, () => {
      const dir = join(ROOT, '.output', target);
      if (!existsSync(join(dir, 'manifest.json'))) throw new Error(`No build in ${dir}: run \`npm run build:localhost\` first.`);
      const scripts = scriptsOf(dir);
      expect(scripts.map((f) => f.slice(dir.length + 1))).toContain('card.js');
      for (const file of scripts) {
        const code = readFileSync(file, 'utf8');
        // Development JSX passes each element's source location (file name, line) to Preact.
        expect(code.includes('lineNumber:'), `${file} passes source locations to Preact`).toBe(false);
        expect(code.includes(ROOT), `${file} names the build machine's folder`).toBe(false);
      }
      // The card script and the popup are compiled whole as they load (scripts/compileHint.ts); the
      // matcher, on every page, is not, nor zod, which the popup loads after its first paint.
      const firstLine = (file: string) => readFileSync(join(dir, file), 'utf8').split('\n', 1)[0];
      expect(firstLine('card.js')).toBe(COMPILE_HINT);
      const popupEntry = /<script[^>]*src="\/([^"]+)"/.exec(readFileSync(join(dir, 'popup.html'), 'utf8'))?.[1];
      expect(popupEntry && firstLine(popupEntry)).toBe(COMPILE_HINT);
      expect(readFileSync(join(dir, 'matcher.js'), 'utf8')).not.toContain(COMPILE_HINT);
      const zod = scripts.filter((f) => /[\\/]zod-[^/\\]+\.js$/.test(f));
      expect(zod).toHaveLength(1);
      expect(readFileSync(zod[0]!, 'utf8')).not.toContain(COMPILE_HINT);
      const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as { host_permissions?: string[] };
      expect(manifest.host_permissions).toEqual(expect.arrayContaining(['http://localhost/*', 'http://127.0.0.1/*']));
    });
  }
});

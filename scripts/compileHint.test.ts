/**
 * The compile hint (scripts/compileHint.ts): on the first line of the built entries it names and the
 * chunks they import before their first paint, after minifying, with their source maps still pointing
 * each function at its own line. Real Vite builds of small entries, minified with hidden source maps as
 * the bench's build is: an unlisted script's (one IIFE file) and a page's (ES modules in chunks).
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build, type BuildOptions } from 'vite';
import { TraceMap, originalPositionFor } from '@jridgewell/trace-mapping';
import { describe, expect, it } from 'vitest';
import { COMPILE_HINT, compileHint } from './compileHint';

const SOURCE = `export function first(n) {
  return n + 1;
}

export function secondOnFive(text) {
  return text.split(',').map((s) => s.trim());
}
`;

/**
 * Writes `files` to a fresh folder and builds it there as the extension's build does (minified, hidden
 * source maps when asked), with the plugin hinting `entries`; `options` get the folder's paths by
 * name. Returns a reader of the output folder.
 */
async function builtWithHint(
  files: Record<string, string>,
  entries: string[],
  options: (at: (name: string) => string) => BuildOptions,
): Promise<(name: string) => string> {
  const dir = mkdtempSync(join(tmpdir(), 'compile-hint-'));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  const at = (name: string) => join(dir, name);
  await build({
    root: dir,
    logLevel: 'silent',
    configFile: false,
    plugins: [compileHint(entries)],
    build: { outDir: at('out'), minify: 'esbuild', ...options(at) },
  });
  return (name) => readFileSync(join(dir, 'out', name), 'utf8');
}

/** One unlisted script (an IIFE, as WXT builds `card` and `matcher`), with the plugin hinting `card`. */
async function built(entry: string, sourcemap: boolean | 'hidden') {
  const read = await builtWithHint({ [`${entry}.js`]: SOURCE }, ['card'], (at) => ({
    sourcemap,
    lib: { entry: at(`${entry}.js`), formats: ['iife'], name: entry, fileName: () => `${entry}.js` },
  }));
  return { code: read(`${entry}.js`), map: sourcemap ? read(`${entry}.js.map`) : null };
}

describe('compileHint', () => {
  it('puts the hint on the first line of the named entry, the source map moved down by that line', async () => {
    const { code, map } = await built('card', 'hidden');
    const lines = code.split('\n');
    expect(lines[0]).toBe(COMPILE_HINT);
    // Minified: the code is on the line after the hint, and the map finds each function's source line there.
    const at = lines[1]!.indexOf('.split(');
    expect(at).toBeGreaterThan(0);
    const original = originalPositionFor(new TraceMap(map!), { line: 2, column: at });
    expect(original.line).toBe(6);
    expect(code).not.toContain('sourceMappingURL');
  });

  it('leaves every other entry as it was (the matcher runs on every page: compiling it whole would cost them all)', async () => {
    const { code } = await built('matcher', false);
    expect(code).not.toContain(COMPILE_HINT);
    expect(code).toContain('.split(');
  });

  it("hints a page's entry and the chunks it imports, first line before Vite's preload helper, not what it imports later", async () => {
    const read = await builtWithHint(
      {
        'shared.js': 'export const words = (text) => text.split(" ");\n',
        // A chunk of its own (options imports it too), which the later import needs: Vite's preload helper lists it.
        'letters.js': 'export const letters = (text) => text.replace(/ /g, "").length;\n',
        'later.js':
          'import { words } from "./shared.js";\nimport { letters } from "./letters.js";\nexport const count = (text) => words(text).length + letters(text);\n',
        'popup.js':
          'import { words } from "./shared.js";\ndocument.title = words("a b").join();\ndocument.onclick = () => import("./later.js").then((m) => (document.title = m.count("x y")));\n',
        'options.js':
          'import { words } from "./shared.js";\nimport { letters } from "./letters.js";\ndocument.title = words("c d").concat(letters("e f")).join();\n',
      },
      ['popup'],
      (at) => ({
        sourcemap: 'hidden',
        rollupOptions: {
          input: { popup: at('popup.js'), options: at('options.js') },
          output: { entryFileNames: '[name].js', chunkFileNames: '[name].js' },
        },
      }),
    );
    const popup = read('popup.js');
    expect(popup.split('\n', 1)[0]).toBe(COMPILE_HINT);
    // Vite's preload helper for the later import is there, after the hint.
    expect(popup).toContain('__vite__mapDeps');
    expect(read('shared.js').split('\n', 1)[0]).toBe(COMPILE_HINT);
    expect(read('later.js')).not.toContain(COMPILE_HINT);
    expect(read('letters.js')).not.toContain(COMPILE_HINT);
    expect(read('options.js')).not.toContain(COMPILE_HINT);
    // The shared chunk's map still finds `split` on its source line (1), now on the built file's line 2.
    const shared = read('shared.js').split('\n');
    const original = originalPositionFor(new TraceMap(read('shared.js.map')), { line: 2, column: shared[1]!.indexOf('.split(') + 1 });
    expect(original.line).toBe(1);
  });
});

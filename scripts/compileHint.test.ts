/**
 * The card script's compile hint (scripts/compileHint.ts): on the first line of the built entry, after
 * minifying, with its source map still pointing each function at its own line. A real Vite build of a
 * small entry, minified with a hidden source map as the bench's build is.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'vite';
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

async function built(entry: string, sourcemap: boolean | 'hidden') {
  const dir = mkdtempSync(join(tmpdir(), 'compile-hint-'));
  writeFileSync(join(dir, `${entry}.js`), SOURCE);
  await build({
    root: dir,
    logLevel: 'silent',
    configFile: false,
    plugins: [compileHint('card')],
    build: {
      outDir: join(dir, 'out'),
      minify: 'esbuild',
      sourcemap,
      lib: { entry: join(dir, `${entry}.js`), formats: ['iife'], name: entry, fileName: () => `${entry}.js` },
    },
  });
  const code = readFileSync(join(dir, 'out', `${entry}.js`), 'utf8');
  const map = sourcemap ? readFileSync(join(dir, 'out', `${entry}.js.map`), 'utf8') : null;
  return { code, map };
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
});

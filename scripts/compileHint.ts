/**
 * A Vite plugin: V8's explicit compile hint on the card script. With `//# allFunctionsCalledOnLoad`
 * on its first line (Chromium 136+; a plain comment to other engines), V8 compiles every function of
 * the file with the script instead of each one at its first call, parsed once to skip it and again
 * to compile it. The card's first render calls nearly all of its functions, and those lazy compiles
 * were half of that render: measured in the bench's tool page, the render (one `render()` call, timed in
 * the page) went from 14 to 7.5 ms, the script's JavaScript + compile from 67 to 58 ms, same machine,
 * alternated runs. Added once the chunk is minified (the minifier drops comments, a Rollup banner with
 * them), the source map moved down by its line.
 */
import type { Plugin } from 'vite';

export const COMPILE_HINT = '//# allFunctionsCalledOnLoad';

/** The chunk's code with the hint on its first line, and its source map's lines moved down by one. */
export function withCompileHint<T extends { code: string; map: { mappings: string } | null }>(chunk: T): void {
  if (chunk.code.startsWith(COMPILE_HINT)) return;
  chunk.code = `${COMPILE_HINT}\n${chunk.code}`;
  // A map's mappings are one group per generated line, `;` between: an empty group is a line with none.
  if (chunk.map) chunk.map.mappings = `;${chunk.map.mappings}`;
}

/** Hints the entry chunk named `entry` (an unlisted script's name, e.g. `card`). */
export function compileHint(entry: string): Plugin {
  return {
    name: 'tool-lens:compile-hint',
    apply: 'build',
    enforce: 'post',
    generateBundle(_options, bundle) {
      for (const chunk of Object.values(bundle)) {
        if (chunk.type !== 'chunk' || !chunk.isEntry || chunk.name !== entry) continue;
        withCompileHint(chunk);
        // A source map file (the bench's build) is already in the bundle, written from the map before.
        const file = bundle[`${chunk.fileName}.map`];
        if (file?.type === 'asset' && typeof file.source === 'string') {
          const map = JSON.parse(file.source) as { mappings: string };
          map.mappings = `;${map.mappings}`;
          file.source = JSON.stringify(map);
        }
      }
    },
  };
}

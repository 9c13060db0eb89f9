/**
 * A Vite plugin: V8's explicit compile hint on the scripts whose functions nearly all run as they
 * load. With `//# allFunctionsCalledOnLoad` on its first line (Chromium 136+; a plain comment to other
 * engines), V8 compiles every function of a file with the file, instead of each at its first call
 * (parsed once to be skipped, again to be compiled, on the main thread in the middle of a render).
 * Measured in the bench, same machine, alternated runs:
 * - the card script (entrypoints/card.tsx): its first render, timed in the page, 14 → 7.5 ms; its
 *   JavaScript + compile on a tool page 67 → 58 ms;
 * - the popup (its entry and the chunks it imports before its first paint): first render 148 / 110 /
 *   118 → 95 / 90 / 100 ms.
 * The card script is imported as a module in Chromium (entrypoints/matcher.ts cardHost): streamed,
 * compiled whole off the main thread. Not the matcher, which runs on every page of a site and calls most of its code only on a tool page,
 * nor the chunks a page imports later (zod). Added once a chunk is minified (the minifier drops
 * comments, a Rollup banner with them), its source map moved down by the line.
 */
import type { Plugin, Rollup } from 'vite';

export const COMPILE_HINT = '//# allFunctionsCalledOnLoad';

/**
 * Hints the entry chunks named in `entries` (an unlisted script's name, e.g. `card`, or an HTML
 * page's, e.g. `popup`) and every chunk they import statically: what runs before the first paint.
 */
export function compileHint(entries: readonly string[]): Plugin {
  return {
    name: 'tool-lens:compile-hint',
    apply: 'build',
    enforce: 'post',
    // After Vite's own generateBundle, which puts its preload helper (`__vite__mapDeps`) first in a page's entry.
    generateBundle: {
      order: 'post',
      handler: (_options, bundle) => {
        /** The named entries and every chunk they import statically, by file name. */
        const hinted = new Map<string, Rollup.OutputChunk>();
        const visit = (chunk: Rollup.OutputBundle[string] | undefined) => {
          if (chunk?.type !== 'chunk' || hinted.has(chunk.fileName)) return;
          hinted.set(chunk.fileName, chunk);
          for (const fileName of chunk.imports) visit(bundle[fileName]);
        };
        for (const chunk of Object.values(bundle)) if (chunk.type === 'chunk' && chunk.isEntry && entries.includes(chunk.name)) visit(chunk);
        for (const [fileName, chunk] of hinted) {
          if (chunk.code.startsWith(COMPILE_HINT)) continue;
          chunk.code = `${COMPILE_HINT}\n${chunk.code}`;
          // Its source map moved down by that line. A map's mappings are one group per generated line,
          // `;` between: an empty group is a line with none. A map file (the bench's build) is already
          // in the bundle, written from the chunk's map before this hook.
          if (chunk.map) chunk.map.mappings = `;${chunk.map.mappings}`;
          const file = bundle[`${fileName}.map`];
          if (file?.type === 'asset' && typeof file.source === 'string') {
            const map = JSON.parse(file.source) as { mappings: string };
            map.mappings = `;${map.mappings}`;
            file.source = JSON.stringify(map);
          }
        }
      },
    },
  };
}

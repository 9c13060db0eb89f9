/**
 * Where the extension's sampled JavaScript is in its sources: each sample's place in a built script
 * (file, line, column of its innermost extension frame: the function's start) looked up in the
 * script's source map, written beside it by the bench's build (TOOL_LENS_SOURCEMAPS=1, wxt.config.ts:
 * hidden maps, so the scripts measured are the shipped ones byte for byte). Without a map a place
 * keeps its built name.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { originalPositionFor, TraceMap } from '@jridgewell/trace-mapping';

/** A sample's place in a built script: 1-based line and column, as bench/browser.ts prints them. */
export interface BuiltPlace {
  file: string;
  line: number;
  column: number;
  /** The browser function the sample was in, under the extension's frame (a DOM call, a forced layout). */
  outside: string | null;
  ms: number;
}

export interface SourceShare {
  /** A source file of the project, or a package by name ("preact"). */
  source: string;
  ms: number;
}

export interface FunctionShare {
  /** `source:line`, with the function's name when the map has it, and what it called outside. */
  where: string;
  ms: number;
}

/** A source path in a map (`../../components/card/CardOverview.tsx`) as the project names it; a package by its name. */
export function sourceName(path: string): string {
  const modules = path.lastIndexOf('node_modules/');
  if (modules >= 0) {
    const [scope, name] = path.slice(modules + 'node_modules/'.length).split('/');
    return scope!.startsWith('@') ? `${scope}/${name}` : scope!;
  }
  return path.replace(/^(\.\.\/)+/, '');
}

/** Adds up the places by source file and by function, the heaviest first; `runs` turns sums into ms per run. */
export function placesBySource(places: BuiltPlace[], extensionDir: string, runs: number): { sources: SourceShare[]; functions: FunctionShare[] } {
  const maps = new Map<string, TraceMap | null>();
  const mapOf = (file: string) => {
    if (!maps.has(file)) {
      const path = join(extensionDir, `${file}.map`);
      maps.set(file, existsSync(path) ? new TraceMap(readFileSync(path, 'utf8')) : null);
    }
    return maps.get(file)!;
  };
  const bySource = new Map<string, number>();
  const byFunction = new Map<string, number>();
  const add = (map: Map<string, number>, key: string, ms: number) => map.set(key, (map.get(key) ?? 0) + ms);
  for (const place of places) {
    const map = mapOf(place.file);
    // Source maps count columns from 0.
    const found = map && place.line > 0 ? originalPositionFor(map, { line: place.line, column: Math.max(0, place.column - 1) }) : null;
    const source = found?.source ? sourceName(found.source) : `${place.file} (built)`;
    const at = found?.source ? `${source}:${found.line}${found.name ? ` ${found.name}` : ''}` : `${place.file} ${place.line}:${place.column}`;
    add(bySource, source, place.ms);
    add(byFunction, `${at}${place.outside ? ` → ${place.outside}` : ''}`, place.ms);
  }
  const sorted = (map: Map<string, number>) => [...map].map(([key, ms]) => ({ key, ms: ms / runs })).sort((a, b) => b.ms - a.ms);
  return {
    sources: sorted(bySource).map(({ key, ms }) => ({ source: key, ms })),
    functions: sorted(byFunction).map(({ key, ms }) => ({ where: key, ms })),
  };
}

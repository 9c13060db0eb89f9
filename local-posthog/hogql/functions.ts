/**
 * PostHog's HogQL function table, as the local server uses it: which names HogQL accepts, with
 * which arities and parameters, how names are looked up (case rules), and the error texts PostHog
 * answers with. The data is local-posthog/hogql/functions.json, copied from
 * ../shared/reference/hogql-functions.json (read from PostHog's own source) by
 * scripts/sync-hogql-functions.ts; each rule below names the PostHog file it mirrors.
 */
import { readFileSync } from 'node:fs';

export type FunctionKind = 'function' | 'aggregate' | 'posthog' | 'udf' | 'unknown';

export interface FunctionMeta {
  name: string;
  kind: FunctionKind;
  /** The ClickHouse function it prints as (or a format template when `template`); null when PostHog's source did not say. */
  clickhouse: string | null;
  minArgs: number | null;
  /** null: unbounded. */
  maxArgs: number | null;
  minParams: number;
  maxParams: number | null;
  caseSensitive: boolean;
  /** The project's time zone is appended when fewer than maxArgs arguments are given (printer/base.py). */
  tzAware: boolean;
  /** Constants appended after the caller's arguments (toFloat(x) → accurateCastOrNull(x, 'Float64')). */
  suffixArgs?: string[];
  template?: boolean;
  /** The ClickHouse name used when the first argument is already a DateTime (toDateTime, toDate). */
  datetimeOverload?: string;
  parametricFirstArg?: boolean;
  requiresWithinGroup?: boolean;
  /** Missing from an older PostHog release the table compared (the extension must not rely on it). */
  recent?: boolean;
  /** HogQL accepts the name, but PostHog's source with its arity could not be read. */
  arityUnknown?: boolean;
  /** Underscore names: found by exact name, never suggested. */
  internal?: boolean;
}

export interface FunctionTable {
  source: { repo: string; files: Array<{ path: string; commit: string | null }> };
  permittedParametricFunctions: string[];
  functions: FunctionMeta[];
}

interface ReferenceEntry {
  name: string;
  kind: FunctionKind;
  clickhouse: string | null;
  min_args: number | null;
  max_args: number | null;
  min_params: number | null;
  max_params: number | null;
  case_sensitive: boolean | null;
  tz_aware: boolean | null;
  suffix_args?: string[];
  template?: boolean;
  clickhouse_overload_for_datetime_arg?: string;
  parametric_first_arg?: boolean;
  requires_within_group?: boolean;
  added_recently?: boolean;
  arity_unknown?: boolean;
  internal?: boolean;
}

/** The reference table (../shared/reference/hogql-functions.json) → what the server keeps. */
export function projectFunctionTable(reference: {
  source: { repo: string; files: Array<{ path: string; commit: string | null }> };
  functions: ReferenceEntry[];
  notes: string[];
}): FunctionTable {
  const note = reference.notes.find((n) => n.includes('HOGQL_PERMITTED_PARAMETRIC_FUNCTIONS')) ?? '';
  const permitted =
    /HOGQL_PERMITTED_PARAMETRIC_FUNCTIONS \(([^)]*)\)/
      .exec(note)?.[1]
      ?.split(',')
      .map((s) => s.trim())
      .filter(Boolean) ?? [];
  return {
    source: { repo: reference.source.repo, files: reference.source.files.map((f) => ({ path: f.path, commit: f.commit })) },
    permittedParametricFunctions: permitted,
    functions: reference.functions.map((f) => {
      const meta: FunctionMeta = {
        name: f.name,
        kind: f.kind,
        clickhouse: f.clickhouse,
        minArgs: f.min_args,
        maxArgs: f.max_args,
        minParams: f.min_params ?? 0,
        maxParams: f.max_params ?? null,
        caseSensitive: f.case_sensitive !== false,
        tzAware: f.tz_aware === true,
      };
      if (f.suffix_args?.length) meta.suffixArgs = f.suffix_args;
      if (f.template) meta.template = true;
      if (f.clickhouse_overload_for_datetime_arg) meta.datetimeOverload = f.clickhouse_overload_for_datetime_arg;
      if (f.parametric_first_arg) meta.parametricFirstArg = true;
      if (f.requires_within_group) meta.requiresWithinGroup = true;
      if (f.added_recently) meta.recent = true;
      if (f.arity_unknown) meta.arityUnknown = true;
      if (f.internal) meta.internal = true;
      return meta;
    }),
  };
}

let loaded: { table: FunctionTable; byName: Map<string, FunctionMeta>; exposed: string[] } | null = null;

function load() {
  if (!loaded) {
    const table = JSON.parse(readFileSync(new URL('./functions.json', import.meta.url), 'utf8')) as FunctionTable;
    const byName = new Map(table.functions.map((f) => [f.name, f]));
    // ALL_EXPOSED_FUNCTION_NAMES (functions/mapping.py): ClickHouse functions, UDFs and aggregations, no underscore names.
    const exposed = table.functions
      .filter((f) => (f.kind === 'function' || f.kind === 'aggregate' || f.kind === 'udf') && !f.name.startsWith('_'))
      .map((f) => f.name);
    loaded = { table, byName, exposed };
  }
  return loaded;
}

export function functionTable(): FunctionTable {
  return load().table;
}

/**
 * PostHog's lookup (functions/mapping.py `_find_function`): the exact name first; else the lower-cased
 * name, accepted only when that entry is case-insensitive (so COUNT() and IfNull() work, TOFLOAT() does not).
 */
export function findFunction(name: string): FunctionMeta | undefined {
  const { byName } = load();
  const exact = byName.get(name);
  if (exact) return exact;
  const lower = byName.get(name.toLowerCase());
  return lower && !lower.caseSensitive ? lower : undefined;
}

/** Names rewritten to comparison operators, which take exactly two arguments (HOGQL_COMPARISON_MAPPING). */
export const COMPARISON_FUNCTIONS: Record<string, string> = {
  equals: '==',
  notEquals: '!=',
  less: '<',
  greater: '>',
  lessOrEquals: '<=',
  greaterOrEquals: '>=',
  like: 'like',
  ilike: 'ilike',
  notLike: 'not like',
  notILike: 'not ilike',
  in: 'in',
  notIn: 'not in',
};

/** The 400 for an unknown name, with PostHog's suggestion (printer/base.py: difflib.get_close_matches(name, ALL_EXPOSED_FUNCTION_NAMES, 1)). */
export function unsupportedFunctionMessage(name: string): string {
  const [match] = getCloseMatches(name, load().exposed, 1, 0.6);
  return match ? `Unsupported function call '${name}(...)'. Perhaps you meant '${match}(...)'?` : `Unsupported function call '${name}(...)'`;
}

/** functions/core.py `validate_function_args`: the same counts and the same words. */
export function arityError(
  count: number,
  min: number,
  max: number | null,
  name: string,
  functionTerm: 'function' | 'aggregation' = 'function',
  argumentTerm: 'argument' | 'parameter' = 'argument',
): string | null {
  const tooFew = count < min;
  const tooMany = max !== null && count > max;
  const term = functionTerm.charAt(0).toUpperCase() + functionTerm.slice(1);
  const plural = (n: number) => `${argumentTerm}${n !== 1 ? 's' : ''}`;
  if (min === max && (tooFew || tooMany)) return `${term} '${name}' expects ${min} ${plural(min)}, found ${count}`;
  if (tooFew) return `${term} '${name}' expects at least ${min} ${plural(min)}, found ${count}`;
  if (tooMany) return `${term} '${name}' expects at most ${max} ${plural(max as number)}, found ${count}`;
  return null;
}

// ---------------------------------------------------------------------------------------------
// difflib.get_close_matches, as CPython implements it (no junk: HogQL names are short)
// ---------------------------------------------------------------------------------------------

function matchingCharacters(a: string, b: string): number {
  const b2j = new Map<string, number[]>();
  for (let j = 0; j < b.length; j++) {
    const list = b2j.get(b[j]!);
    if (list) list.push(j);
    else b2j.set(b[j]!, [j]);
  }
  const longest = (alo: number, ahi: number, blo: number, bhi: number): [number, number, number] => {
    let besti = alo;
    let bestj = blo;
    let bestsize = 0;
    let j2len = new Map<number, number>();
    for (let i = alo; i < ahi; i++) {
      const next = new Map<number, number>();
      for (const j of b2j.get(a[i]!) ?? []) {
        if (j < blo) continue;
        if (j >= bhi) break;
        const k = (j2len.get(j - 1) ?? 0) + 1;
        next.set(j, k);
        if (k > bestsize) {
          besti = i - k + 1;
          bestj = j - k + 1;
          bestsize = k;
        }
      }
      j2len = next;
    }
    while (besti > alo && bestj > blo && a[besti - 1] === b[bestj - 1]) {
      besti--;
      bestj--;
      bestsize++;
    }
    while (besti + bestsize < ahi && bestj + bestsize < bhi && a[besti + bestsize] === b[bestj + bestsize]) bestsize++;
    return [besti, bestj, bestsize];
  };
  let matches = 0;
  const queue: Array<[number, number, number, number]> = [[0, a.length, 0, b.length]];
  while (queue.length) {
    const [alo, ahi, blo, bhi] = queue.pop()!;
    const [i, j, k] = longest(alo, ahi, blo, bhi);
    if (k) {
      matches += k;
      if (alo < i && blo < j) queue.push([alo, i, blo, j]);
      if (i + k < ahi && j + k < bhi) queue.push([i + k, ahi, j + k, bhi]);
    }
  }
  return matches;
}

export function getCloseMatches(word: string, possibilities: string[], n = 3, cutoff = 0.6): string[] {
  const scored: Array<[number, string]> = [];
  const wordCounts = new Map<string, number>();
  for (const c of word) wordCounts.set(c, (wordCounts.get(c) ?? 0) + 1);
  for (const x of possibilities) {
    const total = x.length + word.length;
    if (!total) continue;
    // real_quick_ratio, then quick_ratio, then ratio: each an upper bound of the next.
    if ((2 * Math.min(x.length, word.length)) / total < cutoff) continue;
    const avail = new Map(wordCounts);
    let common = 0;
    for (const c of x) {
      const left = avail.get(c) ?? 0;
      if (left > 0) {
        common++;
        avail.set(c, left - 1);
      }
    }
    if ((2 * common) / total < cutoff) continue;
    // SequenceMatcher(a=x, b=word): b is the word.
    const ratio = (2 * matchingCharacters(x, word)) / total;
    if (ratio >= cutoff) scored.push([ratio, x]);
  }
  scored.sort((p, q) => q[0] - p[0] || (q[1] > p[1] ? 1 : q[1] < p[1] ? -1 : 0));
  return scored.slice(0, n).map(([, x]) => x);
}

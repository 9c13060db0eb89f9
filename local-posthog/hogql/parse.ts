/**
 * HogQL for the local PostHog server, part 1: parsing with PostHog's own parser (@posthog/hogql-parser,
 * WASM), the errors the translator answers with (HTTP 400), and the checks PostHog makes of a parsed
 * query before printing it.
 */
/* eslint-disable @typescript-eslint/no-explicit-any */
export type Node = { node: string; [key: string]: any };

export const DEFAULT_RETURNED_ROWS = 100; // posthog/hogql/constants.py
export const MAX_SELECT_RETURNED_ROWS = 50000; // posthog/hogql/constants.py

export class HogQLError extends Error {
  constructor(
    message: string,
    readonly code: 'hogql_query_error' | 'hogql_syntax_error' = 'hogql_query_error',
  ) {
    super(message);
    this.name = 'HogQLError';
  }
}

export const LOCAL = 'is not supported by the local PostHog server';

export function unsupported(what: string): never {
  throw new HogQLError(`${what} ${LOCAL}.`);
}

// ---------------------------------------------------------------------------------------------
// Parser
// ---------------------------------------------------------------------------------------------

interface HogQLParser {
  parseSelect(input: string, isInternal?: boolean): string;
}
let parserPromise: Promise<HogQLParser> | null = null;
function getParser(): Promise<HogQLParser> {
  if (!parserPromise) {
    parserPromise = (async () => {
      const mod: any = await import('@posthog/hogql-parser');
      const factory = mod.default ?? mod;
      return (await factory()) as HogQLParser;
    })();
  }
  return parserPromise;
}

/**
 * Parsed query texts, most recent last. Values are placeholders, so one text serves every tool and
 * range: from the second request on, a query costs its JSON, not PostHog's parser (which takes
 * hundreds of milliseconds on the card's query). The parser's JSON is kept, not the tree, so every
 * caller gets a fresh tree to walk. Syntax errors are kept too: the same text fails the same way.
 */
const parsed = new Map<string, string>();
let parses = 0;
export const PARSE_CACHE_SIZE = 256;

/** PostHog's parser, through the cache of parsed texts (`cache: false` for measuring the parser itself). */
export async function parseHogQLSelect(query: string, options: { cache?: boolean } = {}): Promise<Node> {
  let json = options.cache === false ? undefined : parsed.get(query);
  if (json === undefined) {
    json = (await getParser()).parseSelect(query, false);
    parses++;
    if (options.cache !== false) {
      parsed.delete(query);
      parsed.set(query, json);
      if (parsed.size > PARSE_CACHE_SIZE) parsed.delete(parsed.keys().next().value!);
    }
  } else {
    // Most recently used last: the oldest goes first when the cache is full.
    parsed.delete(query);
    parsed.set(query, json);
  }
  const ast = JSON.parse(json) as Node & { error?: boolean; message?: string };
  if ((ast as any).error) {
    throw new HogQLError(String(ast.message ?? 'Syntax error'), 'hogql_syntax_error');
  }
  return ast;
}

/** How many texts the parse cache holds, and how often PostHog's parser has run (for the cache's test). */
export const parseCacheStats = () => ({ size: parsed.size, parses });

/** posthog/hogql/user_query_validator.py: the answer to OFFSET in a query sent with a personal API key. */
export const OFFSET_NOT_ALLOWED_MESSAGE =
  'OFFSET is not supported on queries made with a personal API key. ' +
  'For pagination, use keyset pagination on the `timestamp` column, e.g. ' +
  '`WHERE timestamp > :last_seen_timestamp ORDER BY timestamp LIMIT N`. ' +
  'For bulk data extraction, use batch exports: https://posthog.com/docs/cdp/batch-exports';

/**
 * What PostHog checks of a query sent with a personal API key before running it
 * (user_query_validator.py): no OFFSET anywhere, nor LIMIT n BY … OFFSET m.
 */
export function validateUserQuery(node: unknown): void {
  if (Array.isArray(node)) return node.forEach(validateUserQuery);
  if (!node || typeof node !== 'object') return;
  const n = node as Node;
  if ((n.node === 'SelectQuery' || n.node === 'SelectSetQuery') && n.offset != null) throw new HogQLError(OFFSET_NOT_ALLOWED_MESSAGE);
  if (n.node === 'SelectQuery' && n.limit_by && (n.limit_by as Node).offset_value != null) throw new HogQLError(OFFSET_NOT_ALLOWED_MESSAGE);
  for (const [key, value] of Object.entries(n)) if (key !== 'start' && key !== 'end' && value && typeof value === 'object') validateUserQuery(value);
}

/** Every function call of a parsed query, by the name written. */
export function callsOf(node: unknown, out: string[] = []): string[] {
  if (Array.isArray(node)) for (const n of node) callsOf(n, out);
  else if (node && typeof node === 'object') {
    const n = node as Node;
    if (n.node === 'Call') out.push(String(n.name));
    for (const [key, value] of Object.entries(n)) if (key !== 'start' && key !== 'end' && value && typeof value === 'object') callsOf(value, out);
  }
  return out;
}

/**
 * Works out which tool a page is. Pure, and without zod (it runs on every page of an enabled site:
 * lib/matching/siteSchema.ts holds the schemas). Takes the URL, the marker value the page carries and the
 * site's rules — never the page itself. First match wins:
 *   1. a page marker: <meta name="tool-lens:tool">, or the site's own selector/attribute;
 *   2. the site's URL rules: patterns with named captures (/tools/:tool, /app/:tool/*) or regexes;
 *   3. auto-mapping: the project's own page_path → tool_name pairs from tool_viewed events.
 */
import { compilePathRegex, type PathRegex } from './pathRegex';
import type { AutoMap, Site, UrlRule } from './siteSchema';

export type { AutoMap, Site, UrlRule } from './siteSchema';

export const TOOL_MARKER_NAME = 'tool-lens:tool';
/** Longest path the matcher reads: longer ones are no tool page (URL rules and auto-mapping skip them). */
export const MAX_PATH = 2048;

/**
 * A tool name is whatever the product's events call it — `o'reilly "quote" {tool}` and `<b>` included:
 * it only ever reaches a query as a placeholder value and the card as text. Refused: empty or
 * blank, longer than the protocol's 200 characters, surrounding spaces, control characters and
 * lone surrogates (no event could carry them as text).
 */
const UNUSABLE = /[\p{Cc}\u2028\u2029]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/u;
export function isValidToolName(value: string): boolean {
  return value.length > 0 && value.length <= 200 && value.trim() === value && !UNUSABLE.test(value);
}

export type ToolMatch = { tool: string; rule: 'marker' | 'url-rule' | 'auto-map'; detail: string };

export function newSite(origin: string): Site {
  return { origin, marker: null, urlRules: [], autoMap: true };
}

/** "https://a.example:8443/x" → "https://a.example:8443"; null when it is not an http(s) page. */
export function originOf(url: string): string | null {
  try {
    const u = new URL(url);
    return u.protocol === 'http:' || u.protocol === 'https:' ? u.origin : null;
  } catch {
    return null;
  }
}

// --- URL rules ---------------------------------------------------------------------------------

const escapeRegex = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** `/tools/:tool`, `/app/:tool/*` → a regex with a named `tool` group. Other `:names` match one segment. */
export function compilePattern(pattern: string): PathRegex | string {
  if (!pattern.startsWith('/')) return 'A pattern starts with /, e.g. /tools/:tool';
  if (!pattern.includes(':tool')) return 'A pattern needs :tool where the tool name is, e.g. /tools/:tool';
  const parts = pattern.split('/').map((segment, i, all) => {
    if (segment === '*' && i === all.length - 1) return '.*';
    if (segment === '*') return '[^/]+';
    const named = /^:([a-z_][a-z0-9_]*)$/i.exec(segment);
    if (named) return named[1] === 'tool' ? '(?<tool>[^/]+)' : '[^/]+';
    return escapeRegex(segment);
  });
  return compilePathRegex(`^${parts.join('/')}/?$`);
}

/**
 * A user's regex, in the rule language of lib/matching/pathRegex.ts: JavaScript's syntax without
 * backreferences or lookaround, run in linear time (never by the backtracking RegExp engine).
 */
export function compileRegex(source: string): PathRegex | string {
  return compilePathRegex(source);
}

export function compileRule(rule: UrlRule): PathRegex | string {
  return rule.kind === 'pattern' ? compilePattern(rule.value) : compileRegex(rule.value);
}

/** Rules compiled once per page, not at every navigation of a single-page app. */
const compiledRules = new Map<string, PathRegex | string>();
function compiledRule(rule: UrlRule): PathRegex | string {
  const key = `${rule.kind}\n${rule.value}`;
  let found = compiledRules.get(key);
  if (found === undefined) {
    if (compiledRules.size >= 200) compiledRules.clear();
    found = compileRule(rule);
    compiledRules.set(key, found);
  }
  return found;
}

function decode(segment: string): string | null {
  try {
    return decodeURIComponent(segment);
  } catch {
    return null; // malformed percent-encoding: not a tool we can name
  }
}

function matchRule(rule: UrlRule, pathname: string): string | null {
  const regex = compiledRule(rule);
  if (typeof regex === 'string') return null;
  const raw = regex.exec(pathname)?.capture;
  const captured = raw === undefined ? null : decode(raw);
  if (captured === null) return null;
  // Own keys only: `/tools/constructor` must not find Object.prototype.constructor in the map.
  const tool = Object.hasOwn(rule.map, captured) ? rule.map[captured]! : captured;
  return isValidToolName(tool) ? tool : null;
}

// --- auto-mapping ------------------------------------------------------------------------------

/*
 * Id-like path segments, as these regexes would find them (toolMatch.test.ts holds the checks below to
 * them): /^\d+$/ (12345), a uuid (/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i),
 * hashes (/^[0-9a-f]{12,}$/i), long tokens with digits (/^(?=.*\d)[A-Za-z0-9_-]{20,}$/). Checked in plain
 * code: the matcher reads the path on every page of an enabled site, and compiling four regexes there
 * cost more than the rest of the lookup.
 */
const isDigit = (c: number) => c >= 48 && c <= 57;
const isHex = (c: number) => isDigit(c) || (c >= 97 && c <= 102) || (c >= 65 && c <= 70);
const isTokenChar = (c: number) => isDigit(c) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95 || c === 45; // _ -
const UUID_DASHES = [8, 13, 18, 23];

export function isIdSegment(segment: string): boolean {
  const n = segment.length;
  let digits = 0;
  let hex = 0;
  let token = 0;
  for (let i = 0; i < n; i++) {
    const c = segment.charCodeAt(i);
    if (isDigit(c)) digits++;
    if (isHex(c)) hex++;
    if (isTokenChar(c)) token++;
  }
  if (n > 0 && digits === n) return true;
  if (n >= 12 && hex === n) return true;
  if (n >= 20 && token === n && digits > 0) return true;
  // A uuid: 32 hex digits in groups of 8-4-4-4-12.
  return n === 36 && hex === 32 && UUID_DASHES.every((i) => segment[i] === '-');
}

/** Path without query or hash, no trailing slash, id-like segments replaced by `:id`. */
export function normalizePath(path: string): string {
  const capped = path.slice(0, MAX_PATH);
  const query = capped.indexOf('?');
  const hash = capped.indexOf('#');
  const end = Math.min(query < 0 ? capped.length : query, hash < 0 ? capped.length : hash);
  const segments = capped
    .slice(0, end)
    .split('/')
    .filter(Boolean)
    .map((s) => (isIdSegment(s) ? ':id' : s));
  return `/${segments.join('/')}`;
}

/** Builds the lookup from the project's (page_path, tool, views) rows: the most viewed tool wins a path. */
export function buildAutoMap(rows: Array<{ path: string; tool: string; views: number }>): AutoMap {
  const best = new Map<string, { tool: string; views: number }>();
  for (const row of rows) {
    if (!isValidToolName(row.tool)) continue;
    const key = normalizePath(row.path);
    const current = best.get(key);
    if (!current || row.views > current.views) best.set(key, { tool: row.tool, views: row.views });
  }
  return Object.fromEntries([...best].map(([path, { tool }]) => [path, tool]));
}

// --- resolution --------------------------------------------------------------------------------

export interface ResolveInput {
  url: string;
  /** The marker value the page carries (meta tag or the site's selector), if any. */
  marker: string | null | undefined;
  site: Site | null;
  autoMap: AutoMap | null;
}

export function resolveTool({ url, marker, site, autoMap }: ResolveInput): ToolMatch | null {
  const fromMarker = marker?.trim();
  if (fromMarker && isValidToolName(fromMarker)) return { tool: fromMarker, rule: 'marker', detail: 'page marker' };
  let pathname: string;
  try {
    pathname = new URL(url).pathname;
  } catch {
    return null;
  }
  // The cap bounds a rule's work (linear in the path: pathRegex.ts); no tool page has a longer path.
  if (pathname.length > MAX_PATH) return null;
  for (const rule of site?.urlRules ?? []) {
    const tool = matchRule(rule, pathname);
    if (tool) return { tool, rule: 'url-rule', detail: `URL rule ${rule.value}` };
  }
  if (autoMap && (site?.autoMap ?? true)) {
    const key = normalizePath(pathname);
    const tool = Object.hasOwn(autoMap, key) ? autoMap[key] : undefined;
    if (tool) return { tool, rule: 'auto-map', detail: 'auto-mapping' };
  }
  return null;
}

/** The page marker: the meta tag, else the site's selector (its attribute, or its text). Reads one element. */
export function readMarker(doc: Pick<Document, 'querySelector'>, site: Site | null): string | null {
  const meta = doc.querySelector(`meta[name="${TOOL_MARKER_NAME}"]`)?.getAttribute('content');
  if (meta) return meta;
  if (!site?.marker) return null;
  let element: Element | null = null;
  try {
    element = doc.querySelector(site.marker.selector);
  } catch {
    return null; // an invalid selector is reported in the options, not here
  }
  if (!element) return null;
  return (site.marker.attribute ? element.getAttribute(site.marker.attribute) : element.textContent)?.slice(0, 200) ?? null;
}

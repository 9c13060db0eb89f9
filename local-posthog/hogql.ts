/**
 * HogQL → ClickHouse SQL for the local PostHog server.
 *
 * The query is parsed with PostHog's own parser (@posthog/hogql-parser, WASM) and the AST is
 * printed back as ClickHouse SQL from a WHITELIST of node types, fields and functions. Anything
 * outside the whitelist is rejected with a HogQLError (HTTP 400) rather than passed through, so a
 * query either runs with PostHog's semantics or fails loudly.
 */

/* eslint-disable @typescript-eslint/no-explicit-any */
type Node = { node: string; [key: string]: any };

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

const LOCAL = 'is not supported by the local PostHog server';

function unsupported(what: string): never {
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

export async function parseHogQLSelect(query: string): Promise<Node> {
  const parser = await getParser();
  const ast = JSON.parse(parser.parseSelect(query, false)) as Node & { error?: boolean; message?: string };
  if ((ast as any).error) {
    throw new HogQLError(String(ast.message ?? 'Syntax error'), 'hogql_syntax_error');
  }
  return ast;
}

// ---------------------------------------------------------------------------------------------
// Escaping (mirrors posthog/hogql/escape_sql.py)
// ---------------------------------------------------------------------------------------------

const STRING_ESCAPES: Record<string, string> = {
  '\\': '\\\\',
  "'": "\\'",
  '\b': '\\b',
  '\f': '\\f',
  '\r': '\\r',
  '\n': '\\n',
  '\t': '\\t',
  '\0': '\\0',
  '\x07': '\\a',
  '\v': '\\v',
};

export function escapeClickHouseString(value: string): string {
  return "'" + value.replace(/[\\'\b\f\r\n\t\0\x07\v]/g, (c) => STRING_ESCAPES[c] ?? c) + "'";
}

export function escapeIdentifier(name: string): string {
  if (name.includes('\0')) throw new HogQLError('Identifiers may not contain NUL bytes.');
  return '`' + name.replace(/[\\`]/g, (c) => '\\' + c) + '`';
}

function printNumber(n: number): string {
  if (!Number.isFinite(n)) throw new HogQLError(`Unsupported number: ${n}`);
  if (Number.isInteger(n) && Math.abs(n) < 1e21) return BigInt(n).toString();
  return String(n);
}

export function valueToSql(value: unknown, name = 'value'): string {
  if (value === null || value === undefined) return 'NULL';
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (typeof value === 'number') return printNumber(value);
  if (typeof value === 'string') return escapeClickHouseString(value);
  if (Array.isArray(value)) return '[' + value.map((v) => valueToSql(v, name)).join(', ') + ']';
  throw new HogQLError(`Placeholder {${name}} has a value of an unsupported type (${typeof value}).`);
}

// ---------------------------------------------------------------------------------------------
// Functions whitelist (names and arities from posthog/hogql/functions/*)
// ---------------------------------------------------------------------------------------------

interface FnMeta {
  ch: string;
  min: number;
  max: number | null;
  aggregate?: boolean;
  params?: [number, number | null];
  /** ClickHouse type appended as the last argument (PostHog's suffix_args, e.g. toInt → accurateCastOrNull(x, 'Int64')) */
  castTo?: string;
  /** Print with a custom template */
  print?: (args: string[]) => string;
}

const F = (ch: string, min: number, max: number | null, extra: Partial<FnMeta> = {}): FnMeta => ({ ch, min, max, ...extra });
const A = (ch: string, min: number, max: number | null, extra: Partial<FnMeta> = {}): FnMeta => ({ ch, min, max, aggregate: true, ...extra });

const TO_INT = F('accurateCastOrNull', 1, 1, { castTo: 'Int64' });
const TO_FLOAT = F('accurateCastOrNull', 1, 1, { castTo: 'Float64' });

export const FUNCTIONS: Record<string, FnMeta> = {
  // aggregations
  count: A('count', 0, 1),
  countIf: A('countIf', 1, 2),
  countDistinct: A('countDistinct', 1, 1),
  countDistinctIf: A('countDistinctIf', 1, 2),
  uniq: A('uniq', 1, null),
  uniqIf: A('uniqIf', 2, null),
  uniqExact: A('uniqExact', 1, null),
  uniqExactIf: A('uniqExactIf', 2, null),
  sum: A('sum', 1, 1),
  sumIf: A('sumIf', 2, 2),
  avg: A('avg', 1, 1),
  avgIf: A('avgIf', 2, 2),
  min: A('min', 1, 1),
  minIf: A('minIf', 2, 2),
  max: A('max', 1, 1),
  maxIf: A('maxIf', 2, 2),
  any: A('any', 1, 1),
  anyIf: A('anyIf', 2, 2),
  anyLast: A('anyLast', 1, 1),
  argMin: A('argMin', 2, 2),
  argMinIf: A('argMinIf', 3, 3),
  argMax: A('argMax', 2, 2),
  argMaxIf: A('argMaxIf', 3, 3),
  median: A('median', 1, 1),
  medianIf: A('medianIf', 2, 2),
  medianExact: A('medianExact', 1, 1),
  quantile: A('quantile', 1, 1, { params: [1, 1] }),
  quantileIf: A('quantileIf', 2, 2, { params: [1, 1] }),
  quantiles: A('quantiles', 1, null, { params: [1, null] }),
  quantileExact: A('quantileExact', 1, 1, { params: [1, 1] }),
  groupArray: A('groupArray', 1, 1),
  groupArrayIf: A('groupArrayIf', 2, 2),
  groupUniqArray: A('groupUniqArray', 1, 1),
  topK: A('topK', 1, 1, { params: [1, 1] }),
  windowFunnel: A('windowFunnel', 1, 99, { params: [1, 4] }),
  stddevPop: A('stddevPop', 1, 1),
  stddevSamp: A('stddevSamp', 1, 1),
  varPop: A('varPop', 1, 1),
  varSamp: A('varSamp', 1, 1),
  corr: A('corr', 2, 2),
  // arithmetic / math
  plus: F('plus', 2, 2),
  minus: F('minus', 2, 2),
  multiply: F('multiply', 2, 2),
  divide: F('divide', 2, 2),
  intDiv: F('intDiv', 2, 2),
  modulo: F('modulo', 2, 2),
  negate: F('negate', 1, 1),
  abs: F('abs', 1, 1),
  round: F('round', 1, 2),
  floor: F('floor', 1, 2),
  ceil: F('ceil', 1, 2),
  sqrt: F('sqrt', 1, 1),
  exp: F('exp', 1, 1),
  log: F('log', 1, 1),
  log2: F('log2', 1, 1),
  log10: F('log10', 1, 1),
  pow: F('pow', 2, 2),
  power: F('power', 2, 2),
  greatest: F('greatest', 2, null),
  least: F('least', 2, null),
  // comparison / logic (function form, printed as in ClickHouse)
  equals: F('equals', 2, 2),
  notEquals: F('notEquals', 2, 2),
  less: F('less', 2, 2),
  greater: F('greater', 2, 2),
  lessOrEquals: F('lessOrEquals', 2, 2),
  greaterOrEquals: F('greaterOrEquals', 2, 2),
  and: F('and', 2, null),
  or: F('or', 2, null),
  not: F('not', 1, 1),
  xor: F('xor', 2, null),
  if: F('if', 3, 3),
  multiIf: F('multiIf', 3, null),
  // nullability
  coalesce: F('coalesce', 1, null),
  ifNull: F('ifNull', 2, 2),
  nullIf: F('nullIf', 2, 2),
  isNull: F('isNull', 1, 1),
  isNotNull: F('isNotNull', 1, 1),
  assumeNotNull: F('assumeNotNull', 1, 1),
  // conversions
  toString: F('toString', 1, 2),
  toInt: TO_INT,
  toIntOrNull: TO_INT,
  toInt64: TO_INT,
  toInt64OrNull: TO_INT,
  toIntOrZero: F('toInt64OrZero', 1, 1),
  toInt64OrZero: F('toInt64OrZero', 1, 1),
  toFloat: TO_FLOAT,
  toFloatOrNull: TO_FLOAT,
  toFloat64: TO_FLOAT,
  toFloat64OrNull: TO_FLOAT,
  toFloatOrZero: F('toFloat64OrZero', 1, 1),
  toFloat64OrZero: F('toFloat64OrZero', 1, 1),
  toBool: F('accurateCastOrNull', 1, 1, { castTo: 'Bool' }),
  toUUID: F('accurateCastOrNull', 1, 1, { castTo: 'UUID' }),
  // NOT exposed by real PostHog HogQL (only the internal `_toUInt64`); accepted locally, see README.
  toUInt64: F('toUInt64', 1, 1),
  reinterpretAsUInt64: F('reinterpretAsUInt64', 1, 1),
  toJSONString: F('toJSONString', 1, 1),
  toTypeName: F('toTypeName', 1, 1),
  cityHash64: F('cityHash64', 1, 1),
  // dates and times
  now: F('now64', 0, 0, { print: () => "now64(6, 'UTC')" }),
  today: F('today', 0, 0),
  toDateTime: F('toDateTime', 1, 2, { print: (a) => (a.length === 1 ? `toDateTime(${a[0]}, 'UTC')` : `toDateTime(${a[0]}, ${a[1]})`) }),
  toDate: F('toDate', 1, 1),
  toTimeZone: F('toTimeZone', 2, 2),
  toStartOfDay: F('toStartOfDay', 1, 2),
  toStartOfHour: F('toStartOfHour', 1, 2),
  toStartOfMinute: F('toStartOfMinute', 1, 2),
  toStartOfFifteenMinutes: F('toStartOfFifteenMinutes', 1, 2),
  toStartOfWeek: F('toStartOfWeek', 1, 3),
  toStartOfMonth: F('toStartOfMonth', 1, 2),
  toStartOfYear: F('toStartOfYear', 1, 2),
  toStartOfInterval: F('toStartOfInterval', 2, 2),
  toYear: F('toYear', 1, 1),
  toMonth: F('toMonth', 1, 1),
  toDayOfWeek: F('toDayOfWeek', 1, 3),
  toDayOfMonth: F('toDayOfMonth', 1, 1),
  toHour: F('toHour', 1, 1),
  toMinute: F('toMinute', 1, 1),
  toSecond: F('toSecond', 1, 1),
  toYYYYMM: F('toYYYYMM', 1, 1),
  toYYYYMMDD: F('toYYYYMMDD', 1, 1),
  toUnixTimestamp: F('toUnixTimestamp', 1, 2),
  toUnixTimestamp64Milli: F('toUnixTimestamp64Milli', 1, 1),
  fromUnixTimestamp: F('fromUnixTimestamp', 1, 1),
  fromUnixTimestamp64Milli: F('fromUnixTimestamp64Milli', 1, 1),
  dateDiff: F('dateDiff', 3, 3),
  dateAdd: F('dateAdd', 3, 3),
  dateSub: F('dateSub', 3, 3),
  formatDateTime: F('formatDateTime', 2, 3),
  toIntervalSecond: F('toIntervalSecond', 1, 1),
  toIntervalMinute: F('toIntervalMinute', 1, 1),
  toIntervalHour: F('toIntervalHour', 1, 1),
  toIntervalDay: F('toIntervalDay', 1, 1),
  toIntervalWeek: F('toIntervalWeek', 1, 1),
  toIntervalMonth: F('toIntervalMonth', 1, 1),
  toIntervalQuarter: F('toIntervalQuarter', 1, 1),
  toIntervalYear: F('toIntervalYear', 1, 1),
  // arrays and tuples
  array: F('array', 0, null),
  tuple: F('tuple', 0, null),
  range: F('range', 1, 3),
  arrayJoin: F('arrayJoin', 1, 1),
  length: F('length', 1, 1),
  empty: F('empty', 1, 1),
  notEmpty: F('notEmpty', 1, 1),
  has: F('has', 2, 2),
  hasAll: F('hasAll', 2, 2),
  hasAny: F('hasAny', 2, 2),
  indexOf: F('indexOf', 2, 2),
  arrayElement: F('arrayElement', 2, 2),
  arraySlice: F('arraySlice', 2, 3),
  arrayConcat: F('arrayConcat', 2, null),
  arrayMap: F('arrayMap', 2, null),
  arrayFilter: F('arrayFilter', 2, null),
  arrayExists: F('arrayExists', 1, null),
  arrayCount: F('arrayCount', 1, null),
  arraySum: F('arraySum', 1, 2),
  arraySort: F('arraySort', 1, null),
  arrayReverseSort: F('arrayReverseSort', 1, null),
  arrayDistinct: F('arrayDistinct', 1, 1),
  arrayStringConcat: F('arrayStringConcat', 1, 2),
  tupleElement: F('tupleElement', 2, 3),
  // strings
  lower: F('lower', 1, 1),
  upper: F('upper', 1, 1),
  concat: F('concat', 2, null),
  substring: F('substring', 2, 3),
  substr: F('substring', 2, 3),
  startsWith: F('startsWith', 2, 2),
  endsWith: F('endsWith', 2, 2),
  like: F('like', 2, 2),
  notLike: F('notLike', 2, 2),
  ilike: F('ilike', 2, 2),
  notILike: F('notILike', 2, 2),
  match: F('match', 2, 2),
  position: F('position', 2, 3),
  replaceAll: F('replaceAll', 3, 3),
  replaceOne: F('replaceOne', 3, 3),
  replaceRegexpAll: F('replaceRegexpAll', 3, 3),
  replaceRegexpOne: F('replaceRegexpOne', 3, 3),
  extract: F('extract', 2, 2),
  trim: F('trimBoth', 1, 1),
  splitByChar: F('splitByChar', 2, 3),
  splitByString: F('splitByString', 2, 3),
  lengthUTF8: F('lengthUTF8', 1, 1),
  leftPad: F('leftPad', 2, 3),
  rightPad: F('rightPad', 2, 3),
  extractURLParameter: F('extractURLParameter', 2, 2),
  domain: F('domain', 1, 1),
  path: F('path', 1, 1),
  JSONExtractString: F('JSONExtractString', 1, null),
  JSONExtractInt: F('JSONExtractInt', 1, null),
  JSONExtractFloat: F('JSONExtractFloat', 1, null),
  JSONExtractBool: F('JSONExtractBool', 1, null),
  JSONExtractRaw: F('JSONExtractRaw', 1, null),
  JSONHas: F('JSONHas', 1, null),
  JSONLength: F('JSONLength', 1, null),
};

// PostHog matches a few functions case-insensitively (case_sensitive=False in the mapping).
const CASE_INSENSITIVE = ['count', 'min', 'max', 'sum', 'avg', 'coalesce', 'ifNull', 'nullIf', 'isNull', 'length', 'lower', 'upper', 'abs', 'round', 'floor', 'ceil', 'concat', 'substring', 'trim'];
const LOWER_MAP = new Map(CASE_INSENSITIVE.map((n) => [n.toLowerCase(), n]));

function findFunction(name: string): FnMeta | undefined {
  if (Object.prototype.hasOwnProperty.call(FUNCTIONS, name)) return FUNCTIONS[name];
  const alt = LOWER_MAP.get(name.toLowerCase());
  return alt ? FUNCTIONS[alt] : undefined;
}

// ---------------------------------------------------------------------------------------------
// Scopes
// ---------------------------------------------------------------------------------------------

export const EVENT_COLUMNS = ['uuid', 'event', 'properties', 'timestamp', 'distinct_id', 'elements_chain', 'created_at', 'person_id'] as const;
const EVENT_COLUMN_SET = new Set<string>(EVENT_COLUMNS);
/** Virtual fields PostHog exposes on events that map to a property here. */
const EVENT_PROPERTY_FIELDS = new Set(['$session_id', '$window_id']);

type Source =
  | { kind: 'events'; alias: string | null }
  | { kind: 'subquery'; alias: string | null; columns: string[] | null };

interface CteDef {
  kind: 'subquery' | 'column';
  expr: Node;
  ctes: Map<string, CteDef>; // scope where it was defined (for subquery CTEs)
}

interface Scope {
  source: Source | null;
  aliases: Set<string>;
  lambdaArgs: Set<string>;
  ctes: Map<string, CteDef>;
}

interface Ctx {
  query: string;
  values: Record<string, unknown>;
}

export interface Translation {
  sql: string;
  columns: string[] | null; // null → use the engine's column names
  limit: number | null;
  offset: number | null;
  /** true when the top-level query asks for limit+1 rows so hasMore can be computed */
  fetchesExtraRow: boolean;
}

const FRIENDLY: Record<string, string> = {
  limit_by: 'LIMIT BY',
  limit_with_ties: 'LIMIT ... WITH TIES',
  window_exprs: 'WINDOW',
  qualify: 'QUALIFY',
  settings: 'SETTINGS',
  sample: 'SAMPLE',
  table_final: 'FINAL',
  next_join: 'JOIN',
  column_aliases: 'Table column aliases',
  filter_expr: 'FILTER (WHERE ...)',
  order_by: 'ORDER BY inside a function call',
  view_name: 'Views',
  using_key: 'CTE USING KEY',
  materialized: 'MATERIALIZED CTE',
  columns: 'CTE column lists',
  frame_start: 'Window frames',
  interpolate: 'INTERPOLATE',
};

function assertOnly(node: Node, allowed: string[]): void {
  for (const [key, value] of Object.entries(node)) {
    if (key === 'node' || key === 'start' || key === 'end' || allowed.includes(key)) continue;
    if (value === null || value === undefined || value === false) continue;
    if (Array.isArray(value) && value.length === 0) continue;
    unsupported(FRIENDLY[key] ?? `'${key}' in ${node.node}`);
  }
}

function sourceText(ctx: Ctx, node: Node): string | null {
  const s = node.start?.offset;
  const e = node.end?.offset;
  if (typeof s === 'number' && typeof e === 'number' && e > s && e <= ctx.query.length) return ctx.query.slice(s, e);
  return null;
}

// ---------------------------------------------------------------------------------------------
// Printer
// ---------------------------------------------------------------------------------------------

export async function translateHogQL(query: string, values: Record<string, unknown> = {}): Promise<Translation> {
  const ast = await parseHogQLSelect(query);
  const ctx: Ctx = { query, values };
  return printTop(ast, ctx);
}

function printTop(ast: Node, ctx: Ctx): Translation {
  if (ast.node === 'SelectQuery') {
    const limitInfo = topLimit(ast, ctx);
    const { sql, columns } = printSelect(ast, ctx, new Map(), limitInfo);
    return { sql, columns, limit: limitInfo.limit, offset: limitInfo.offset, fetchesExtraRow: limitInfo.extraRow };
  }
  if (ast.node === 'SelectSetQuery') {
    const parts = setParts(ast);
    const printed = parts.map((p) => {
      if (p.query.node === 'SelectQuery') {
        const li = topLimit(p.query, ctx, false);
        return { op: p.op, ...printSelect(p.query, ctx, new Map(), li) };
      }
      return { op: p.op, ...printSetQuery(p.query, ctx, new Map()) };
    });
    const sql = printed.map((p, i) => (i === 0 ? p.sql : `${p.op} ${p.sql}`)).join(' ');
    return { sql, columns: printed[0]?.columns ?? null, limit: null, offset: null, fetchesExtraRow: false };
  }
  unsupported(`Top-level ${ast.node}`);
}

interface LimitInfo {
  limitSql: string | null;
  offsetSql: string | null;
  limit: number | null;
  offset: number | null;
  extraRow: boolean;
}

/** PostHog applies DEFAULT_RETURNED_ROWS when there is no LIMIT and caps at MAX_SELECT_RETURNED_ROWS. */
function topLimit(q: Node, ctx: Ctx, wantExtraRow = true): LimitInfo {
  const emptyScope: Scope = { source: null, aliases: new Set(), lambdaArgs: new Set(), ctes: new Map() };
  let limit: number | null = null;
  let limitSql: string;
  if (q.limit == null) {
    limit = DEFAULT_RETURNED_ROWS;
    limitSql = String(limit);
  } else {
    const l = resolvePlaceholderConstant(q.limit, ctx);
    if (l.node === 'Constant' && typeof l.value === 'number' && Number.isInteger(l.value)) {
      limit = Math.min(l.value, MAX_SELECT_RETURNED_ROWS);
      limitSql = String(limit);
    } else {
      limitSql = `min2(${MAX_SELECT_RETURNED_ROWS}, ${printExpr(l, emptyScope, ctx)})`;
    }
  }
  let offset: number | null = null;
  let offsetSql: string | null = null;
  if (q.offset != null) {
    const o = resolvePlaceholderConstant(q.offset, ctx);
    if (o.node === 'Constant' && typeof o.value === 'number') offset = o.value;
    offsetSql = printExpr(o, emptyScope, ctx);
  }
  const extraRow = wantExtraRow && limit !== null;
  if (extraRow) limitSql = String((limit as number) + 1);
  return { limitSql, offsetSql, limit, offset, extraRow };
}

function resolvePlaceholderConstant(n: Node, ctx: Ctx): Node {
  if (n.node === 'Placeholder') {
    const v = placeholderValue(n, ctx);
    if (v === null || ['string', 'number', 'boolean'].includes(typeof v)) return { node: 'Constant', value: v };
  }
  return n;
}

function setParts(q: Node): { op: string; query: Node }[] {
  assertOnly(q, ['initial_select_query', 'subsequent_select_queries']);
  const parts: { op: string; query: Node }[] = [{ op: '', query: q.initial_select_query }];
  for (const s of (q.subsequent_select_queries ?? []) as Node[]) {
    const op = String(s.set_operator ?? '');
    if (op !== 'UNION ALL' && op !== 'UNION DISTINCT') unsupported(`Set operator ${op || '(none)'}`);
    parts.push({ op, query: s.select_query });
  }
  return parts;
}

function printSetQuery(q: Node, ctx: Ctx, ctes: Map<string, CteDef>): { sql: string; columns: string[] | null } {
  const parts = setParts(q);
  const printed = parts.map((p) => ({ op: p.op, ...printAnySelect(p.query, ctx, ctes) }));
  return {
    sql: printed.map((p, i) => (i === 0 ? p.sql : `${p.op} ${p.sql}`)).join(' '),
    columns: printed[0]?.columns ?? null,
  };
}

function printAnySelect(q: Node, ctx: Ctx, ctes: Map<string, CteDef>): { sql: string; columns: string[] | null } {
  if (q.node === 'SelectQuery') return printSelect(q, ctx, ctes, null);
  if (q.node === 'SelectSetQuery') {
    const r = printSetQuery(q, ctx, ctes);
    return { sql: `(${r.sql})`, columns: r.columns };
  }
  unsupported(q.node);
}

function collectAliases(n: unknown, out: Set<string>): void {
  if (!n || typeof n !== 'object') return;
  if (Array.isArray(n)) {
    for (const x of n) collectAliases(x, out);
    return;
  }
  const node = n as Node;
  if (node.node === 'SelectQuery' || node.node === 'SelectSetQuery') return; // own scope
  if (node.node === 'Alias' && typeof node.alias === 'string') out.add(node.alias);
  for (const [k, v] of Object.entries(node)) if (k !== 'start' && k !== 'end') collectAliases(v, out);
}

function printSelect(
  q: Node,
  ctx: Ctx,
  parentCtes: Map<string, CteDef>,
  top: LimitInfo | null,
): { sql: string; columns: string[] | null } {
  assertOnly(q, [
    'select', 'distinct', 'select_from', 'where', 'prewhere', 'having', 'group_by', 'order_by',
    'limit', 'offset', 'array_join_op', 'array_join_list', 'ctes',
  ]);

  // CTEs
  const ctes = new Map(parentCtes);
  const cteList: Node[] = Array.isArray(q.ctes) ? q.ctes : q.ctes && typeof q.ctes === 'object' ? Object.values(q.ctes) : [];
  for (const cte of cteList) {
    assertOnly(cte, ['name', 'expr', 'cte_type']);
    if (cte.cte_type === 'subquery') ctes.set(cte.name, { kind: 'subquery', expr: cte.expr, ctes: new Map(ctes) });
    else if (cte.cte_type === 'column') ctes.set(cte.name, { kind: 'column', expr: cte.expr, ctes: new Map(ctes) });
    else unsupported(`CTE type ${cte.cte_type}`);
  }

  const scope: Scope = { source: null, aliases: new Set(), lambdaArgs: new Set(), ctes };
  let fromSql = '';
  if (q.select_from) {
    const j = q.select_from as Node;
    if (j.node !== 'JoinExpr') unsupported(j.node);
    if (Array.isArray(j.table_args) && j.table_args.length && j.table?.node === 'Field') {
      unsupported(`Table function '${(j.table.chain as unknown[]).join('.')}'`);
    }
    assertOnly(j, ['table', 'alias']);
    const alias: string | null = j.alias ?? null;
    const t = j.table as Node;
    if (t.node === 'Field') {
      const chain = t.chain as unknown[];
      const name = chain.length === 1 ? String(chain[0]) : null;
      const cte = name ? ctes.get(name) : undefined;
      if (name && cte && cte.kind === 'subquery') {
        const sub = printAnySelect(cte.expr, ctx, cte.ctes);
        const a = alias ?? name;
        fromSql = ` FROM ${wrapSubquery(sub.sql)} AS ${escapeIdentifier(a)}`;
        scope.source = { kind: 'subquery', alias: a, columns: sub.columns };
      } else if (name === 'events') {
        fromSql = ` FROM events` + (alias ? ` AS ${escapeIdentifier(alias)}` : '');
        scope.source = { kind: 'events', alias };
      } else {
        unsupported(`Table '${chain.join('.')}'`);
      }
    } else if (t.node === 'SelectQuery' || t.node === 'SelectSetQuery') {
      const sub = printAnySelect(t, ctx, ctes);
      fromSql = ` FROM ${wrapSubquery(sub.sql)}` + (alias ? ` AS ${escapeIdentifier(alias)}` : '');
      scope.source = { kind: 'subquery', alias, columns: sub.columns };
    } else if (t.node === 'Call') {
      unsupported(`Table function '${t.name}'`);
    } else {
      unsupported(`FROM ${t.node}`);
    }
  }

  collectAliases(q.select, scope.aliases);
  collectAliases(q.array_join_list, scope.aliases);

  // SELECT list
  const selectParts: string[] = [];
  const columns: string[] | null = [];
  let columnsKnown = true;
  for (const item of q.select as Node[]) {
    if (item.node === 'Field' && String(item.chain[item.chain.length - 1]) === '*') {
      const expanded = expandStar(item, scope);
      if (expanded) {
        for (const e of expanded) {
          selectParts.push(e.sql);
          columns.push(e.name);
        }
      } else {
        selectParts.push('*');
        columnsKnown = false;
      }
      continue;
    }
    if (item.node === 'Alias') {
      assertOnly(item, ['alias', 'expr', 'hidden']);
      const inner = { ...scope, aliases: new Set([...scope.aliases].filter((a) => a !== item.alias)) };
      selectParts.push(`${printExpr(item.expr, inner, ctx)} AS ${escapeIdentifier(item.alias)}`);
      columns.push(item.alias);
      continue;
    }
    const printed = printExpr(item, scope, ctx);
    let name: string;
    if (item.node === 'Field') {
      name = String(item.chain[item.chain.length - 1]);
      // Subquery columns keep their HogQL name (PostHog does the same), unless that would shadow a column.
      if (!top && printed !== escapeIdentifier(name) && !EVENT_COLUMN_SET.has(name) && !scope.aliases.has(name)) {
        selectParts.push(`${printed} AS ${escapeIdentifier(name)}`);
        columns.push(name);
        continue;
      }
    } else {
      name = sourceText(ctx, item) ?? printed;
    }
    selectParts.push(printed);
    columns.push(name);
  }

  let sql = 'SELECT ' + (q.distinct ? 'DISTINCT ' : '') + selectParts.join(', ') + fromSql;

  if (q.array_join_op) {
    const op = String(q.array_join_op);
    if (op !== 'ARRAY JOIN' && op !== 'LEFT ARRAY JOIN') unsupported(op);
    const items = (q.array_join_list as Node[]).map((it) => {
      if (it.node === 'Alias') return `${printExpr(it.expr, scope, ctx)} AS ${escapeIdentifier(it.alias)}`;
      return printExpr(it, scope, ctx);
    });
    sql += ` ${op} ${items.join(', ')}`;
  }
  if (q.prewhere) sql += ` PREWHERE ${printExpr(q.prewhere, scope, ctx)}`;
  if (q.where) sql += ` WHERE ${printExpr(q.where, scope, ctx)}`;
  if (q.group_by) sql += ` GROUP BY ${(q.group_by as Node[]).map((g) => printExpr(g, scope, ctx)).join(', ')}`;
  if (q.having) sql += ` HAVING ${printExpr(q.having, scope, ctx)}`;
  if (q.order_by) {
    sql += ` ORDER BY ${(q.order_by as Node[])
      .map((o) => {
        if (o.node !== 'OrderExpr') unsupported(o.node);
        assertOnly(o, ['expr', 'order']);
        const dir = o.order === 'DESC' ? 'DESC' : 'ASC';
        return `${printExpr(o.expr, scope, ctx)} ${dir}`;
      })
      .join(', ')}`;
  }
  if (top) {
    if (top.limitSql) sql += ` LIMIT ${top.limitSql}`;
    if (top.offsetSql) sql += ` OFFSET ${top.offsetSql}`;
  } else {
    if (q.limit != null) sql += ` LIMIT ${printExpr(q.limit, scope, ctx)}`;
    if (q.offset != null) sql += ` OFFSET ${printExpr(q.offset, scope, ctx)}`;
  }
  return { sql, columns: columnsKnown ? columns : null };
}

function wrapSubquery(sql: string): string {
  return sql.startsWith('(') && sql.endsWith(')') ? sql : `(${sql})`;
}

function expandStar(item: Node, scope: Scope): { sql: string; name: string }[] | null {
  const chain = item.chain as unknown[];
  const src = scope.source;
  if (!src) unsupported('SELECT * without FROM');
  if (chain.length === 2 && String(chain[0]) !== (src.alias ?? (src.kind === 'events' ? 'events' : ''))) {
    throw new HogQLError(`Unable to resolve field: ${chain.join('.')}`);
  }
  if (chain.length > 2) throw new HogQLError(`Unable to resolve field: ${chain.join('.')}`);
  if (src.kind === 'events') {
    const q = escapeIdentifier(src.alias ?? 'events');
    return EVENT_COLUMNS.map((c) => ({ sql: `${q}.${c}`, name: c }));
  }
  if (!src.columns) return null;
  const prefix = src.alias ? `${escapeIdentifier(src.alias)}.` : '';
  return src.columns.map((c) => ({ sql: `${prefix}${escapeIdentifier(c)}`, name: c }));
}

function propertyAccess(base: string, keys: unknown[]): string {
  const args = keys.map((k) => (typeof k === 'number' ? printNumber(k) : escapeClickHouseString(String(k))));
  return `replaceRegexpAll(nullIf(nullIf(JSONExtractRaw(${base}, ${args.join(', ')}), ''), 'null'), '^"|"$', '')`;
}

function resolveField(chain: unknown[], scope: Scope, ctx: Ctx): string {
  const full = chain.map(String).join('.');
  if (chain.length === 1 && chain[0] === '*') return '*';
  const first = String(chain[0]);
  if (chain.length === 1 && scope.lambdaArgs.has(first)) return escapeIdentifier(first);
  if (chain.length === 1 && scope.aliases.has(first)) return escapeIdentifier(first);
  const cte = scope.ctes.get(first);
  if (chain.length === 1 && cte && cte.kind === 'column') {
    const cteScope: Scope = { source: null, aliases: new Set(), lambdaArgs: new Set(), ctes: cte.ctes };
    return `(${printExpr(cte.expr, cteScope, ctx)})`;
  }
  const src = scope.source;
  if (!src) throw new HogQLError(`Unable to resolve field: ${full}`);
  let rest = chain;
  if (chain.length > 1 && src.alias && first === src.alias) rest = chain.slice(1);
  else if (chain.length > 1 && src.kind === 'events' && !src.alias && first === 'events') rest = chain.slice(1);
  const col = String(rest[0]);
  if (src.kind === 'events') {
    const qual = escapeIdentifier(src.alias ?? 'events');
    if (EVENT_COLUMN_SET.has(col)) {
      const base = `${qual}.${col}`;
      if (rest.length === 1) return base;
      if (col === 'properties') return propertyAccess(base, rest.slice(1));
      throw new HogQLError(`Field '${col}' has no nested fields (in ${full}).`);
    }
    if (rest.length === 1 && EVENT_PROPERTY_FIELDS.has(col)) return propertyAccess(`${qual}.properties`, [col]);
    if (col === 'person' && rest.length >= 3 && String(rest[1]) === 'properties') {
      // person.properties.x: the person's properties at the time of the event (persons on events).
      return propertyAccess(`${qual}.person_properties`, rest.slice(2));
    }
    if (['person', 'pdi', 'session', 'poe', 'goe_0', 'elements_chain_href', 'elements_chain_texts', 'group_0', 'override'].includes(col) || col.startsWith('$group_')) {
      unsupported(`Field '${full}'`);
    }
    throw new HogQLError(`Unable to resolve field: ${full}`);
  }
  // subquery
  if (src.columns && !src.columns.includes(col)) throw new HogQLError(`Unable to resolve field: ${full}`);
  const base = (src.alias ? `${escapeIdentifier(src.alias)}.` : '') + escapeIdentifier(col);
  if (rest.length === 1) return base;
  return propertyAccess(base, rest.slice(1));
}

function placeholderValue(n: Node, ctx: Ctx): unknown {
  const e = n.expr as Node;
  if (!e || e.node !== 'Field') unsupported('Placeholders with expressions');
  const chain = (e.chain as unknown[]).map(String);
  const name = chain.join('.');
  if (Object.prototype.hasOwnProperty.call(ctx.values, name)) return ctx.values[name];
  let cur: unknown = ctx.values;
  for (const part of chain) {
    if (cur && typeof cur === 'object' && !Array.isArray(cur) && Object.prototype.hasOwnProperty.call(cur, part)) {
      cur = (cur as Record<string, unknown>)[part];
    } else {
      const available = Object.keys(ctx.values);
      throw new HogQLError(
        `Placeholder {${name}} is not available in this context.` +
          (available.length ? ` You can use the following: ${available.join(', ')}` : ' No values were given.'),
      );
    }
  }
  return cur;
}

const COMPARE_FN: Record<string, { fn: string; nullResult: string }> = {
  '<': { fn: 'less', nullResult: '0' },
  '<=': { fn: 'lessOrEquals', nullResult: '0' },
  '>': { fn: 'greater', nullResult: '0' },
  '>=': { fn: 'greaterOrEquals', nullResult: '0' },
  like: { fn: 'like', nullResult: '0' },
  ilike: { fn: 'ilike', nullResult: '0' },
  'not like': { fn: 'notLike', nullResult: '1' },
  'not ilike': { fn: 'notILike', nullResult: '1' },
};

function isNullConst(n: Node): boolean {
  return n.node === 'Constant' && n.value === null;
}

function printInRight(n: Node, scope: Scope, ctx: Ctx): string {
  if (n.node === 'Tuple') {
    assertOnly(n, ['exprs']);
    return '(' + (n.exprs as Node[]).map((e) => printExpr(e, scope, ctx)).join(', ') + ')';
  }
  if (n.node === 'SelectQuery' || n.node === 'SelectSetQuery') {
    return wrapSubquery(printAnySelect(n, ctx, scope.ctes).sql);
  }
  return printExpr(n, scope, ctx);
}

function printExpr(n: Node, scope: Scope, ctx: Ctx): string {
  if (!n || typeof n !== 'object') throw new HogQLError('Invalid expression');
  switch (n.node) {
    case 'Constant': {
      const v = n.value;
      if (typeof v === 'number' && Number.isInteger(v) && /[.eE]/.test(sourceText(ctx, n) ?? '')) {
        return `${printNumber(v)}.0`; // keep 0.0 a Float64 (JSON turns it into 0)
      }
      if (v === null || typeof v === 'boolean' || typeof v === 'number' || typeof v === 'string') return valueToSql(v);
      unsupported(`Constant of type ${typeof v}`);
    }
    // eslint-disable-next-line no-fallthrough
    case 'Placeholder': {
      const v = placeholderValue(n, ctx);
      const name = (n.expr.chain as unknown[]).map(String).join('.');
      return valueToSql(v, name);
    }
    case 'Field':
      assertOnly(n, ['chain', 'from_asterisk']);
      return resolveField(n.chain as unknown[], scope, ctx);
    case 'Alias':
      assertOnly(n, ['alias', 'expr', 'hidden']);
      return `(${printExpr(n.expr, scope, ctx)} AS ${escapeIdentifier(n.alias)})`;
    case 'ArithmeticOperation': {
      const fn = { '+': 'plus', '-': 'minus', '*': 'multiply', '/': 'divide', '%': 'modulo' }[n.op as string];
      if (!fn) unsupported(`Operator ${n.op}`);
      return `${fn}(${printExpr(n.left, scope, ctx)}, ${printExpr(n.right, scope, ctx)})`;
    }
    case 'CompareOperation': {
      assertOnly(n, ['left', 'right', 'op', 'is_null_comparison_style']);
      const op = String(n.op);
      const left = n.left as Node;
      const right = n.right as Node;
      if (op === '==' || op === '!=') {
        if (isNullConst(right) || isNullConst(left)) {
          const other = isNullConst(right) ? left : right;
          if (isNullConst(other)) return op === '==' ? '1' : '0';
          return `${op === '==' ? 'isNull' : 'isNotNull'}(${printExpr(other, scope, ctx)})`;
        }
        const l = printExpr(left, scope, ctx);
        const r = printExpr(right, scope, ctx);
        // PostHog's null-safe comparison semantics: NULL = NULL is true, NULL != 'x' is true.
        return op === '=='
          ? `ifNull(equals(${l}, ${r}), and(isNull(${l}), isNull(${r})))`
          : `ifNull(notEquals(${l}, ${r}), or(isNotNull(${l}), isNotNull(${r})))`;
      }
      if (op === 'in' || op === 'not in') {
        const l = printExpr(left, scope, ctx);
        const r = printInRight(right, scope, ctx);
        return op === 'in' ? `ifNull((${l} IN ${r}), 0)` : `ifNull((${l} NOT IN ${r}), 1)`;
      }
      if (op === '=~' || op === '!~' || op === '=~*' || op === '!~*') {
        const l = printExpr(left, scope, ctx);
        let r = printExpr(right, scope, ctx);
        if (op.endsWith('*')) r = `concat('(?i)', ${r})`;
        return op.startsWith('=') ? `ifNull(match(${l}, ${r}), 0)` : `ifNull(not(match(${l}, ${r})), 1)`;
      }
      const c = COMPARE_FN[op];
      if (!c) unsupported(`Comparison operator '${op}'`);
      return `ifNull(${c.fn}(${printExpr(left, scope, ctx)}, ${printExpr(right, scope, ctx)}), ${c.nullResult})`;
    }
    case 'And':
    case 'Or': {
      assertOnly(n, ['exprs']);
      const parts = (n.exprs as Node[]).map((e) => printExpr(e, scope, ctx));
      if (parts.length === 1) return parts[0] as string;
      return `${n.node === 'And' ? 'and' : 'or'}(${parts.join(', ')})`;
    }
    case 'Not':
      assertOnly(n, ['expr']);
      return `not(${printExpr(n.expr, scope, ctx)})`;
    case 'BetweenExpr': {
      assertOnly(n, ['expr', 'low', 'high', 'negated']);
      const e = printExpr(n.expr, scope, ctx);
      return `(${e} ${n.negated ? 'NOT ' : ''}BETWEEN ${printExpr(n.low, scope, ctx)} AND ${printExpr(n.high, scope, ctx)})`;
    }
    case 'Tuple':
      assertOnly(n, ['exprs']);
      return `tuple(${(n.exprs as Node[]).map((e) => printExpr(e, scope, ctx)).join(', ')})`;
    case 'Array':
      assertOnly(n, ['exprs']);
      return `[${(n.exprs as Node[]).map((e) => printExpr(e, scope, ctx)).join(', ')}]`;
    case 'ArrayAccess': {
      assertOnly(n, ['array', 'property', 'nullish']);
      // properties['x'] (or properties[{placeholder}]) means properties.x, as PostHog's resolver folds it.
      const array = n.array as Node;
      const key = n.property as Node;
      const keyValue = key.node === 'Constant' ? key.value : key.node === 'Placeholder' ? placeholderValue(key, ctx) : undefined;
      if (!n.nullish && array.node === 'Field' && typeof keyValue === 'string' && (array.chain as unknown[]).some((c) => String(c) === 'properties')) {
        return resolveField([...(array.chain as unknown[]), keyValue], scope, ctx);
      }
      return `arrayElement(${printExpr(array, scope, ctx)}, ${printExpr(key, scope, ctx)})`;
    }
    case 'TupleAccess': {
      assertOnly(n, ['tuple', 'index', 'nullish']);
      const t = n.tuple as Node;
      if (t.node === 'Field' && typeof n.index === 'number') {
        const chain = t.chain as unknown[];
        if (chain.some((c) => String(c) === 'properties')) {
          // properties.a.1 → JSON index access, as PostHog does for property chains
          return resolveField([...chain, n.index], scope, ctx);
        }
      }
      return `tupleElement(${printExpr(t, scope, ctx)}, ${printNumber(Number(n.index))})`;
    }
    case 'Lambda': {
      assertOnly(n, ['args', 'expr']);
      const args = (n.args as unknown[]).map(String);
      const inner: Scope = { ...scope, lambdaArgs: new Set([...scope.lambdaArgs, ...args]) };
      const head = args.length === 1 ? escapeIdentifier(args[0] as string) : `(${args.map(escapeIdentifier).join(', ')})`;
      return `${head} -> ${printExpr(n.expr, inner, ctx)}`;
    }
    case 'Call':
      return printCall(n, scope, ctx);
    case 'SelectQuery':
    case 'SelectSetQuery':
      return wrapSubquery(printAnySelect(n, ctx, scope.ctes).sql);
    case 'WindowFunction':
      unsupported('Window functions (OVER ...)');
    // eslint-disable-next-line no-fallthrough
    default:
      unsupported(`${n.node}`);
  }
}

function printCall(n: Node, scope: Scope, ctx: Ctx): string {
  assertOnly(n, ['name', 'args', 'params', 'distinct']);
  const name = String(n.name);
  const meta = findFunction(name);
  if (!meta) unsupported(`Function '${name}'`);
  const args = (n.args ?? []) as Node[];
  if (args.length < meta.min || (meta.max !== null && args.length > meta.max)) {
    const range = meta.max === null ? `at least ${meta.min}` : meta.min === meta.max ? `${meta.min}` : `${meta.min} to ${meta.max}`;
    throw new HogQLError(`Function '${name}' expects ${range} argument${range === '1' ? '' : 's'}, found ${args.length}.`);
  }
  const params = n.params as Node[] | null;
  if (params && params.length) {
    if (!meta.params) throw new HogQLError(`Function '${name}' does not accept parameters.`);
    const [pmin, pmax] = meta.params;
    if (params.length < pmin || (pmax !== null && params.length > pmax)) {
      throw new HogQLError(`Function '${name}' got ${params.length} parameters, which is out of range.`);
    }
  } else if (meta.params && meta.params[0] > 0) {
    throw new HogQLError(`Function '${name}' requires parameters, e.g. ${name}(0.5)(x).`);
  }
  if (n.distinct && !meta.aggregate) throw new HogQLError(`DISTINCT is only allowed in aggregate functions (${name}).`);
  const printedArgs = args.map((a) => printExpr(a, scope, ctx));
  if (meta.print) return meta.print(printedArgs);
  if (meta.castTo) printedArgs.push(escapeClickHouseString(meta.castTo));
  const paramSql = params && params.length ? `(${params.map((p) => printExpr(p, scope, ctx)).join(', ')})` : '';
  return `${meta.ch}${paramSql}(${n.distinct ? 'DISTINCT ' : ''}${printedArgs.join(', ')})`;
}

/**
 * HogQL → ClickHouse SQL for the local PostHog server: the printer.
 *
 * The query is parsed with PostHog's own parser (@posthog/hogql-parser, WASM) and the AST is
 * printed back as ClickHouse SQL from a WHITELIST of node types and fields, and from PostHog's own
 * function table (functions.ts). It applies what PostHog applies before printing: property
 * types from the project's property definitions (transforms/property_types.py), the project's time
 * zone on DateTime fields and time-zone-aware functions (printer/base.py), and the team guard on
 * every events scan. Anything outside the whitelist is rejected with a HogQLError (HTTP 400) rather
 * than passed through, so a query either runs with PostHog's semantics or fails loudly.
 */
import { arityError, COMPARISON_FUNCTIONS, findFunction, functionTable, unsupportedFunctionMessage } from './functions.js';
import { escapeClickHouseString, escapeIdentifier, printNumber, valueToSql } from './escape.js';
import { HogQLError, parseHogQLSelect, unsupported, type Node } from './parse.js';
import {
  assertOnly,
  AI_STRING_ID_PROPERTIES,
  DATETIME_COLUMNS,
  DEFAULT_TRANSLATION_CONTEXT,
  EVENT_COLUMN_SET,
  EVENT_COLUMNS,
  EVENT_PROPERTY_FIELDS,
  GROUPS_TABLE,
  sourceText,
  type CteDef,
  type Ctx,
  type PropertyType,
  type Scope,
  type Translation,
  type TranslationContext,
} from './scope.js';
import { DEFAULT_RETURNED_ROWS, MAX_SELECT_RETURNED_ROWS } from './parse.js';

// ---------------------------------------------------------------------------------------------
// Printer
// ---------------------------------------------------------------------------------------------

export async function translateHogQL(query: string, values: Record<string, unknown> = {}, context: Partial<TranslationContext> = {}): Promise<Translation> {
  return printHogQL(await parseHogQLSelect(query), query, values, context);
}

/** The printing half of translateHogQL, for an AST already parsed from `query`. */
export function printHogQL(ast: Node, query: string, values: Record<string, unknown> = {}, context: Partial<TranslationContext> = {}): Translation {
  const ctx: Ctx = { ...DEFAULT_TRANSLATION_CONTEXT, ...context, query, values, rawProperty: null, bareDateTime: false };
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

function printSelect(q: Node, ctx: Ctx, parentCtes: Map<string, CteDef>, top: LimitInfo | null): { sql: string; columns: string[] | null } {
  assertOnly(q, [
    'select',
    'distinct',
    'select_from',
    'where',
    'prewhere',
    'having',
    'group_by',
    'order_by',
    'limit',
    'offset',
    'array_join_op',
    'array_join_list',
    'ctes',
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
    assertOnly(j, ['table', 'alias', 'sample']);
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
        fromSql = ` FROM events` + (alias ? ` AS ${escapeIdentifier(alias)}` : '') + sampleClause(j.sample as Node | undefined, ctx);
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
      // A DateTime column read in the project's time zone keeps its name too (PostHog prints `toTimeZone(…) AS timestamp`).
      if (!top && printed !== escapeIdentifier(name) && (!EVENT_COLUMN_SET.has(name) || DATETIME_COLUMNS.has(name)) && !scope.aliases.has(name)) {
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
  if (q.prewhere) sql += ` PREWHERE ${printWhere(q.prewhere, scope, ctx)}`;
  // Every events scan is limited to the team (printer/base.py `_ensure_team_id_where_clause`).
  const guard = scope.source?.kind === 'events' ? `equals(${escapeIdentifier(scope.source.alias ?? 'events')}.team_id, ${printNumber(ctx.teamId)})` : null;
  const where = q.where ? printWhere(q.where, scope, ctx) : null;
  if (guard || where) sql += ` WHERE ${guard && where ? `and(${guard}, ${where})` : (guard ?? where)}`;
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

const RANGE_OPERATORS = new Set(['<', '<=', '>', '>=']);

/**
 * WHERE as the newer PostHog prints it (transforms/property_types.py): in a top-level range comparison
 * a DateTime field stays bare so ClickHouse can use its index, and a string constant compared with it
 * is read in the project's time zone. Same answers as comparing in the project's time zone.
 */
function printWhere(n: Node, scope: Scope, ctx: Ctx): string {
  if (n.node === 'And') {
    assertOnly(n, ['exprs']);
    const parts = (n.exprs as Node[]).map((e) => printWhere(e, scope, ctx));
    return parts.length === 1 ? (parts[0] as string) : `and(${parts.join(', ')})`;
  }
  if (n.node === 'CompareOperation' && RANGE_OPERATORS.has(String(n.op))) {
    const sides = [n.left as Node, n.right as Node];
    const dateSide = sides.findIndex((side) => side.node === 'Field' && isDateTimeExpr(side, scope));
    if (dateSide >= 0) {
      const other = sides[1 - dateSide] as Node;
      const printSide = (side: Node) => {
        if (side === other && side.node === 'Constant' && typeof side.value === 'string') {
          return `toDateTime64(${escapeClickHouseString(side.value)}, 6, ${escapeClickHouseString(ctx.timezone)})`;
        }
        if (side !== other) {
          ctx.bareDateTime = true;
          try {
            return printExpr(side, scope, ctx);
          } finally {
            ctx.bareDateTime = false;
          }
        }
        return printExpr(side, scope, ctx);
      };
      const c = COMPARE_FN[String(n.op)]!;
      return `ifNull(${c.fn}(${printSide(n.left)}, ${printSide(n.right)}), ${c.nullResult})`;
    }
  }
  return printExpr(n, scope, ctx);
}

/**
 * HogQL's SAMPLE as PostHog prints it (printer/base.py visit_sample_expr, visit_ratio_expr): `SAMPLE a/b`
 * or `SAMPLE x`, then `OFFSET c/d`; `SAMPLE 1` with no offset prints nothing. The events table samples by
 * person (SAMPLE BY cityHash64(distinct_id)), so a sample keeps each person's events together.
 */
function sampleClause(sample: Node | undefined, ctx: Ctx): string {
  if (!sample) return '';
  if (sample.node !== 'SampleExpr') unsupported(`SAMPLE ${sample.node}`);
  assertOnly(sample, ['sample_value', 'offset_value']);
  const ratio = (r: Node): string => {
    if (r.node === 'Constant' || r.node === 'Placeholder') return ratio({ node: 'RatioExpr', left: r, right: null });
    if (r.node !== 'RatioExpr') unsupported(`SAMPLE ${r.node}`);
    assertOnly(r, ['left', 'right']);
    const side = (c: Node): string => {
      const v = c.node === 'Placeholder' ? placeholderValue(c, ctx) : c.node === 'Constant' ? c.value : undefined;
      if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) throw new HogQLError('SAMPLE takes a non-negative number or ratio.');
      return printNumber(v);
    };
    return r.right ? `${side(r.left)}/${side(r.right)}` : side(r.left);
  };
  const value = ratio(sample.sample_value as Node);
  const offset = sample.offset_value ? ratio(sample.offset_value as Node) : null;
  if (value === '1' && !offset) return '';
  return ` SAMPLE ${value}${offset ? ` OFFSET ${offset}` : ''}`;
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

/**
 * An event property read: from its materialized column when it has one, as PostHog's property
 * resolution prints it (`nullIf(nullIf(events.mat_x, ''), 'null')`; deeper keys read the column's JSON:
 * posthog/hogql/transforms/clickhouse_property_resolution.py, printer test_printer.py), else from the JSON.
 */
function eventPropertyAccess(qual: string, keys: unknown[], ctx: Ctx): string {
  const column = typeof keys[0] === 'string' ? ctx.materialized.get(keys[0]) : undefined;
  if (!column) return propertyAccess(`${qual}.properties`, keys);
  const read = `nullIf(nullIf(${qual}.${escapeIdentifier(column)}, ''), 'null')`;
  return keys.length === 1 ? read : propertyAccess(read, keys.slice(1));
}

/**
 * A one-level property read, cast by its property definition as PostHog does
 * (transforms/property_types.py `_field_type_to_property_call`): Numeric → toFloat, Boolean → toBool of
 * 'true'/'false', DateTime → toDateTime in the project's time zone; String, Duration or no definition: as read.
 */
/** A group type with no property definitions yet: its properties are read as they are. */
const NO_DEFINITIONS: ReadonlyMap<string, PropertyType> = new Map();

function typedProperty(read: string, keys: unknown[], definitions: ReadonlyMap<string, PropertyType>, ctx: Ctx, raw: boolean): string {
  if (raw || keys.length !== 1 || typeof keys[0] !== 'string') return read;
  const name = keys[0];
  const type = AI_STRING_ID_PROPERTIES.has(name) ? 'String' : definitions.get(name);
  switch (type) {
    case 'Numeric':
      return `accurateCastOrNull(${read}, 'Float64')`;
    case 'Boolean':
      return `accurateCastOrNull(transform(toString(${read}), ['true', 'false'], [1, 0], NULL), 'Bool')`;
    case 'DateTime':
      return `parseDateTime64BestEffortOrNull(${read}, 6, ${escapeClickHouseString(ctx.timezone)})`;
    default:
      return read;
  }
}

function resolveField(chain: unknown[], scope: Scope, ctx: Ctx, raw = false): string {
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
      if (rest.length === 1) {
        // PostHog reads DateTime fields in the project's time zone, in every clause (transforms/property_types.py).
        return DATETIME_COLUMNS.has(col) && !ctx.bareDateTime ? `toTimeZone(${base}, ${escapeClickHouseString(ctx.timezone)})` : base;
      }
      if (col === 'properties') return typedProperty(eventPropertyAccess(qual, rest.slice(1), ctx), rest.slice(1), ctx.eventProperties, ctx, raw);
      throw new HogQLError(`Field '${col}' has no nested fields (in ${full}).`);
    }
    if (rest.length === 1 && EVENT_PROPERTY_FIELDS.has(col)) return propertyAccess(`${qual}.properties`, [col]);
    if (col === 'person' && rest.length >= 3 && String(rest[1]) === 'properties') {
      // person.properties.x: the person's properties at the time of the event (persons on events).
      return typedProperty(propertyAccess(`${qual}.person_properties`, rest.slice(2)), rest.slice(2), ctx.personProperties, ctx, raw);
    }
    const group = /^group_([0-4])$/.exec(col);
    if (group && rest.length >= 3 && String(rest[1]) === 'properties') {
      // group_N.properties.x: the group's latest properties, as PostHog's group_N lazy join reads them
      // (posthog/hogql/database/schema/events.py, groups.py), from the store's groups table; typed by that
      // group type's property definitions (transforms/property_types.py: "group", `{index}_{name}`).
      const latest = `joinGet('${GROUPS_TABLE}', 'group_properties', toInt64(${printNumber(ctx.teamId)}), toUInt8(${group[1]}), ${qual}.group${group[1]}_key)`;
      return typedProperty(propertyAccess(latest, rest.slice(2)), rest.slice(2), ctx.groupProperties.get(Number(group[1])) ?? NO_DEFINITIONS, ctx, raw);
    }
    if (/^\$group_[0-4]$/.test(col) && rest.length === 1) return `${qual}.group${col.slice(-1)}_key`; // store.ts GROUP_KEY_COLUMNS
    if (
      ['person', 'pdi', 'session', 'poe', 'elements_chain_href', 'elements_chain_texts', 'override'].includes(col) ||
      col.startsWith('goe_') ||
      col.startsWith('group_') ||
      col.startsWith('$group_')
    ) {
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
      return resolveField(n.chain as unknown[], scope, ctx, ctx.rawProperty === n);
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
        return resolveField([...(array.chain as unknown[]), keyValue], scope, ctx, ctx.rawProperty === n);
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

/** Functions whose direct property argument is read as the raw string (transforms/property_types.py `_STRING_INPUT_CONVERSIONS`). */
const STRING_INPUT_CONVERSIONS = new Set(['toFloatOrZero', 'toIntOrZero', 'toFloatOrDefault']);
/** Their first argument must be a DateTime, not a DateTime64 (functions/mapping.py FIRST_ARG_DATETIME_FUNCTIONS). */
const FIRST_ARG_DATETIME_FUNCTIONS = new Set(['tumble', 'tumbleStart', 'tumbleEnd', 'hop', 'hopStart', 'hopEnd']);
/** Functions PostHog prints with an -OrNull variant (ADD_OR_NULL_DATETIME_FUNCTIONS). */
const ADD_OR_NULL_DATETIME_FUNCTIONS = new Set(['toDateTime', 'toDateTimeUS', 'parseDateTime', 'parseDateTimeBestEffort']);
/** ClickHouse functions that need a precision before the time zone (printer/base.py). */
const PRECISION_BEFORE_TZ = new Set(['parseDateTime64BestEffortOrNull', 'parseDateTime64BestEffortUSOrNull', 'parseDateTime64BestEffort', 'toDateTime64']);

/** Calls whose value is a DateTime, for PostHog's overloads (toDateTime(timestamp) stays toDateTime). */
const DATETIME_CALLS =
  /^(now|today|toDateTime|toDateTime64|toTimeZone|toStartOf\w+|fromUnixTimestamp\w*|parseDateTime\w*|dateAdd|dateSub|date_add|date_subtract|addSeconds|addMinutes|addHours|addDays|subtractSeconds|subtractMinutes|subtractHours|subtractDays)$/;
function isDateTimeExpr(n: Node | undefined, scope: Scope): boolean {
  if (!n) return false;
  if (n.node === 'Field') {
    const chain = (n.chain as unknown[]).map(String);
    const col = chain[chain.length - 1]!;
    return scope.source?.kind === 'events' && chain.length <= 2 && DATETIME_COLUMNS.has(col);
  }
  if (n.node === 'Call') return DATETIME_CALLS.test(String(n.name));
  if (n.node === 'ArithmeticOperation') return isDateTimeExpr(n.left, scope);
  return false;
}

function checkArity(
  count: number,
  min: number | null,
  max: number | null,
  name: string,
  term: 'function' | 'aggregation',
  argTerm: 'argument' | 'parameter' = 'argument',
) {
  if (min === null) return; // arity not known: PostHog's table entry could not be read, so nothing is checked
  const problem = arityError(count, min, max, name, term, argTerm);
  if (problem) throw new HogQLError(problem);
}

/** A call, as PostHog's printer (printer/base.py `visit_call`) checks and prints it, from PostHog's own function table. */
function printCall(n: Node, scope: Scope, ctx: Ctx): string {
  assertOnly(n, ['name', 'args', 'params', 'distinct']);
  const name = String(n.name);
  const args = (n.args ?? []) as Node[];
  const params = (n.params ?? null) as Node[] | null;

  const comparison = Object.hasOwn(COMPARISON_FUNCTIONS, name) ? COMPARISON_FUNCTIONS[name] : undefined;
  if (comparison) {
    if (args.length !== 2) throw new HogQLError(`Comparison '${name}' requires exactly two arguments`);
    return printExpr({ node: 'CompareOperation', op: comparison, left: args[0], right: args[1] }, scope, ctx);
  }

  const meta = findFunction(name);
  if (!meta) throw new HogQLError(unsupportedFunctionMessage(name));

  if (meta.parametricFirstArg) {
    const first = args[0];
    if (!first) throw new HogQLError(`Missing arguments in function '${name}'`);
    if (first.node !== 'Constant') throw new HogQLError(`Expected constant string as first arg in function '${name}', got ${first.node}`);
    if (typeof first.value !== 'string')
      throw new HogQLError(`Expected constant string as first arg in function '${name}', got ${typeof first.value} '${String(first.value)}'`);
    if (!functionTable().permittedParametricFunctions.includes(first.value))
      throw new HogQLError(`Invalid parametric function in '${name}', '${first.value}' is not supported.`);
  }

  if (meta.template) {
    const template = meta.clickhouse ?? '';
    // The reference table shortens long templates; those cannot be printed here.
    if (template.includes('...')) unsupported(`Function '${name}'`);
    const printed = args.map((a) => printExpr(a, scope, ctx));
    if (/\{\d+\}/.test(template)) return template.replace(/\{(\d+)\}/g, (_, i: string) => printed[Number(i)] ?? '');
    const count = template.split('{}').length - 1;
    if (args.length !== count) throw new HogQLError(`Function '${name}' requires exactly ${count} argument${count !== 1 ? 's' : ''}`);
    let k = 0;
    return template.replace(/\{\}/g, () => printed[k++] ?? '');
  }

  if (meta.kind === 'aggregate') {
    checkArity(args.length, meta.minArgs, meta.maxArgs, name, 'aggregation');
    if (meta.minParams) {
      if (!params) throw new HogQLError(`Aggregation '${name}' requires parameters in addition to arguments`);
      checkArity(params.length, meta.minParams, meta.maxParams, name, 'aggregation', 'parameter');
    }
    if (meta.requiresWithinGroup) unsupported(`Aggregation '${name}' (WITHIN GROUP)`);
    if (scope.aggregate) throw new HogQLError(`Aggregation '${name}' cannot be nested inside another aggregation '${scope.aggregate}'.`);
    const inner: Scope = { ...scope, aggregate: name };
    const printedArgs = args.map((a) => printExpr(a, inner, ctx));
    const paramSql = params ? `(${params.map((p) => printExpr(p, inner, ctx)).join(', ')})` : '';
    return `${meta.clickhouse ?? name}${paramSql}(${n.distinct ? 'DISTINCT ' : ''}${printedArgs.join(', ')})`;
  }

  if (meta.kind !== 'function') {
    // PostHog's own functions (dictionaries, geoip, bots), its funnel UDFs and jev need PostHog's ClickHouse.
    checkArity(args.length, meta.minArgs, meta.maxArgs, name, 'function');
    unsupported(`Function '${name}'`);
  }

  checkArity(args.length, meta.minArgs, meta.maxArgs, name, 'function');
  if (meta.minParams) {
    if (!params) throw new HogQLError(`Function '${name}' requires parameters in addition to arguments`);
    checkArity(params.length, meta.minParams, meta.maxParams, name, 'function', 'parameter');
  }
  if (n.distinct) throw new HogQLError(`DISTINCT is only allowed in aggregate functions (${name}).`);

  // toDecimal(x, 2) → accurateCastOrNull(x, 'Decimal64(2)'): trailing arguments fill the suffix instead.
  const passthrough = meta.suffixArgs?.some((s) => s.includes('{0}')) ? 1 : 0;
  const ownArgs = args.slice(0, args.length - passthrough);
  const passArgs = args.slice(args.length - passthrough);
  let printed: string[];
  if (FIRST_ARG_DATETIME_FUNCTIONS.has(name)) {
    printed = ownArgs.map((a, i) => {
      if (i > 0) return printExpr(a, scope, ctx);
      if (a.node === 'Call' && ADD_OR_NULL_DATETIME_FUNCTIONS.has(String(a.name))) return `assumeNotNull(toDateTime(${printExpr(a, scope, ctx)}))`;
      return `toDateTime(${printExpr(a, scope, ctx)}, 'UTC')`;
    });
  } else if (name === 'concat') {
    printed = ownArgs.map((a) => {
      if (a.node === 'Constant')
        return a.value === null ? "''" : typeof a.value === 'string' ? printExpr(a, scope, ctx) : `toString(${printExpr(a, scope, ctx)})`;
      if (a.node === 'Call' && a.name === 'toString') {
        const only = (a.args as Node[])[0];
        if ((a.args as Node[]).length === 1 && only?.node === 'Constant') return only.value === null ? "''" : printExpr(a, scope, ctx);
        return `ifNull(${printExpr(a, scope, ctx)}, '')`;
      }
      return `ifNull(toString(${printExpr(a, scope, ctx)}), '')`;
    });
  } else {
    printed = ownArgs.map((a, i) => {
      if (i === 0 && STRING_INPUT_CONVERSIONS.has(name)) {
        const before = ctx.rawProperty;
        ctx.rawProperty = a;
        try {
          return printExpr(a, scope, ctx);
        } finally {
          ctx.rawProperty = before;
        }
      }
      return printExpr(a, scope, ctx);
    });
  }

  for (const suffix of meta.suffixArgs ?? []) {
    let value = suffix;
    if (passArgs.length) {
      if (!passArgs.every((a) => a.node === 'Constant')) {
        throw new HogQLError(`Suffix argument '${suffix}' expects ast.Constant arguments, but got ${passArgs.map((a) => a.node).join(', ')}`);
      }
      value = suffix.replace(/\{(\d+)\}/g, (_, i: string) => String(passArgs[Number(i)]?.value));
    }
    printed.push(escapeClickHouseString(value));
  }

  let clickhouse = meta.arityUnknown ? name : (meta.clickhouse ?? name);
  if (meta.datetimeOverload && isDateTimeExpr(args[0], scope)) clickhouse = meta.datetimeOverload;

  if (meta.tzAware) {
    const hasTzOverride = args.length === meta.maxArgs;
    if (!hasTzOverride) printed.push(escapeClickHouseString(ctx.timezone));
    const first = args[0];
    if (clickhouse === 'parseDateTime64BestEffortOrNull' && args.length === 1 && first?.node === 'Constant' && typeof first.value === 'string') {
      // A well-formed constant takes ClickHouse's stricter, faster parser (printer/base.py).
      clickhouse = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\.\d{1,6}$/.test(first.value)
        ? 'toDateTime64'
        : /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/.test(first.value) || /^\d{4}-\d{2}-\d{2}$/.test(first.value)
          ? 'toDateTime'
          : 'parseDateTime64BestEffort';
    }
    if (
      (clickhouse === 'now64' && (args.length === 0 || (hasTzOverride && args.length === 1))) ||
      (PRECISION_BEFORE_TZ.has(clickhouse) && (args.length === 1 || (hasTzOverride && args.length === 2)))
    ) {
      printed = [...printed.slice(0, -1), '6', ...printed.slice(-1)];
    }
  }

  if (name === 'toStartOfWeek' && args.length === 1) printed.splice(1, 0, ctx.weekStartDay === 1 ? '3' : '0');
  if (name === 'trimLeft' && printed.length === 2) return `trim(LEADING ${printed[1]} FROM ${printed[0]})`;
  if (name === 'trimRight' && printed.length === 2) return `trim(TRAILING ${printed[1]} FROM ${printed[0]})`;
  if (name === 'trim' && printed.length === 2) return `trim(BOTH ${printed[1]} FROM ${printed[0]})`;

  const paramSql = params ? `(${params.map((p) => printExpr(p, scope, ctx)).join(', ')})` : '';
  return `${clickhouse}${paramSql}(${printed.join(', ')})`;
}

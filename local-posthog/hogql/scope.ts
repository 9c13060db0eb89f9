/**
 * HogQL for the local PostHog server: what a query can name — the events table's columns, sources,
 * CTEs, aliases — and what PostHog knows of the project when it prints one (time zone, property types).
 */
import { unsupported, type Node } from './parse.js';

// ---------------------------------------------------------------------------------------------
// Scopes
// ---------------------------------------------------------------------------------------------

/** The store's table of each group's latest properties (local-posthog/store.ts), read by joinGet. */
export const GROUPS_TABLE = 'groups_latest';

export const EVENT_COLUMNS = ['uuid', 'event', 'properties', 'timestamp', 'distinct_id', 'elements_chain', 'created_at', 'person_id'] as const;
export const EVENT_COLUMN_SET = new Set<string>(EVENT_COLUMNS);
/** Virtual fields PostHog exposes on events that map to a property here. */
export const EVENT_PROPERTY_FIELDS = new Set(['$session_id', '$window_id']);
/** The events table's DateTime columns: read in the project's time zone. */
export const DATETIME_COLUMNS = new Set(['timestamp', 'created_at']);
/** LLM id properties PostHog always reads as strings (transforms/property_types.py `_AI_STRING_ID_PROPERTIES`). */
export const AI_STRING_ID_PROPERTIES = new Set(['$ai_trace_id', '$ai_session_id', '$ai_parent_id', '$ai_span_id', '$ai_generation_id', '$ai_experiment_id']);

export type Source = { kind: 'events'; alias: string | null } | { kind: 'subquery'; alias: string | null; columns: string[] | null };

export interface CteDef {
  kind: 'subquery' | 'column';
  expr: Node;
  ctes: Map<string, CteDef>; // scope where it was defined (for subquery CTEs)
}

export interface Scope {
  source: Source | null;
  aliases: Set<string>;
  lambdaArgs: Set<string>;
  ctes: Map<string, CteDef>;
  /** The aggregation whose arguments are being printed (aggregations do not nest). */
  aggregate?: string;
}

/** A property definition's type (posthog/models/property_definition.py PropertyType). */
export type PropertyType = 'String' | 'Numeric' | 'Boolean' | 'DateTime' | 'Duration';

/** What PostHog knows of the project when it prints a query. */
export interface TranslationContext {
  teamId: number;
  /** Team.timezone: DateTime fields and tz-aware functions use it. */
  timezone: string;
  /** Team.week_start_day: 0 Sunday, 1 Monday (toStartOfWeek's default mode). */
  weekStartDay: 0 | 1;
  /** Property definitions of the project, by property name. */
  eventProperties: ReadonlyMap<string, PropertyType>;
  personProperties: ReadonlyMap<string, PropertyType>;
  /** Group property definitions by group type index: `group_N.properties.x` is typed by slot N's. */
  groupProperties: ReadonlyMap<number, ReadonlyMap<string, PropertyType>>;
  /** Materialized event properties: property → its column on events (PostHog's `mat_*`), read instead of the JSON. */
  materialized: ReadonlyMap<string, string>;
}

export const DEFAULT_TRANSLATION_CONTEXT: TranslationContext = {
  teamId: 1,
  timezone: 'UTC',
  weekStartDay: 1,
  eventProperties: new Map(),
  personProperties: new Map(),
  groupProperties: new Map(),
  materialized: new Map(),
};

export interface Ctx extends TranslationContext {
  query: string;
  values: Record<string, unknown>;
  /** A property read raw, without its type's cast (the direct argument of toFloatOrZero and the like). */
  rawProperty: Node | null;
  /** Inside a top-level range comparison of WHERE: DateTime fields stay bare (transforms/property_types.py). */
  bareDateTime: boolean;
}

export interface Translation {
  sql: string;
  columns: string[] | null; // null → use the engine's column names
  limit: number | null;
  offset: number | null;
  /** true when the top-level query asks for limit+1 rows so hasMore can be computed */
  fetchesExtraRow: boolean;
}

export const FRIENDLY: Record<string, string> = {
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

export function assertOnly(node: Node, allowed: string[]): void {
  for (const [key, value] of Object.entries(node)) {
    if (key === 'node' || key === 'start' || key === 'end' || allowed.includes(key)) continue;
    if (value === null || value === undefined || value === false) continue;
    if (Array.isArray(value) && value.length === 0) continue;
    unsupported(FRIENDLY[key] ?? `'${key}' in ${node.node}`);
  }
}

export function sourceText(ctx: Ctx, node: Node): string | null {
  const s = node.start?.offset;
  const e = node.end?.offset;
  if (typeof s === 'number' && typeof e === 'number' && e > s && e <= ctx.query.length) return ctx.query.slice(s, e);
  return null;
}

/**
 * Event store on embedded ClickHouse (chdb): one Session per server, a PostHog-shaped `events` table
 * (one team_id per project), and the property definitions PostHog would keep from the same events.
 */
import { createHash } from 'node:crypto';
import { Session } from 'chdb';
import { PropertyDefinitions, type NewDefinition } from './propertyDefinitions.js';
import { escapeClickHouseString, escapeIdentifier, type PropertyType } from './hogql/index.js';
import { GROUPS_TABLE } from './hogql/scope.js';

/** The project events go to when none is named. */
export const DEFAULT_TEAM_ID = 1;

export interface StoredEvent {
  uuid: string;
  event: string;
  distinct_id: string;
  properties: Record<string, unknown>;
  /** ISO string or Date */
  timestamp: string | Date;
  elements_chain?: string;
  created_at?: string | Date;
}

/** Limits on one query, as PostHog's ClickHouse applies them (see limits in server.ts). */
export interface QueryLimits {
  maxExecutionSeconds: number;
  /** ClickHouse `max_memory_usage` in bytes (0: no limit). */
  maxMemoryBytes: number;
  /** Refuse a query whose estimated time is above this (ClickHouse TOO_SLOW); 0: off. */
  maxEstimatedExecutionSeconds: number;
}

/**
 * PostHog's five group slots per event: the group's key (PostHog's `$group_N`; named `groupN_key`
 * here, chdb inserts take plain names only). The group's properties are the group's own, latest:
 * GROUPS below.
 */
export const GROUP_SLOTS = 5;
const GROUP_KEY_COLUMNS = Array.from({ length: GROUP_SLOTS }, (_, i) => `group${i}_key`);
/** An event in no group: empty keys (the TabSeparated fields after person_properties). */
const NO_GROUPS = '\t'.repeat(GROUP_SLOTS);

/**
 * Each group's properties, latest written wins: what PostHog's `group_N` lazy join reads (argMax of
 * raw_groups by updated_at; posthog/hogql/database/schema/groups.py). A Join table keeping the last
 * row per key serves `joinGet` in the printer (hogql/print.ts), so no query needs a JOIN clause.
 */
const CREATE_GROUPS = `CREATE TABLE IF NOT EXISTS ${GROUPS_TABLE} (team_id Int64, group_type_index UInt8, group_key String, group_properties String)
ENGINE = Join(ANY, LEFT, team_id, group_type_index, group_key) SETTINGS join_any_take_last_row = 1`;

/**
 * What a data directory keeps of groups beyond the Join table (which cannot be read back): each
 * project's group types in their slots (PostHog's GroupTypeMapping) and every merged properties row,
 * the latest by version, so a restarted server merges the next `$group_set` into them.
 */
const CREATE_GROUP_TYPES = `CREATE TABLE IF NOT EXISTS group_type_mapping (team_id Int64, group_type String, group_type_index UInt8) ENGINE = MergeTree ORDER BY (team_id, group_type_index)`;
const CREATE_GROUPS_LOG = `CREATE TABLE IF NOT EXISTS groups_log (team_id Int64, group_type_index UInt8, group_key String, group_properties String, version UInt64) ENGINE = MergeTree ORDER BY (team_id, group_type_index, group_key)`;

const CREATE_EVENTS = `
CREATE TABLE IF NOT EXISTS events (
  uuid UUID,
  event String,
  properties String,
  timestamp DateTime64(6, 'UTC'),
  team_id Int64,
  distinct_id String,
  elements_chain String,
  created_at DateTime64(6, 'UTC'),
  person_id UUID,
  person_properties String DEFAULT '{}',
${GROUP_KEY_COLUMNS.map((c) => `  ${c} String DEFAULT ''`).join(',\n')}
) ENGINE = MergeTree
ORDER BY (team_id, toDate(timestamp), event, cityHash64(distinct_id), cityHash64(uuid))
SAMPLE BY cityHash64(distinct_id)`;

/**
 * A materialized property's column, named as PostHog names it (ee/clickhouse/materialized_columns/columns.py:
 * `mat_` + the property with every character but letters, digits and `$` made `_`), and filled as
 * PostHog fills a non-nullable one: the property's raw JSON, outer quotes trimmed.
 */
export function materializedColumnName(property: string): string {
  return `mat_${property.replace(/[^0-9a-zA-Z$]/g, '_')}`;
}

const CREATE_DEFINITIONS = `
CREATE TABLE IF NOT EXISTS property_definitions (team_id Int64, kind String, name String, property_type String, group_type_index Int8 DEFAULT -1) ENGINE = MergeTree ORDER BY (team_id, kind, name)`;
const DEFINITION_COLUMNS = ['team_id', 'kind', 'name', 'property_type', 'group_type_index'];
const definitionRows = (defined: NewDefinition[]) =>
  Buffer.from(defined.map((d) => `${d.teamId}\t${d.kind}\t${tsv(d.name)}\t${d.type}\t${d.groupTypeIndex}`).join('\n') + '\n', 'utf8');

/**
 * Settings applied to every user query: PostHog's HogQL defaults (hogql/constants.py: readonly=2,
 * max_execution_time=60, transform_null_in=1), and no Variant papering over a missing common type
 * (PostHog's ClickHouse refuses `if(c, true, 'x')`; chdb's default would accept it). DateTimes come out as
 * unix timestamps, for the server to render in each column's time zone as PostHog does.
 */
const QUERY_SETTINGS = [
  'readonly=2',
  'transform_null_in=1',
  'use_variant_as_common_type=0',
  'output_format_json_quote_64bit_integers=0',
  "date_time_input_format='best_effort'",
  "date_time_output_format='unix_timestamp'",
].join(', ');

/** Deterministic person id from distinct_id (UUID-shaped SHA-1 digest). */
export function personIdFor(distinctId: string): string {
  const h = createHash('sha1')
    .update('tool-lens-person:' + distinctId)
    .digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-${((parseInt(h.slice(16, 18), 16) & 0x3f) | 0x80).toString(16)}${h.slice(18, 20)}-${h.slice(20, 32)}`;
}

/** 'YYYY-MM-DD HH:MM:SS.ffffff' in UTC, as ClickHouse parses DateTime64 in JSONEachRow. */
export function toClickHouseDateTime(value: string | Date): string {
  const d = value instanceof Date ? value : new Date(value);
  if (Number.isNaN(d.getTime())) throw new Error(`Invalid timestamp: ${String(value)}`);
  const iso = d.toISOString(); // 2024-01-01T10:00:00.123Z
  let micros = '000';
  if (typeof value === 'string') {
    const m = /\.\d{3}(\d{1,3})/.exec(value);
    if (m && m[1] && /(Z|[+-]00:?00)$/.test(value)) micros = m[1].padEnd(3, '0');
  }
  return `${iso.slice(0, 10)} ${iso.slice(11, 23)}${micros}`;
}

export interface QueryResult {
  meta: { name: string; type: string }[];
  data: unknown[][];
  rowsRead: number;
}

/** The columns an insert writes, in the order of the TabSeparated rows. */
const INSERT_COLUMNS = [
  'uuid',
  'event',
  'properties',
  'timestamp',
  'team_id',
  'distinct_id',
  'elements_chain',
  'created_at',
  'person_id',
  'person_properties',
  ...GROUP_KEY_COLUMNS,
];

/** TabSeparated escaping of one field: backslash, tab, newline (and the other control characters ClickHouse reads escaped). */
function tsv(value: string): string {
  return /[\\\t\n\r\0\b\f]/.test(value) ? value.replace(/[\\\t\n\r\0\b\f]/g, (c) => TSV_ESCAPES[c] ?? c) : value;
}
/** JSON.stringify escapes every control character, so only its backslashes need escaping. */
function jsonField(value: unknown): string {
  const json = JSON.stringify(value);
  return json.includes('\\') ? json.replaceAll('\\', '\\\\') : json;
}
const TSV_ESCAPES: Record<string, string> = { '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r', '\0': '\\0', '\b': '\\b', '\f': '\\f' };

/** ISO timestamps as JS prints them (`2024-01-01T10:00:00.123Z`) convert by slicing; anything else goes through the parser. */
const PLAIN_ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;
function fastClickHouseDateTime(value: string | Date): string {
  if (typeof value === 'string' && value.length === 24 && PLAIN_ISO.test(value)) return `${value.slice(0, 10)} ${value.slice(11, 23)}000`;
  return toClickHouseDateTime(value);
}

const PERSON_CACHE_LIMIT = 200_000;

/** The last of the JSON documents in chdb's output: a failed query's partial output may come before it. */
function lastJsonDocument(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    const start = text.lastIndexOf('\n{\n');
    if (start < 0) throw error;
    return JSON.parse(text.slice(start + 1));
  }
}

export class EventStore {
  readonly definitions = new PropertyDefinitions();

  /** Person properties by distinct_id, from `$set` / `$set_once`: stamped on each event as PostHog's persons-on-events does. */
  private readonly persons = new Map<string, Record<string, unknown>>();
  /** The same, serialized, and the person id: computed once per person rather than once per event. */
  private readonly personRows = new Map<string, string>();

  /** Group type names per project, in the order first seen: their index is the slot (PostHog's GroupTypeMapping, at most 5). */
  private readonly groupTypes = new Map<number, string[]>();
  /** Group properties by `team:index:key`, from `$groupidentify` events' `$group_set`. */
  private readonly groups = new Map<string, Record<string, unknown>>();
  /** Group types seen since they were last written to group_type_mapping. */
  private newGroupTypes: string[] = [];
  /** The version of the next groups_log row. */
  private groupVersion = 1;

  /** Materialized properties of the events table: property → column (PostHog's printer reads these columns). */
  private readonly materialized = new Map<string, string>();

  private constructor(readonly session: Session) {}

  /** The materialized properties, property → column, for the printer. */
  materializedColumns(): ReadonlyMap<string, string> {
    return new Map(this.materialized);
  }

  /**
   * Materializes properties as PostHog does for hot ones: a column per property, computed for the rows
   * already stored (ALTER … MATERIALIZE COLUMN) and for every row inserted after. The printer then reads
   * the column instead of the JSON (hogql/print.ts).
   */
  async materialize(properties: Iterable<string>): Promise<void> {
    for (const property of properties) {
      const column = materializedColumnName(property);
      if ([...this.materialized.values()].includes(column) && this.materialized.get(property) !== column)
        throw new Error(`Materialized column ${column} is taken by another property`);
      await this.session.queryAsync(
        `ALTER TABLE events ADD COLUMN IF NOT EXISTS ${escapeIdentifier(column)} String MATERIALIZED replaceRegexpAll(JSONExtractRaw(properties, ${escapeClickHouseString(property)}), '^"|"$', '')`,
      );
      await this.session.queryAsync(`ALTER TABLE events MATERIALIZE COLUMN ${escapeIdentifier(column)} SETTINGS mutations_sync = 2`);
      this.materialized.set(property, column);
    }
  }

  /** Drops materialized columns (the bench compares the same data with and without them). */
  async dematerialize(properties: Iterable<string>): Promise<void> {
    for (const property of properties) {
      const column = this.materialized.get(property);
      if (!column) continue;
      this.materialized.delete(property);
      await this.session.queryAsync(`ALTER TABLE events DROP COLUMN IF EXISTS ${escapeIdentifier(column)} SETTINGS mutations_sync = 2`);
    }
  }

  /** The rows ClickHouse expects to read for a translated SELECT (its primary-key analysis: EXPLAIN ESTIMATE). */
  async estimateRows(sql: string): Promise<number> {
    const rows = (await this.queryRows(`EXPLAIN ESTIMATE ${sql}`)) as Array<{ rows?: number | string }>;
    return rows.reduce((sum, r) => sum + Number(r.rows ?? 0), 0);
  }

  /** The project's group types, by index (`/api/projects/:id/groups_types/`). */
  groupTypesOf(teamId: number): string[] {
    return [...(this.groupTypes.get(teamId) ?? [])];
  }

  private groupIndex(teamId: number, type: unknown): number | null {
    if (typeof type !== 'string' || !type) return null;
    const types = this.groupTypes.get(teamId) ?? [];
    let index = types.indexOf(type);
    if (index < 0 && types.length < GROUP_SLOTS) {
      index = types.push(type) - 1;
      this.groupTypes.set(teamId, types);
      this.newGroupTypes.push(`${teamId}\t${tsv(type)}\t${index}`);
    }
    return index < 0 ? null : index;
  }

  /**
   * The group keys of an event (its `$groups`, {type: key}, each in its type's slot). A
   * `$groupidentify` merges its `$group_set` into the group's properties, queued in `groupRows` for
   * the groups table (as `team \t index \t key \t properties`).
   */
  private groupColumns(e: StoredEvent, teamId: number, groupRows: string[]): string {
    const props = e.properties;
    if (!props || (props.$groups === undefined && e.event !== '$groupidentify')) return NO_GROUPS;
    if (e.event === '$groupidentify') {
      const index = this.groupIndex(teamId, props.$group_type);
      const key = props.$group_key;
      const set = props.$group_set;
      if (index !== null && (typeof key === 'string' || typeof key === 'number')) {
        const id = `${teamId}:${index}:${key}`;
        const merged = { ...(this.groups.get(id) ?? {}), ...(set && typeof set === 'object' ? (set as Record<string, unknown>) : {}) };
        this.groups.set(id, merged);
        groupRows.push(`${teamId}\t${index}\t${tsv(String(key))}\t${tsv(JSON.stringify(merged))}`);
      }
    }
    const keys: string[] = new Array<string>(GROUP_SLOTS).fill('');
    const memberships = props.$groups;
    if (memberships && typeof memberships === 'object') {
      for (const [type, key] of Object.entries(memberships as Record<string, unknown>)) {
        const index = this.groupIndex(teamId, type);
        if (index !== null && (typeof key === 'string' || typeof key === 'number')) keys[index] = tsv(String(key));
      }
    }
    return `\t${keys.join('\t')}`;
  }

  private personPropertiesFor(e: StoredEvent): Record<string, unknown> {
    const current = this.persons.get(e.distinct_id) ?? {};
    const set = e.properties?.$set;
    const setOnce = e.properties?.$set_once;
    if ((set && typeof set === 'object') || (setOnce && typeof setOnce === 'object')) {
      const next = { ...(setOnce && typeof setOnce === 'object' ? setOnce : {}), ...current, ...(set && typeof set === 'object' ? set : {}) };
      this.persons.set(e.distinct_id, next);
      return next;
    }
    return current;
  }

  /** `person_id \t person_properties` of the event's person (after its own `$set`). */
  private personColumns(e: StoredEvent): string {
    const props = e.properties;
    let row = props && (props.$set || props.$set_once) ? undefined : this.personRows.get(e.distinct_id);
    if (row === undefined) {
      row = `${personIdFor(e.distinct_id)}\t${tsv(JSON.stringify(this.personPropertiesFor(e)))}`;
      if (this.personRows.size >= PERSON_CACHE_LIMIT) this.personRows.clear();
      this.personRows.set(e.distinct_id, row);
    }
    return row;
  }

  static async open(dataDir?: string): Promise<EventStore> {
    const session = new Session(dataDir, {
      connectionArgs: ['--output_format_json_quote_64bit_integers=0'],
    });
    const store = new EventStore(session);
    await session.queryAsync(CREATE_EVENTS);
    await session.queryAsync(CREATE_GROUPS);
    await session.queryAsync(CREATE_GROUP_TYPES);
    await session.queryAsync(CREATE_GROUPS_LOG);
    // A data directory from before the group columns: add them.
    for (const column of GROUP_KEY_COLUMNS) await session.queryAsync(`ALTER TABLE events ADD COLUMN IF NOT EXISTS ${column} String DEFAULT ''`);
    // A data directory from before the sampling key: PostHog's events table samples by person (posthog/models/event/sql.py).
    await session.queryAsync('ALTER TABLE events MODIFY SAMPLE BY cityHash64(distinct_id)');
    await session.queryAsync(CREATE_DEFINITIONS);
    // A data directory from before group property definitions.
    await session.queryAsync('ALTER TABLE property_definitions ADD COLUMN IF NOT EXISTS group_type_index Int8 DEFAULT -1');
    // Materialized columns a data directory already has are read as such.
    for (const row of await store.queryRows(
      `SELECT name, default_expression FROM system.columns WHERE database = currentDatabase() AND table = 'events' AND name LIKE 'mat\\_%' AND default_kind = 'MATERIALIZED'`,
    )) {
      const r = row as { name: string; default_expression: string };
      const property = /JSONExtractRaw\(properties, '((?:[^'\\]|\\.)*)'\)/.exec(r.default_expression)?.[1];
      if (property !== undefined) store.materialized.set(property.replace(/\\(.)/g, '$1'), r.name);
    }
    for (const row of await store.queryRows('SELECT team_id, group_type, group_type_index FROM group_type_mapping ORDER BY team_id, group_type_index')) {
      const r = row as { team_id: number; group_type: string; group_type_index: number };
      const types = store.groupTypes.get(Number(r.team_id)) ?? [];
      types[Number(r.group_type_index)] = r.group_type;
      store.groupTypes.set(Number(r.team_id), types);
    }
    for (const row of await store.queryRows(
      'SELECT team_id, group_type_index, group_key, argMax(group_properties, version) AS properties, max(version) AS latest FROM groups_log GROUP BY team_id, group_type_index, group_key',
    )) {
      const r = row as { team_id: number; group_type_index: number; group_key: string; properties: string; latest: number };
      store.groups.set(`${r.team_id}:${r.group_type_index}:${r.group_key}`, JSON.parse(r.properties) as Record<string, unknown>);
      store.groupVersion = Math.max(store.groupVersion, Number(r.latest) + 1);
    }
    for (const row of await store.queryRows('SELECT team_id, kind, name, property_type, group_type_index FROM property_definitions')) {
      const r = row as { team_id: number; kind: 'event' | 'person' | 'group'; name: string; property_type: PropertyType; group_type_index: number };
      store.definitions.restore({ teamId: Number(r.team_id), kind: r.kind, name: r.name, type: r.property_type, groupTypeIndex: Number(r.group_type_index) });
    }
    return store;
  }

  /** One TabSeparated row (columns as INSERT_COLUMNS): one JSON.stringify per event, no intermediate row object. */
  private rowFor(e: StoredEvent, createdAt: string, teamId: number, groupRows: string[]): string {
    return (
      `${tsv(e.uuid)}\t${tsv(e.event)}\t${jsonField(e.properties ?? {})}\t${fastClickHouseDateTime(e.timestamp)}\t${teamId}\t` +
      `${tsv(e.distinct_id)}\t${tsv(e.elements_chain ?? '')}\t${e.created_at ? fastClickHouseDateTime(e.created_at) : createdAt}\t${this.personColumns(e)}${this.groupColumns(e, teamId, groupRows)}`
    );
  }

  /**
   * Inserts events as TabSeparated chunks; the next chunk is built while ClickHouse parses the
   * previous one (at most one insert in flight, so memory stays bounded).
   */
  async insert(events: Iterable<StoredEvent>, chunkRows = 20000, teamId = DEFAULT_TEAM_ID): Promise<number> {
    const createdAt = toClickHouseDateTime(new Date());
    const nowSeconds = Math.floor(Date.now() / 1000);
    const newDefinitions: NewDefinition[] = [];
    const groupRows: string[] = [];
    let lines: string[] = [];
    let total = 0;
    let inFlight: Promise<void> | null = null;
    let failure: { error: unknown } | null = null;
    const settle = async () => {
      if (inFlight) await inFlight;
      inFlight = null;
      if (failure) throw failure.error;
    };
    const flush = async () => {
      if (!lines.length) return;
      const payload = Buffer.from(lines.join('\n') + '\n', 'utf8');
      lines = [];
      await settle();
      inFlight = this.session.insert({ table: 'events', values: payload, format: 'TabSeparated', columns: INSERT_COLUMNS }).then(
        () => undefined,
        (error: unknown) => {
          failure = { error };
        },
      );
    };
    try {
      for (const e of events) {
        const defined = this.definitions.observe(teamId, e.properties, nowSeconds, e.event, (type) => this.groupIndex(teamId, type));
        if (defined.length) newDefinitions.push(...defined);
        lines.push(this.rowFor(e, createdAt, teamId, groupRows));
        total++;
        if (lines.length >= chunkRows) await flush();
      }
      await flush();
    } finally {
      await settle();
    }
    if (groupRows.length) {
      await this.session.insert({
        table: GROUPS_TABLE,
        values: Buffer.from(groupRows.join('\n') + '\n', 'utf8'),
        format: 'TabSeparated',
        columns: ['team_id', 'group_type_index', 'group_key', 'group_properties'],
      });
      const log = groupRows.map((r) => `${r}\t${this.groupVersion++}`).join('\n') + '\n';
      await this.session.insert({
        table: 'groups_log',
        values: Buffer.from(log, 'utf8'),
        format: 'TabSeparated',
        columns: ['team_id', 'group_type_index', 'group_key', 'group_properties', 'version'],
      });
    }
    await this.saveGroupTypes();
    if (newDefinitions.length) {
      await this.session.insert({ table: 'property_definitions', values: definitionRows(newDefinitions), format: 'TabSeparated', columns: DEFINITION_COLUMNS });
    }
    return total;
  }

  private async saveGroupTypes(): Promise<void> {
    if (!this.newGroupTypes.length) return;
    const rows = this.newGroupTypes.join('\n') + '\n';
    this.newGroupTypes = [];
    await this.session.insert({
      table: 'group_type_mapping',
      values: Buffer.from(rows, 'utf8'),
      format: 'TabSeparated',
      columns: ['team_id', 'group_type', 'group_type_index'],
    });
  }

  /** Property definitions from events that are not inserted (a bulk seed's sample: bulkSeed.ts), as ingesting them would keep them. */
  async define(events: Iterable<StoredEvent>, teamId = DEFAULT_TEAM_ID): Promise<void> {
    const nowSeconds = Math.floor(Date.now() / 1000);
    const defined: NewDefinition[] = [];
    for (const e of events) defined.push(...this.definitions.observe(teamId, e.properties, nowSeconds, e.event, (type) => this.groupIndex(teamId, type)));
    await this.saveGroupTypes();
    if (!defined.length) return;
    await this.session.insert({ table: 'property_definitions', values: definitionRows(defined), format: 'TabSeparated', columns: DEFINITION_COLUMNS });
  }

  /** Raw ClickHouse SQL, rows as objects (for tests and tooling). */
  async queryRows(sql: string): Promise<unknown[]> {
    const r = await this.session.queryAsync(sql, { format: 'JSONEachRow' });
    const text = r.text();
    return text
      .split('\n')
      .filter((l) => l.trim())
      .map((l) => JSON.parse(l) as unknown);
  }

  /** Run a translated (trusted) SELECT with PostHog's query settings and the server's limits. */
  async runSelect(sql: string, limits: QueryLimits = { maxExecutionSeconds: 60, maxMemoryBytes: 0, maxEstimatedExecutionSeconds: 0 }): Promise<QueryResult> {
    const settings = [QUERY_SETTINGS, `max_execution_time=${limits.maxExecutionSeconds}`, "timeout_overflow_mode='throw'"];
    if (limits.maxMemoryBytes > 0) settings.push(`max_memory_usage=${Math.round(limits.maxMemoryBytes)}`);
    if (limits.maxEstimatedExecutionSeconds > 0)
      settings.push(`max_estimated_execution_time=${limits.maxEstimatedExecutionSeconds}`, 'timeout_before_checking_execution_speed=0.05');
    let r;
    try {
      r = await this.session.queryAsync(`${sql} SETTINGS ${settings.join(', ')}`, { format: 'JSONCompact' });
    } catch (error) {
      // chdb keeps what a failed query had written and hands it out with the next answer: drain it now.
      await this.session.queryAsync('SELECT 1', { format: 'JSONCompact' }).catch(() => undefined);
      throw error;
    }
    const parsed = lastJsonDocument(r.text()) as { meta?: { name: string; type: string }[]; data?: unknown[][] };
    return { meta: parsed.meta ?? [], data: parsed.data ?? [], rowsRead: r.rowsRead };
  }

  close(): void {
    this.session.close();
  }
}

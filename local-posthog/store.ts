/**
 * Event store on embedded ClickHouse (chdb): one Session per server, a PostHog-shaped `events` table.
 */
import { createHash } from 'node:crypto';
import { Session } from 'chdb';

export const TEAM_ID = 1;

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
  person_properties String DEFAULT '{}'
) ENGINE = MergeTree
ORDER BY (team_id, toDate(timestamp), event, cityHash64(distinct_id), cityHash64(uuid))`;

/** Settings applied to every user query (PostHog runs HogQL with readonly=2 and max_execution_time=60). */
const QUERY_SETTINGS = 'readonly=2, max_execution_time=60, output_format_json_quote_64bit_integers=0, date_time_input_format=\'best_effort\'';

/** Deterministic person id from distinct_id (UUID-shaped SHA-1 digest). */
export function personIdFor(distinctId: string): string {
  const h = createHash('sha1').update('tool-lens-person:' + distinctId).digest('hex');
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

export class EventStore {
  /** Person properties by distinct_id, from `$set` / `$set_once`: stamped on each event as PostHog's persons-on-events does. */
  private readonly persons = new Map<string, Record<string, unknown>>();

  private constructor(readonly session: Session) {}

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

  static async open(dataDir?: string): Promise<EventStore> {
    const session = new Session(dataDir, {
      connectionArgs: ['--output_format_json_quote_64bit_integers=0'],
    });
    const store = new EventStore(session);
    await session.queryAsync(CREATE_EVENTS);
    return store;
  }

  private rowFor(e: StoredEvent): string {
    const ts = toClickHouseDateTime(e.timestamp);
    return JSON.stringify({
      uuid: e.uuid,
      event: e.event,
      properties: JSON.stringify(e.properties ?? {}),
      timestamp: ts,
      team_id: TEAM_ID,
      distinct_id: e.distinct_id,
      elements_chain: e.elements_chain ?? '',
      created_at: e.created_at ? toClickHouseDateTime(e.created_at) : toClickHouseDateTime(new Date()),
      person_id: personIdFor(e.distinct_id),
      person_properties: JSON.stringify(this.personPropertiesFor(e)),
    });
  }

  async insert(events: Iterable<StoredEvent>, chunkRows = 20000): Promise<number> {
    let lines: string[] = [];
    let total = 0;
    const flush = async () => {
      if (!lines.length) return;
      const payload = Buffer.from(lines.join('\n') + '\n', 'utf8');
      lines = [];
      await this.session.insert({ table: 'events', values: payload, format: 'JSONEachRow' });
    };
    for (const e of events) {
      lines.push(this.rowFor(e));
      total++;
      if (lines.length >= chunkRows) await flush();
    }
    await flush();
    return total;
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

  /** Run a translated (trusted) SELECT with PostHog's query settings. */
  async runSelect(sql: string): Promise<QueryResult> {
    const r = await this.session.queryAsync(`${sql} SETTINGS ${QUERY_SETTINGS}`, { format: 'JSONCompact' });
    const parsed = r.json<{ meta: { name: string; type: string }[]; data: unknown[][] }>();
    return { meta: parsed.meta ?? [], data: parsed.data ?? [], rowsRead: r.rowsRead };
  }

  close(): void {
    this.session.close();
  }
}

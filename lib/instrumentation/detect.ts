/**
 * Which spelling a project uses for each custom property (`x` or `$x`, or both), and which of the
 * six tool events it sends — with one HogQL query over recent tool events.
 */
import * as z from 'zod/mini';
import type { HogQLRequest } from '../posthog/hogql';
import { PostHogError, type HogQLResponse } from '../posthog/client';
import { TOOL_PROPERTIES, GUIDE_TOOL_EVENTS, type ToolProperty, type PropertySpelling, type SchemaMapping, type SpellingOf } from '../model/events';
import type { DetectSchemaResponse } from '../protocol/messages';

export const DETECT_DAYS = 30;
export const TOOL_EVENT_NAMES = Object.values(GUIDE_TOOL_EVENTS);
export type ToolEventName = (typeof GUIDE_TOOL_EVENTS)[keyof typeof GUIDE_TOOL_EVENTS];

/**
 * Custom properties whose `$` spelling is also one of PostHog's own properties (`$session_id` is set
 * by posthog-js on every event): when the plain spelling is there, the `$` one is not the project's.
 */
export const POSTHOG_OWN_DOLLAR_PROPERTIES: ReadonlySet<ToolProperty> = new Set<ToolProperty>(['session_id']);

const plainCol = (p: ToolProperty) => `plain_${p}`;
const dollarCol = (p: ToolProperty) => `dollar_${p}`;
const EVENT_PLACEHOLDERS = TOOL_EVENT_NAMES.map((_, i) => `{event_${i}}`).join(', ');

/** One row per tool event present: the event, its count, and per property how many events carry each spelling. */
export const DETECT_QUERY = `SELECT
    event,
    count() AS events,
${TOOL_PROPERTIES.map((p) => `    countIf(properties.${p} IS NOT NULL) AS ${plainCol(p)},\n    countIf(properties.$${p} IS NOT NULL) AS ${dollarCol(p)}`).join(',\n')}
FROM events
WHERE event IN (${EVENT_PLACEHOLDERS})
    AND timestamp >= now() - toIntervalDay({days})
GROUP BY event
ORDER BY event`;

export const DETECT_COLUMNS = ['event', 'events', ...TOOL_PROPERTIES.flatMap((p) => [plainCol(p), dollarCol(p)])];

export function buildDetectQuery(days: number = DETECT_DAYS): HogQLRequest {
  const values: Record<string, string | number> = { days };
  TOOL_EVENT_NAMES.forEach((e, i) => (values[`event_${i}`] = e));
  return { query: DETECT_QUERY, values };
}

export type PropertyUsage = 'plain' | 'dollar' | 'both' | 'none';

export interface PropertyDetection {
  /** Events carrying `x`. */
  plain: number;
  /** Events carrying `$x`. */
  dollar: number;
  usage: PropertyUsage;
  /** The spelling to write queries in. */
  spelling: SpellingOf<ToolProperty>;
}

export interface SchemaDetection {
  days: number;
  totalEvents: number;
  /** Count of each of the six tool events (0 when absent). */
  events: Record<ToolEventName, number>;
  presentEvents: ToolEventName[];
  missingEvents: ToolEventName[];
  properties: Record<ToolProperty, PropertyDetection>;
  /** The property spelling map for `buildToolUsageDashboard`. */
  spelling: PropertySpelling;
}

// PostHog answers counts as JSON numbers; accept digit strings too (64-bit integers quoted).
const count = z.union([z.int().check(z.nonnegative()), z.pipe(z.string().check(z.regex(/^\d+$/)), z.transform(Number))]);
const detectResponseSchema = z.object({
  columns: z.nullish(z.array(z.string())),
  results: z.array(z.array(z.union([z.string(), z.number()]))),
});

/** PostHog answered the schema query in a shape Tool Lens does not know. */
export class SchemaDetectError extends PostHogError {
  constructor(message: string) {
    super('bad_response', message);
    this.name = 'SchemaDetectError';
  }
}

function chooseSpelling<K extends ToolProperty>(name: K, plain: number, dollar: number): { usage: PropertyUsage; spelling: SpellingOf<K> } {
  if (plain > 0 && dollar > 0) {
    // `$session_id` next to `session_id` is PostHog's own session id, not a second spelling.
    return { usage: 'both', spelling: POSTHOG_OWN_DOLLAR_PROPERTIES.has(name) ? name : 'both' };
  }
  if (dollar > 0) return { usage: 'dollar', spelling: `$${name}` };
  if (plain > 0) return { usage: 'plain', spelling: name };
  return { usage: 'none', spelling: name }; // nothing to go by: PostHog's convention for custom properties
}

/** Maps the answer to DETECT_QUERY to a typed result. Throws SchemaDetectError on an unexpected shape. */
export function mapDetection(response: Pick<HogQLResponse, 'results' | 'columns'>, days: number = DETECT_DAYS): SchemaDetection {
  const parsed = detectResponseSchema.safeParse(response);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new SchemaDetectError(`Unexpected answer to the schema query: ${issue ? `${issue.path.join('.') || 'response'}: ${issue.message}` : 'invalid'}`);
  }
  const columns = parsed.data.columns ?? DETECT_COLUMNS;
  const index = new Map(columns.map((c, i) => [c, i]));
  for (const c of DETECT_COLUMNS) {
    if (!index.has(c)) throw new SchemaDetectError(`Unexpected answer to the schema query: column ${c} is missing`);
  }
  const events = Object.fromEntries(TOOL_EVENT_NAMES.map((e) => [e, 0])) as Record<ToolEventName, number>;
  const plain = new Map<ToolProperty, number>();
  const dollar = new Map<ToolProperty, number>();
  let totalEvents = 0;
  const num = (v: unknown, column: string): number => {
    const r = count.safeParse(v);
    if (!r.success) throw new SchemaDetectError(`Unexpected answer to the schema query: ${column} is not a count`);
    return r.data;
  };
  for (const row of parsed.data.results) {
    const cell = (c: string): unknown => row[index.get(c)!];
    const event = cell('event');
    if (typeof event !== 'string') throw new SchemaDetectError('Unexpected answer to the schema query: event is not a string');
    const n = num(cell('events'), 'events');
    if (!(TOOL_EVENT_NAMES as string[]).includes(event)) continue;
    events[event as ToolEventName] += n;
    totalEvents += n;
    for (const p of TOOL_PROPERTIES) {
      plain.set(p, (plain.get(p) ?? 0) + num(cell(plainCol(p)), plainCol(p)));
      dollar.set(p, (dollar.get(p) ?? 0) + num(cell(dollarCol(p)), dollarCol(p)));
    }
  }
  const properties = {} as Record<ToolProperty, PropertyDetection>;
  const spelling = {} as Record<ToolProperty, string>;
  for (const p of TOOL_PROPERTIES) {
    const pl = plain.get(p) ?? 0;
    const dl = dollar.get(p) ?? 0;
    const choice = chooseSpelling(p, pl, dl);
    properties[p] = { plain: pl, dollar: dl, ...choice };
    spelling[p] = choice.spelling;
  }
  return {
    days,
    totalEvents,
    events,
    presentEvents: TOOL_EVENT_NAMES.filter((e) => events[e] > 0),
    missingEvents: TOOL_EVENT_NAMES.filter((e) => events[e] === 0),
    properties,
    spelling: spelling as PropertySpelling,
  };
}

/** Runs the detection query with a PostHog client (anything with `hogql`). */
export async function detectSchema(client: { hogql(q: HogQLRequest): Promise<HogQLResponse> }, days: number = DETECT_DAYS): Promise<SchemaDetection> {
  return mapDetection(await client.hogql(buildDetectQuery(days)), days);
}

/** What detection found, applied to a schema: each property's spellings, with a line per property found and the events missing. */
export function applyDetection(
  schema: SchemaMapping,
  found: Extract<DetectSchemaResponse, { ok: true }>,
): { schema: SchemaMapping; notes: string[]; missingEvents: string[] } {
  const properties = { ...schema.properties };
  const notes: string[] = [];
  for (const name of TOOL_PROPERTIES) {
    const spelling = found.properties[name];
    if (!spelling) continue;
    properties[name] = spelling.spellings;
    if (spelling.plain + spelling.dollar > 0) notes.push(`${name}: ${spelling.spellings.join(' + ')} (${spelling.plain} / ${spelling.dollar} events)`);
  }
  const missingEvents = Object.entries(found.events)
    .filter(([, n]) => n === 0)
    .map(([e]) => e);
  return { schema: { ...schema, properties }, notes, missingEvents };
}

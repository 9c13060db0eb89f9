/**
 * The product's instrumentation, as described in the "Tool Usage Dashboard" spec (seed 000), and the
 * mapping a project may override: event names, and for each property the spellings to read.
 * Real projects spell custom properties with or without a `$` prefix, so by default every property
 * is read under both (`coalesce(toString(properties['x']), toString(properties['$x']))`); detection can narrow that.
 */
import * as z from 'zod/mini';

export const TOOL_EVENTS = {
  viewed: 'tool_viewed',
  uploadStarted: 'tool_upload_started',
  processingStarted: 'tool_processing_started',
  processingCompleted: 'tool_processing_completed',
  processingFailed: 'tool_processing_failed',
  resultDownloaded: 'tool_result_downloaded',
  aiGeneration: '$ai_generation',
} as const;
export type ToolEventKey = keyof typeof TOOL_EVENTS;
export const TOOL_EVENT_KEYS = Object.keys(TOOL_EVENTS) as ToolEventKey[];

/**
 * PostHog's own event and properties, the same in every project (PostHog names them; a project cannot
 * spell them another way): read by name from here, never written into a query. `$session_id` is
 * posthog-js's session (the key of a replay); the `$exception*` ones are error tracking's: the SDKs send
 * `$exception_list` (each entry's `type` and `value`, the first the error itself), older ones
 * `$exception_type` / `$exception_message`, which PostHog's own UI reads first
 * (frontend/src/lib/components/Errors/utils.ts `getExceptionAttributes`); PostHog's ingestion adds
 * `$exception_issue_id`, the error tracking issue (rust/cymbal, `into_clickhouse_properties`).
 */
export const POSTHOG_EVENTS = { exception: '$exception' } as const;
export const POSTHOG_PROPERTIES = {
  session_id: '$session_id',
  exception_list: '$exception_list',
  exception_type: '$exception_type',
  exception_message: '$exception_message',
  exception_issue_id: '$exception_issue_id',
} as const;
export type PostHogProperty = keyof typeof POSTHOG_PROPERTIES;

/** The funnel, in order. Labels are what the card shows. */
export const FUNNEL_STEPS: ReadonlyArray<{ key: ToolEventKey; label: string }> = [
  { key: 'viewed', label: 'Viewed' },
  { key: 'uploadStarted', label: 'Uploaded' },
  { key: 'processingStarted', label: 'Processing started' },
  { key: 'processingCompleted', label: 'Completed' },
  { key: 'resultDownloaded', label: 'Downloaded' },
];

export const TOOL_PROPERTIES = [
  'tool_name',
  'session_id',
  'job_id',
  'processing_duration_ms',
  'error_type',
  'from_cache',
  'file_type',
  'file_size',
  'download_format',
  'is_authenticated',
  'page_path',
] as const;
export type ToolProperty = (typeof TOOL_PROPERTIES)[number];

const name = () => z.string().check(z.minLength(1), z.maxLength(200));

export const schemaMappingSchema = z.object({
  events: z.object(Object.fromEntries(TOOL_EVENT_KEYS.map((k) => [k, name()])) as Record<ToolEventKey, ReturnType<typeof name>>),
  properties: z.object(
    Object.fromEntries(TOOL_PROPERTIES.map((p) => [p, z.array(name()).check(z.minLength(1), z.maxLength(4))])) as Record<
      ToolProperty,
      z.ZodMiniArray<ReturnType<typeof name>>
    >,
  ),
});
export type SchemaMapping = z.infer<typeof schemaMappingSchema>;

export const DEFAULT_SCHEMA: SchemaMapping = {
  events: { ...TOOL_EVENTS },
  properties: Object.fromEntries(TOOL_PROPERTIES.map((p) => [p, [p, `$${p}`]])) as Record<ToolProperty, string[]>,
};

/**
 * How PostHog reads a string property: as the raw JSON of the value with its outer quotes removed, so
 * JSON escapes stay in (`o'reilly "x"` reads as `o'reilly \"x\"`; printer/base.py
 * `_unsafe_json_extract_trim_quotes`). A value compared with a string property must take that form.
 */
export function storedForm(value: string): string {
  return JSON.stringify(value).slice(1, -1);
}

/** The text a string property read from PostHog stands for (the inverse of storedForm); as is when it is not an escaped string. */
export function fromStoredForm(value: string): string {
  if (!value.includes('\\')) return value;
  try {
    const decoded: unknown = JSON.parse(`"${value}"`);
    return typeof decoded === 'string' ? decoded : value;
  } catch {
    return value;
  }
}

/**
 * Collects the values of a HogQL query as placeholders, so that nothing variable is ever
 * concatenated into the query text: event names, property names, the tool, numbers.
 *
 * Properties are read so that the query runs whatever type PostHog gave each spelling (property
 * definitions type them at ingestion: Numeric, Boolean, String): text as `toString(…)`, numbers as
 * `toFloat(…)`, flags as `toString(…) = 'true'`, so two spellings of different types still coalesce.
 */
export class HogQLValues {
  readonly values: Record<string, string | number> = {};

  /** Registers a value under a fixed name and returns its placeholder, e.g. `{tool}`. */
  add(name: string, value: string | number): string {
    if (!/^[a-z][a-z0-9_]*$/.test(name)) throw new Error(`bad placeholder name ${name}`);
    if (name in this.values && this.values[name] !== value) throw new Error(`placeholder ${name} reused with another value`);
    this.values[name] = value;
    return `{${name}}`;
  }

  /** A string to compare with a string property, in the form PostHog reads it (storedForm). */
  addText(name: string, value: string): string {
    return this.add(name, storedForm(value));
  }

  event(schema: SchemaMapping, key: ToolEventKey): string {
    return this.add(`ev_${key.toLowerCase()}`, schema.events[key]);
  }

  private read(schema: SchemaMapping, property: ToolProperty, cast: 'toString' | 'toFloat'): string {
    const reads = schema.properties[property].map((spelling, i) => `${cast}(properties[${this.add(`p_${property}_${i}`, spelling)}])`);
    return reads.length === 1 ? reads[0]! : `coalesce(${reads.join(', ')})`;
  }

  /** A custom property as text, under each of its spellings: `coalesce(toString(properties[{p_x_0}]), …)`. */
  text(schema: SchemaMapping, property: ToolProperty): string {
    return this.read(schema, property, 'toString');
  }

  /** A custom property as a number (null when it is not one). */
  number(schema: SchemaMapping, property: ToolProperty): string {
    return this.read(schema, property, 'toFloat');
  }

  /** One of PostHog's own properties (POSTHOG_PROPERTIES) as text: `toString(properties[{ph_x}])`. */
  posthogText(property: PostHogProperty): string {
    return `toString(properties[${this.add(`ph_${property}`, POSTHOG_PROPERTIES[property])}])`;
  }

  /** One of PostHog's own events (POSTHOG_EVENTS). */
  posthogEvent(key: keyof typeof POSTHOG_EVENTS): string {
    return this.add(`ph_ev_${key}`, POSTHOG_EVENTS[key]);
  }

  /** Whether a custom property is true: a JSON boolean (typed Boolean by PostHog) or the string "true". */
  flag(schema: SchemaMapping, property: ToolProperty): string {
    return `${this.text(schema, property)} = 'true'`;
  }
}

// The spelling model of the dashboard and detection: one spelling per property (plain, `$`, or both).

/** The six tool events of the guide (seed 000): the instrumentation's events without the LLM one. */
const { aiGeneration: _aiGeneration, ...SIX_TOOL_EVENTS } = TOOL_EVENTS;
export const GUIDE_TOOL_EVENTS = SIX_TOOL_EVENTS;

/**
 * How the project spells a property: `x`, `$x`, or `'both'` (read `coalesce(properties.x, properties.$x)`).
 */
export type SpellingOf<K extends string> = K | `$${K}` | 'both';
export type PropertySpelling = { [K in ToolProperty]: SpellingOf<K> };

/** PostHog's convention for custom properties: no `$`. */
export const PLAIN_SPELLING: PropertySpelling = Object.fromEntries(TOOL_PROPERTIES.map((p) => [p, p])) as PropertySpelling;
/** What the guide writes (every property with `$`). */
export const DOCUMENT_SPELLING: PropertySpelling = Object.fromEntries(TOOL_PROPERTIES.map((p) => [p, `$${p}`])) as PropertySpelling;

/** Fills the gaps of a partial map with the plain spelling. */
export function completeSpelling(partial: Partial<PropertySpelling> = {}): PropertySpelling {
  return { ...PLAIN_SPELLING, ...partial };
}

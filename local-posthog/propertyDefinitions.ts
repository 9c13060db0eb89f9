/**
 * Property definitions, kept from what is ingested as PostHog keeps them, so that HogQL reads each
 * property with its type (see typedProperty in hogql/print.ts).
 *
 * Mirrors PostHog's property-defs service (rust/property-defs-rs/src/types.rs@b1df5613,
 * `detect_property_type`; @003fd01f `into_updates_inner`: a `$groupidentify` defines only its
 * `$group_set`, as group properties of its group type) and its upsert (v2_batch_ingestion.rs@dd90f5d7:
 * the type is set only while it is NULL, so the first typed value fixes it for good).
 */
import type { PropertyType } from './hogql/index.js';

/** Event properties PostHog never defines (types.rs SKIP_PROPERTIES). */
const SKIP_PROPERTIES = new Set(['$set', '$set_once', '$unset', '$group_0', '$group_1', '$group_2', '$group_3', '$group_4', '$groups']);
/** A key containing one of these may hold a date as a unix timestamp (types.rs `detect_timestamp_property_by_key_and_value`). */
const DATE_KEY_PARTS = ['time', 'timestamp', 'date', '_at', '-at', 'createdat', 'updatedat'];
const SIX_MONTHS_S = 15_768_000;
/** PostHog's date-string prefix pattern (types.rs `is_likely_date_string`), besides RFC 3339 and RFC 2822. */
const DATE_PREFIX = /^(([0-9]{4}[/-][0-2][0-9][/-][0-3][0-9])|([0-2][0-9][/-][0-3][0-9][/-][0-9]{4}))([ T][0-2][0-9]:[0-6][0-9]:[0-6][0-9].*)?$/;
const RFC3339 = /^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;
const RFC2822 =
  /^(?:(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun), )?\d{1,2} (?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4} \d{2}:\d{2}(?::\d{2})? (?:[+-]\d{4}|UT|GMT|[A-Z]{1,3})$/;

export function isLikelyDateString(s: string): boolean {
  return RFC3339.test(s) || RFC2822.test(s) || DATE_PREFIX.test(s);
}

/** The type PostHog gives a property from one of its values, or null when the value says nothing (null, arrays, objects). */
export function detectPropertyType(key: string, value: unknown, nowSeconds: number): PropertyType | null {
  const k = key.toLowerCase();
  if (
    k.startsWith('utm_') ||
    k.startsWith('$initial_utm_') ||
    k.startsWith('$feature/') ||
    k === '$feature_flag_response' ||
    k.startsWith('$survey_response')
  ) {
    return 'String';
  }
  if (DATE_KEY_PARTS.some((part) => k.includes(part))) {
    if (typeof value === 'string' && isLikelyDateString(value.trim())) return 'DateTime';
    if (typeof value === 'number' && Number.isInteger(value) && value >= 0 && value >= nowSeconds - SIX_MONTHS_S) return 'DateTime';
  }
  if (typeof value === 'string') {
    const s = value.trim();
    if (s === 'true' || s === 'false' || s === 'TRUE' || s === 'FALSE') return 'Boolean';
    return isLikelyDateString(s) ? 'DateTime' : 'String';
  }
  if (typeof value === 'number') return 'Numeric';
  if (typeof value === 'boolean') return 'Boolean';
  return null;
}

export type DefinitionKind = 'event' | 'person' | 'group';

export interface NewDefinition {
  teamId: number;
  kind: DefinitionKind;
  name: string;
  type: PropertyType;
  /** A group property's group type index (PropertyDefinition.group_type_index); -1 otherwise. */
  groupTypeIndex: number;
}

/** Keys longer than this are not defined (types.rs: DJANGO_MAX_CHARFIELD_LENGTH / 2). */
const MAX_KEY_BYTES = 200;

interface TeamDefinitions {
  event: Map<string, PropertyType>;
  person: Map<string, PropertyType>;
  /** By group type index. */
  group: Map<number, Map<string, PropertyType>>;
}

/** Per project: the type of each event, person and group property, fixed by the first value that has one. */
export class PropertyDefinitions {
  private readonly teams = new Map<number, TeamDefinitions>();

  private team(teamId: number): TeamDefinitions {
    let t = this.teams.get(teamId);
    if (!t) {
      t = { event: new Map(), person: new Map(), group: new Map() };
      this.teams.set(teamId, t);
    }
    return t;
  }

  private groupOf(team: TeamDefinitions, index: number): Map<string, PropertyType> {
    let g = team.group.get(index);
    if (!g) {
      g = new Map();
      team.group.set(index, g);
    }
    return g;
  }

  eventProperties(teamId: number): ReadonlyMap<string, PropertyType> {
    return this.team(teamId).event;
  }

  personProperties(teamId: number): ReadonlyMap<string, PropertyType> {
    return this.team(teamId).person;
  }

  /** Group properties by group type index (what `group_N.properties.x` is typed by). */
  groupProperties(teamId: number): ReadonlyMap<number, ReadonlyMap<string, PropertyType>> {
    return this.team(teamId).group;
  }

  /** Restores definitions read back from storage. */
  restore(definition: NewDefinition): void {
    const team = this.team(definition.teamId);
    const map = definition.kind === 'group' ? this.groupOf(team, definition.groupTypeIndex) : team[definition.kind];
    map.set(definition.name, definition.type);
  }

  /**
   * Reads one ingested event: its properties define event properties, its `$set`/`$set_once` person
   * properties; a `$groupidentify` defines only its `$group_set`, as properties of its group type
   * (`groupIndex` gives the type's slot, null when it has none). Returns the definitions that are new (to persist).
   */
  observe(
    teamId: number,
    properties: Record<string, unknown> | undefined,
    nowSeconds: number,
    event = '',
    groupIndex: (type: string) => number | null = () => null,
  ): NewDefinition[] {
    if (!properties) return [];
    const team = this.team(teamId);
    let added: NewDefinition[] | null = null;
    const visit = (kind: DefinitionKind, map: Map<string, PropertyType>, props: Record<string, unknown>, skip: boolean, groupTypeIndex = -1) => {
      for (const key in props) {
        if (map.has(key) || (skip && SKIP_PROPERTIES.has(key)) || Buffer.byteLength(key) > MAX_KEY_BYTES) continue;
        const type = detectPropertyType(key, props[key], nowSeconds);
        if (!type) continue;
        map.set(key, type);
        (added ??= []).push({ teamId, kind, name: key, type, groupTypeIndex });
      }
    };
    if (event === '$groupidentify') {
      const type = properties.$group_type;
      const set = properties.$group_set;
      const index = typeof type === 'string' ? groupIndex(type) : null;
      if (index !== null && set && typeof set === 'object' && !Array.isArray(set))
        visit('group', this.groupOf(team, index), set as Record<string, unknown>, false, index);
      return added ?? [];
    }
    visit('event', team.event, properties, true);
    for (const personKey of ['$set', '$set_once'] as const) {
      const person = properties[personKey];
      if (person && typeof person === 'object' && !Array.isArray(person)) visit('person', team.person, person as Record<string, unknown>, false);
    }
    return added ?? [];
  }
}

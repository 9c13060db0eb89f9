/**
 * HogQL → ClickHouse SQL for the local PostHog server, in the order PostHog does it: parse (PostHog's
 * parser), check (its function table, its user-query rules), print (its printer's output, with the
 * project's property types and time zone). The parts: parse.ts, escape.ts, functions.ts, scope.ts, print.ts.
 */
export {
  callsOf,
  DEFAULT_RETURNED_ROWS,
  HogQLError,
  MAX_SELECT_RETURNED_ROWS,
  OFFSET_NOT_ALLOWED_MESSAGE,
  parseHogQLSelect,
  validateUserQuery,
} from './parse.js';
export { escapeClickHouseString, escapeIdentifier, valueToSql } from './escape.js';
export { DEFAULT_TRANSLATION_CONTEXT, EVENT_COLUMNS, type PropertyType, type Translation, type TranslationContext } from './scope.js';
export { printHogQL, translateHogQL } from './print.js';

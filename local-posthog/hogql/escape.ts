/** HogQL for the local PostHog server: escaping of strings, identifiers and values (posthog/hogql/escape_sql.py). */
import { HogQLError } from './parse.js';

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
  // eslint-disable-next-line no-control-regex -- PostHog's escape table includes the bell (\x07)
  return "'" + value.replace(/[\\'\b\f\r\n\t\0\x07\v]/g, (c) => STRING_ESCAPES[c] ?? c) + "'";
}

export function escapeIdentifier(name: string): string {
  if (name.includes('\0')) throw new HogQLError('Identifiers may not contain NUL bytes.');
  return '`' + name.replace(/[\\`]/g, (c) => '\\' + c) + '`';
}

export function printNumber(n: number): string {
  if (!Number.isFinite(n)) throw new HogQLError(`Unsupported number: ${n}`);
  if (Number.isInteger(n) && Math.abs(n) < 1e21) return BigInt(n).toString();
  return String(n);
}

export function valueToSql(value: unknown, name = 'value'): string {
  if (value === null || value === undefined) return 'NULL';
  if (typeof value === 'boolean') return value ? '1' : '0'; // as PostHog's ClickHouse printer does
  if (typeof value === 'number') return printNumber(value);
  if (typeof value === 'string') return escapeClickHouseString(value);
  if (Array.isArray(value)) return '[' + value.map((v) => valueToSql(v, name)).join(', ') + ']';
  throw new HogQLError(`Placeholder {${name}} has a value of an unsupported type (${typeof value}).`);
}

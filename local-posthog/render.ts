/**
 * Query results as PostHog's /query renders them (posthog/renderers.py: orjson with OPT_UTC_Z). A
 * DateTime is an RFC 3339 string in its column's time zone — the project's, since HogQL reads
 * `timestamp` in it — with that zone's offset ("2026-01-01T05:30:00+05:30"), `Z` for UTC, and
 * microseconds only when there are some.
 */

const formatters = new Map<string, Intl.DateTimeFormat>();
function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    formatters.set(timeZone, f);
  }
  return f;
}

const pad = (n: number, width = 2) => String(n).padStart(width, '0');

/** An instant (whole seconds since the epoch, and microseconds) as PostHog writes it in `timeZone`. */
export function formatInstant(seconds: number, micros: number, timeZone: string): string {
  const parts: Record<string, number> = {};
  for (const p of formatter(timeZone).formatToParts(new Date(seconds * 1000))) if (p.type !== 'literal') parts[p.type] = Number(p.value);
  const wall = Date.UTC(parts.year!, parts.month! - 1, parts.day!, parts.hour!, parts.minute!, parts.second!) / 1000;
  const offsetMinutes = Math.round((wall - seconds) / 60);
  const sign = offsetMinutes < 0 ? '-' : '+';
  const offset = offsetMinutes === 0 ? 'Z' : `${sign}${pad(Math.floor(Math.abs(offsetMinutes) / 60))}:${pad(Math.abs(offsetMinutes) % 60)}`;
  const frac = micros ? `.${pad(micros, 6)}` : '';
  return `${parts.year}-${pad(parts.month!)}-${pad(parts.day!)}T${pad(parts.hour!)}:${pad(parts.minute!)}:${pad(parts.second!)}${frac}${offset}`;
}

/** ClickHouse's `unix_timestamp` output ("1767205800.123456") → seconds and microseconds. */
function splitUnix(text: string): [number, number] {
  const [whole = '0', fraction = ''] = text.split('.');
  let seconds = Number(whole);
  let micros = Number((fraction + '000000').slice(0, 6));
  if (text.startsWith('-') && micros) {
    seconds -= 1;
    micros = 1_000_000 - micros;
  }
  return [seconds, micros];
}

/** The time zone a ClickHouse DateTime type carries (`DateTime64(6, 'Asia/Kolkata')`), else the server's (UTC). */
function zoneOf(type: string): string {
  return /'([^']+)'/.exec(type)?.[1]?.replace(/\\\//g, '/') ?? 'UTC';
}

function unwrap(type: string): string {
  let t = type;
  while (t.startsWith('Nullable(') || t.startsWith('LowCardinality(')) t = t.slice(t.indexOf('(') + 1, -1);
  return t;
}

/** One value of a result column of ClickHouse type `type`, as PostHog's JSON has it. */
export function renderValue(value: unknown, type: string): unknown {
  if (value === null || value === undefined) return null;
  const t = unwrap(type);
  if (t.startsWith('DateTime') && (typeof value === 'string' || typeof value === 'number')) {
    const [seconds, micros] = splitUnix(String(value));
    return formatInstant(seconds, micros, zoneOf(t));
  }
  if (t.startsWith('Array(') && Array.isArray(value)) {
    const inner = t.slice(6, -1);
    return value.map((x) => renderValue(x, inner));
  }
  return value;
}

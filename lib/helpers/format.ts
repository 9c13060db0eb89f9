/**
 * Display formatting shared by the card, popup and tests. Counts and clock times are written out by
 * hand, not with Intl: the first Intl formatter a page's renderer makes loads locale and time-zone
 * data (~12 ms in the card's first render, measured by the bench's trace); format.test.ts holds
 * these to Intl's own output.
 */

/** An integer with thousands separators, as Intl.NumberFormat('en-US', { maximumFractionDigits: 0 }) writes it. */
export function formatCount(n: number): string {
  if (!Number.isFinite(n)) return Number.isNaN(n) ? 'NaN' : n > 0 ? '∞' : '-∞';
  // Intl rounds half away from zero; Math.round rounds half up, so round the magnitude.
  const digits = String(Math.round(Math.abs(n)));
  const sign = n < 0 || Object.is(n, -0) ? '-' : '';
  return sign + (digits.includes('e') ? digits : digits.replace(/\B(?=(\d{3})+$)/g, ','));
}

const two = (n: number) => (n < 10 ? `0${n}` : String(n));

/** Share as a percentage: "42%", "0.4%"; "—" when there is no base to divide by. */
export function formatPercent(part: number, whole: number): string {
  if (whole <= 0) return '—';
  const pct = (part / whole) * 100;
  return `${pct >= 10 || pct === 0 ? Math.round(pct) : pct.toFixed(1)}%`;
}

/** Milliseconds for humans: "850 ms", "4.21 s", "42.1 s", "1 min 5 s". */
export function formatDuration(ms: number | null): string {
  if (ms === null || !Number.isFinite(ms)) return '—';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const seconds = ms / 1000;
  if (seconds < 60) return `${seconds < 10 ? seconds.toFixed(2) : seconds.toFixed(1)} s`;
  const total = Math.round(seconds);
  return `${Math.floor(total / 60)} min ${total % 60} s`;
}

export function formatBytes(bytes: number | null): string {
  if (bytes === null || !Number.isFinite(bytes)) return '—';
  if (bytes < 1024) return `${Math.round(bytes)} B`;
  const units = ['KB', 'MB', 'GB', 'TB'];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value < 10 ? value.toFixed(1) : Math.round(value)} ${units[unit]}`;
}

export function formatUsd(usd: number): string {
  return usd < 1 ? `$${usd.toFixed(4)}` : `$${usd.toFixed(2)}`;
}

export function formatTime(iso: string): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return '—';
  // As toLocaleTimeString('en-GB', { hour: '2-digit', minute: '2-digit' }): local time, 24 h.
  return `${two(date.getHours())}:${two(date.getMinutes())}`;
}

/** A moment to the second, e.g. "14:05:09": when the card asks again. */
export function formatClock(epochMs: number): string {
  const date = new Date(epochMs);
  return `${two(date.getHours())}:${two(date.getMinutes())}:${two(date.getSeconds())}`;
}

/**
 * "5 min ago", "3 h ago", "2 d ago" — for triage rows. Only an instant with its offset (ISO 8601, `Z`
 * or ±hh:mm) is read: a time without one may be a project's local time (PostHog's toString(timestamp)),
 * and reading it as UTC would be hours off.
 */
export function formatAgo(iso: string, now = Date.now()): string {
  const then = /T.*(Z|[+-]\d\d:?\d\d)$/.test(iso) ? Date.parse(iso) : NaN;
  if (Number.isNaN(then)) return '—';
  const seconds = Math.max(0, Math.round((now - then) / 1000));
  if (seconds < 60) return `${seconds} s ago`;
  if (seconds < 3600) return `${Math.round(seconds / 60)} min ago`;
  if (seconds < 86_400) return `${Math.round(seconds / 3600)} h ago`;
  return `${Math.round(seconds / 86_400)} d ago`;
}

/** Fewer observations than this in either period and a change is marked "low sample". */
export const LOW_SAMPLE = 30;

export type Change = { text: string; direction: 'up' | 'down' | 'flat'; verdict: 'better' | 'worse' | 'neutral'; lowSample: boolean } | null;

/**
 * Relative change of a figure vs the previous period. `better` says which way is good.
 * Null when there is nothing to compare with.
 */
export function relativeChange(current: number | null, previous: number | null, better: 'lower' | 'higher', samples: [number, number]): Change {
  if (current === null || previous === null || !Number.isFinite(current) || !Number.isFinite(previous) || previous === 0) return null;
  const pct = ((current - previous) / previous) * 100;
  return describeChange(pct, `${Math.abs(pct) >= 10 ? Math.round(Math.abs(pct)) : Math.abs(pct).toFixed(1)}%`, better, samples);
}

/** Change of a rate in percentage points. */
export function pointChange(current: number | null, previous: number | null, better: 'lower' | 'higher', samples: [number, number]): Change {
  if (current === null || previous === null) return null;
  const points = (current - previous) * 100;
  return describeChange(points, `${Math.abs(points).toFixed(1)} pts`, better, samples);
}

function describeChange(delta: number, magnitude: string, better: 'lower' | 'higher', samples: [number, number]): Change {
  const lowSample = Math.min(...samples) < LOW_SAMPLE;
  if (Math.abs(delta) < 0.05) return { text: 'no change', direction: 'flat', verdict: 'neutral', lowSample };
  const direction = delta > 0 ? 'up' : 'down';
  const good = (direction === 'down') === (better === 'lower');
  return { text: `${direction === 'up' ? '▲' : '▼'} ${magnitude}`, direction, verdict: lowSample ? 'neutral' : good ? 'better' : 'worse', lowSample };
}

export const rate = (part: number, whole: number): number | null => (whole > 0 ? part / whole : null);

// en-GB's short months (CLDR): "Sept", not "Sep".
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sept', 'Oct', 'Nov', 'Dec'];

/**
 * A moment as the card dates marks: "29 Nov, 05:23", local time, as toLocaleString('en-GB', { day:
 * 'numeric', month: 'short', hour: '2-digit', minute: '2-digit' }) writes it.
 */
export function formatDayTime(ms: number): string {
  const date = new Date(ms);
  if (Number.isNaN(date.getTime())) return '—';
  return `${date.getDate()} ${MONTHS[date.getMonth()]}, ${two(date.getHours())}:${two(date.getMinutes())}`;
}

/** Control characters, line and paragraph separators, and invisible format characters (bidi overrides, zero widths). */
const BREAKS = /[\p{Cc}\p{Cf}\u2028\u2029]+/gu;

/** Data as one line of plain text: line breaks and invisible controls become one space. */
export const oneLine = (text: string): string => text.replace(BREAKS, ' ');

/** Data as a short label on one line (a notification, a title): `max` characters at most, then "…". */
export function plainLabel(text: string, max = 80): string {
  const line = oneLine(text).replace(/\s+/g, ' ').trim();
  const chars = Array.from(line);
  return chars.length > max ? `${chars.slice(0, max - 1).join('')}…` : line;
}

/** "1st", "2nd", "3rd", "11th", "22nd". Here, not in lib/project/ranking.ts, so the card reads it without that module's zod. */
export function ordinal(n: number): string {
  const tens = n % 100;
  const suffix = tens >= 11 && tens <= 13 ? 'th' : (['th', 'st', 'nd', 'rd'][n % 10] ?? 'th');
  return `${n}${suffix}`;
}

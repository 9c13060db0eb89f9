import { describe, expect, it } from 'vitest';
import { formatAgo, formatClock, formatCount, formatDayTime, formatDuration, formatPercent, formatTime } from './format';

describe('format', () => {
  it('formats durations for humans', () => {
    expect(formatDuration(null)).toBe('—');
    expect(formatDuration(850.4)).toBe('850 ms');
    expect(formatDuration(4213)).toBe('4.21 s');
    expect(formatDuration(42_150)).toBe('42.1 s');
    expect(formatDuration(119_700)).toBe('2 min 0 s');
    expect(formatDuration(65_000)).toBe('1 min 5 s');
  });
  it('formats percentages and counts', () => {
    expect(formatPercent(1, 0)).toBe('—');
    expect(formatPercent(0, 10)).toBe('0%');
    expect(formatPercent(1, 3)).toBe('33%');
    expect(formatPercent(1, 300)).toBe('0.3%');
    expect(formatCount(1234567)).toBe('1,234,567');
  });
  it('writes counts and clock times as Intl does, without Intl', () => {
    const intl = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });
    for (const n of [0, -0, 1, 12, 999, 1000, 1234.5, -1234.5, 2.5, -2.5, 0.4, -0.4, 999_999.5, 1e15, 123_456_789_012, -7, NaN, Infinity, -Infinity])
      expect(formatCount(n)).toBe(intl.format(n));
    for (const at of [Date.UTC(2026, 0, 1, 0, 0, 0), Date.UTC(2026, 5, 15, 9, 5, 7), Date.UTC(2026, 11, 31, 23, 59, 59), Date.now()]) {
      expect(formatTime(new Date(at).toISOString())).toBe(new Date(at).toLocaleTimeString('en-GB', { hour: '2-digit', minute: '2-digit' }));
      expect(formatClock(at)).toBe(new Date(at).toLocaleTimeString('en-GB', { hour: '2-digit', minute: '2-digit', second: '2-digit' }));
    }
    for (let month = 0; month < 12; month++) {
      const at = new Date(2026, month, 1 + month * 2, (month * 5) % 24, (month * 7) % 60).getTime();
      expect(formatDayTime(at)).toBe(new Date(at).toLocaleString('en-GB', { day: 'numeric', month: 'short', hour: '2-digit', minute: '2-digit' }));
    }
    expect(formatDayTime(Date.now())).toBe(new Date().toLocaleString('en-GB', { day: 'numeric', month: 'short', hour: '2-digit', minute: '2-digit' }));
    expect(formatDayTime(NaN)).toBe('—');
    expect(formatTime('not a time')).toBe('—');
  });
});

describe('changes vs the previous period', () => {
  it('says which way and whether that is good', async () => {
    const { relativeChange, pointChange } = await import('./format');
    expect(relativeChange(110, 100, 'lower', [100, 100])).toEqual({ text: '▲ 10%', direction: 'up', verdict: 'worse', lowSample: false });
    expect(relativeChange(90, 100, 'lower', [100, 100])?.verdict).toBe('better');
    expect(pointChange(0.05, 0.03, 'lower', [200, 200])?.text).toBe('▲ 2.0 pts');
    expect(relativeChange(5, 0, 'lower', [1, 1])).toBeNull();
    expect(relativeChange(null, 3, 'lower', [1, 1])).toBeNull();
  });
  it('marks a change on few observations as low sample and passes no verdict', async () => {
    const { relativeChange } = await import('./format');
    expect(relativeChange(200, 100, 'lower', [12, 400])).toMatchObject({ lowSample: true, verdict: 'neutral' });
  });
});

describe('formatAgo', () => {
  const now = Date.parse('2026-12-01T12:00:00Z');
  it('reads instants with their offset', () => {
    expect(formatAgo('2026-12-01T11:55:00.000Z', now)).toBe('5 min ago');
    // 17:25 in Kolkata is 11:55 UTC.
    expect(formatAgo('2026-12-01T17:25:00+05:30', now)).toBe('5 min ago');
    expect(formatAgo('2026-12-01T09:00:00-03:00', now)).toBe('0 s ago');
  });
  it('refuses a time without an offset rather than read a local time as UTC', () => {
    expect(formatAgo('2026-12-01 17:25:00.000000', now)).toBe('—');
    expect(formatAgo('2026-12-01T17:25:00', now)).toBe('—');
  });
});

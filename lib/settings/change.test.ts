import { describe, expect, it } from 'vitest';
import { describeSettingsChange } from './change';

const dropFigures = (before: unknown, after: unknown) => describeSettingsChange(before, after).dropFigures;

describe('which settings changes drop the cached figures', () => {
  const stored = { host: 'custom', customHost: 'https://ph.example.com', projectId: '7', apiKey: 'phx_a' };
  it('drops them for another host, project, key, schema, funnel, threshold or segment', () => {
    for (const change of [
      { customHost: 'https://other.example.com' },
      { host: 'eu' },
      { projectId: '8' },
      { apiKey: 'phx_b' },
      { funnelWindowHours: 48 },
      { thresholds: { failuresPerHour: 1, meanDurationSeconds: 60 } },
      { segment: { kind: 'event', property: 'plan', value: 'pro' } },
    ]) {
      expect(dropFigures(stored, { ...stored, ...change }), JSON.stringify(change)).toBe(true);
    }
    expect(dropFigures(stored, undefined)).toBe(true);
    expect(dropFigures(undefined, stored)).toBe(true);
  });

  it('keeps them when only the budget or the alert options change', () => {
    for (const change of [
      { requestBudget: { capacity: 10, refillPerHour: 30 } },
      { alertEveryMinutes: 30 },
      { alertNotifications: true },
      { extraAlertRules: [] },
    ]) {
      expect(dropFigures(stored, { ...stored, ...change }), JSON.stringify(change)).toBe(false);
    }
    expect(dropFigures(undefined, undefined)).toBe(false);
  });
});

describe('what else a settings change calls for', () => {
  const stored = { host: 'custom', customHost: 'https://ph.example.com', projectId: '7', apiKey: 'phx_a' };
  const change = (after: object) => describeSettingsChange(stored, { ...stored, ...after });

  it("forgets PostHog's Retry-After only for another host, project or key", () => {
    expect(change({ projectId: '8' }).forgetRetryAfter).toBe(true);
    expect(change({ apiKey: 'phx_b' }).forgetRetryAfter).toBe(true);
    expect(change({ host: 'eu' }).forgetRetryAfter).toBe(true);
    expect(change({ funnelWindowHours: 48 }).forgetRetryAfter).toBe(false);
    expect(change({ requestBudget: { capacity: 5, refillPerHour: 5 } }).forgetRetryAfter).toBe(false);
  });

  it('checks the alerts at once only when what they read changed; the budget or the period alone cost no request', () => {
    expect(change({ thresholds: { failuresPerHour: 1, meanDurationSeconds: 60 } }).checkAlertsNow).toBe(true);
    expect(change({ extraAlertRules: [{ metric: 'p95_duration_s', above: 30 }] })).toEqual({
      dropFigures: false,
      forgetRetryAfter: false,
      checkAlertsNow: true,
    });
    expect(change({ apiKey: 'phx_b' }).checkAlertsNow).toBe(true);
    expect(change({ requestBudget: { capacity: 5, refillPerHour: 5 } })).toEqual({ dropFigures: false, forgetRetryAfter: false, checkAlertsNow: false });
    expect(change({ alertEveryMinutes: 30 }).checkAlertsNow).toBe(false);
    expect(change({ alertNotifications: true }).checkAlertsNow).toBe(false);
    expect(describeSettingsChange(undefined, stored)).toEqual({ dropFigures: true, forgetRetryAfter: true, checkAlertsNow: true });
  });
});

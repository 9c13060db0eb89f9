// @vitest-environment node
import { describe, expect, it } from 'vitest';
import { alertRules, buildAlertsQuery, evaluateAlerts } from './alerts';
import { DEFAULT_SCHEMA } from '../model/events';
import { DEFAULT_METRICS_OPTIONS } from '../settings/settings';

describe('alerts', () => {
  it('is one query for all tools, parsed by PostHog’s parser, values as placeholders', async () => {
    const { query, values } = buildAlertsQuery(DEFAULT_SCHEMA);
    const parser = await (await import('@posthog/hogql-parser')).default();
    expect(JSON.parse(parser.parseSelect(query, true)).error).toBeUndefined();
    expect(query).not.toContain('tool_processing');
    expect(Object.values(values)).toContain('tool_processing_failed');
    expect(query).toContain('GROUP BY tool');
  });

  it('fires seed 000’s rules strictly above the thresholds, and added rules', () => {
    const rules = alertRules({
      ...DEFAULT_METRICS_OPTIONS,
      extraAlertRules: [
        { metric: 'failure_rate_pct', above: 20 },
        { metric: 'p95_duration_s', above: 30 },
      ],
    });
    const rows: Array<[string, number, number, number, number | null, number | null]> = [
      ['ok-tool', 10, 100, 90, 60_000, 20_000],
      ['failing', 11, 40, 29, 1000, 2000],
      ['slow', 0, 5, 5, 61_000, 95_000],
      ['idle', 0, 0, 0, null, null],
    ];
    const trouble = evaluateAlerts(rows, rules);
    expect(trouble.map((t) => t.tool)).toEqual(['failing', 'slow']);
    expect(trouble[0]).toMatchObject({
      metrics: ['failures_last_hour', 'failure_rate_pct'],
      reasons: ['11 failures in the last hour (alert above 10)', '27.5% failure rate in the last hour (alert above 20%)'],
    });
    expect(trouble[1]).toMatchObject({ metrics: ['mean_duration_s', 'p95_duration_s'] });
    expect(trouble[1]!.reasons[0]).toBe('61 s mean processing time in the last hour (alert above 60 s)');
  });
});

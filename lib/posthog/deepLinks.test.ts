import { describe, expect, it } from 'vitest';
import { buildLatencyQuery } from '../card/query';
import { cardLinks, eventUrl, replayUrl } from './deepLinks';
import { postHogBaseUrl, DEFAULT_METRICS_OPTIONS } from '../settings/settings';

const decode = (url: string) => JSON.parse(decodeURIComponent(url.split('#q=')[1]!)) as Record<string, any>;

describe('deep links', () => {
  it.each([
    ['us', '', 'https://us.posthog.com'],
    ['eu', '', 'https://eu.posthog.com'],
    ['custom', 'https://ph.example.com/', 'https://ph.example.com'],
  ] as const)('point at the right host for %s', (host, customHost, base) => {
    const links = cardLinks(
      postHogBaseUrl({ host, customHost }),
      '42',
      'pdf-to-text',
      '7d',
      DEFAULT_METRICS_OPTIONS,
      buildLatencyQuery({ tool: 'pdf-to-text', range: '7d', options: DEFAULT_METRICS_OPTIONS }),
    );
    expect(links.project).toBe(`${base}/project/42`);
    expect(links.funnel.startsWith(`${base}/project/42/insights/new#q=`)).toBe(true);
    expect(links.errors.startsWith(`${base}/project/42/activity/explore#q=`)).toBe(true);
    expect(links.replays).toBe(`${base}/project/42/replay/home`);
  });

  it('open the funnel, the SQL and the failed events for this tool, with values kept as values', () => {
    const latency = buildLatencyQuery({ tool: `a'b`, range: '24h', options: DEFAULT_METRICS_OPTIONS });
    const links = cardLinks('https://ph.test', '1', `a'b`, '24h', DEFAULT_METRICS_OPTIONS, latency);
    const funnel = decode(links.funnel);
    expect(funnel.source.kind).toBe('FunnelsQuery');
    expect(funnel.source.series.map((s: { event: string }) => s.event)).toEqual([
      'tool_viewed',
      'tool_upload_started',
      'tool_processing_started',
      'tool_processing_completed',
      'tool_result_downloaded',
    ]);
    expect(funnel.source.dateRange).toEqual({ date_from: '-24h' });
    expect(funnel.source.funnelsFilter).toMatchObject({
      funnelWindowInterval: 24,
      funnelWindowIntervalUnit: 'hour',
      funnelAggregateByHogQL: 'properties.session_id',
    });
    expect(JSON.stringify(funnel.source.properties)).toContain(`"value":["a'b"]`);
    const sql = decode(links.latencySql);
    expect(sql.source).toMatchObject({ kind: 'HogQLQuery', values: { tool: `a'b` } });
    expect(sql.source.query).not.toContain(`a'b`);
    expect(decode(links.errors).source).toMatchObject({ kind: 'EventsQuery', event: 'tool_processing_failed', after: '-24h' });
  });

  it('link events and replays, escaping ids', () => {
    expect(eventUrl('https://ph.test', '1', 'a/b', '2026-11-25 10:00:00')).toBe('https://ph.test/project/1/events/a%2Fb/2026-11-25%2010%3A00%3A00');
    expect(replayUrl('https://ph.test', '1', null)).toBeNull();
    expect(replayUrl('https://ph.test', '1', 'x?y')).toBe('https://ph.test/project/1/replay/x%3Fy');
  });
});

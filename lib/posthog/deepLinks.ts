/**
 * Links into PostHog for each part of the card. URLs follow PostHog's own routes
 * (/project/:id/insights/new#q=<query>, /events/:uuid/:timestamp, /replay/:session_id), so they
 * work the same on US, EU and self-hosted instances: only the base URL differs.
 */
import type { CardLinks } from '../model/figures';
import type { RangeKey } from '../model/ranges';
import { FUNNEL_STEPS, type SchemaMapping } from '../model/events';
import type { HogQLRequest } from './hogql';
import type { MetricsOptions } from '../settings/settings';

const RELATIVE_DATE: Record<RangeKey, string> = { '1h': '-1h', '24h': '-24h', '7d': '-7d', '30d': '-30d' };

/** PostHog property filter for the tool under every spelling (an OR group when there are several). */
function toolFilter(schema: SchemaMapping, tool: string) {
  const filters = schema.properties.tool_name.map((key) => ({ type: 'event', key, operator: 'exact', value: [tool] }));
  return filters.length === 1 ? filters : { type: 'OR', values: filters.map((f) => ({ type: 'AND', values: [f] })) };
}

const withQuery = (url: string, query: unknown) => `${url}#q=${encodeURIComponent(JSON.stringify(query))}`;

export function cardLinks(
  base: string,
  projectId: string,
  tool: string,
  range: RangeKey,
  options: Pick<MetricsOptions, 'schema' | 'funnelWindowHours' | 'funnelUnit'>,
  latencyQuery: HogQLRequest,
): CardLinks {
  const project = `${base}/project/${encodeURIComponent(projectId)}`;
  const { schema } = options;
  const sessionProperty = schema.properties.session_id[0] ?? 'session_id';
  const funnel = {
    kind: 'InsightVizNode',
    source: {
      kind: 'FunnelsQuery',
      series: FUNNEL_STEPS.map((step) => ({ kind: 'EventsNode', event: schema.events[step.key], name: schema.events[step.key] })),
      properties: toolFilter(schema, tool),
      dateRange: { date_from: RELATIVE_DATE[range] },
      funnelsFilter: {
        funnelWindowInterval: options.funnelWindowHours,
        funnelWindowIntervalUnit: 'hour',
        ...(options.funnelUnit === 'sessions' && /^\$?\w+$/.test(sessionProperty) ? { funnelAggregateByHogQL: `properties.${sessionProperty}` } : {}),
      },
    },
  };
  const errors = {
    kind: 'DataTableNode',
    full: true,
    source: {
      kind: 'EventsQuery',
      select: ['*', 'event', 'person', 'timestamp'],
      event: schema.events.processingFailed,
      properties: toolFilter(schema, tool),
      after: RELATIVE_DATE[range],
      orderBy: ['timestamp DESC'],
    },
  };
  return {
    projectId,
    project,
    funnel: withQuery(`${project}/insights/new`, funnel),
    latencySql: sqlInsightUrl(base, projectId, latencyQuery),
    errors: withQuery(`${project}/activity/explore`, errors),
    replays: `${project}/replay/home`,
  };
}

export function eventUrl(base: string, projectId: string, uuid: string, timestamp: string): string {
  return `${base}/project/${encodeURIComponent(projectId)}/events/${encodeURIComponent(uuid)}/${encodeURIComponent(timestamp)}`;
}

export function replayUrl(base: string, projectId: string, sessionId: string | null): string | null {
  return sessionId ? `${base}/project/${encodeURIComponent(projectId)}/replay/${encodeURIComponent(sessionId)}` : null;
}

/** A person by PostHog's person id (frontend/src/scenes/urls.ts `personByUUID`: /persons/:uuid). */
export function personUrl(base: string, projectId: string, personId: string): string {
  return `${base}/project/${encodeURIComponent(projectId)}/persons/${encodeURIComponent(personId)}`;
}

/** An error tracking issue (frontend/src/scenes/urls.ts `errorTrackingIssue`: /error_tracking/:id). */
export function errorIssueUrl(base: string, projectId: string, issueId: string | null): string | null {
  return issueId ? `${base}/project/${encodeURIComponent(projectId)}/error_tracking/${encodeURIComponent(issueId)}` : null;
}

/** A HogQL query as a new SQL insight, its placeholders and values kept (nothing pasted into its text). */
export function sqlInsightUrl(base: string, projectId: string, request: HogQLRequest): string {
  const project = `${base}/project/${encodeURIComponent(projectId)}`;
  return withQuery(`${project}/insights/new`, {
    kind: 'DataTableNode',
    full: true,
    source: { kind: 'HogQLQuery', query: request.query, values: request.values },
  });
}

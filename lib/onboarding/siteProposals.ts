/**
 * Which sites to propose: the origins of the pages where the project's own `tool_viewed` events
 * happened in the last 30 days (PostHog's own `$current_url`, sent by posthog-js), with how many views
 * and tools each has, and one page to try. One HogQL query; values as placeholders.
 */
import * as z from 'zod/mini';
import type { HogQLResponse } from '../posthog/client';
import type { HogQLRequest } from '../posthog/hogql';
import { fromStoredForm, HogQLValues, type SchemaMapping } from '../model/events';
import { originOf } from '../matching/toolMatch';

export const SITE_PROPOSAL_DAYS = 30;
export const SITE_PROPOSALS = 12;
/** The origin at the start of a URL: scheme and host (with port), as ClickHouse's extract() keeps it. */
const ORIGIN_RE = '^(https?://[^/?#]+)';

export function buildSiteProposalQuery(schema: SchemaMapping): HogQLRequest {
  const v = new HogQLValues();
  const tool = v.text(schema, 'tool_name');
  const url = `toString(properties[${v.add('p_current_url', '$current_url')}])`;
  return {
    query: `SELECT extract(${url}, ${v.add('origin_re', ORIGIN_RE)}) AS origin, count() AS views, uniq(${tool}) AS tools, any(${url}) AS example
FROM events
WHERE event = ${v.event(schema, 'viewed')} AND timestamp >= now() - toIntervalDay(${v.add('days', SITE_PROPOSAL_DAYS)}) AND ${tool} IS NOT NULL
GROUP BY origin
HAVING origin != ''
ORDER BY views DESC
LIMIT ${SITE_PROPOSALS}`,
    values: v.values,
  };
}

export interface SiteProposal {
  origin: string;
  views: number;
  tools: number;
  /** One page of the site with a tool, to open and see the card. */
  example: string | null;
}

const rowsSchema = z.array(z.tuple([z.string(), z.number(), z.number(), z.nullable(z.string())]));

/** The answer as proposals: only http(s) origins Tool Lens can run on, at most SITE_PROPOSALS. */
export function toSiteProposals(response: Pick<HogQLResponse, 'results'>): SiteProposal[] {
  const rows = rowsSchema.parse(response.results);
  const out: SiteProposal[] = [];
  for (const [rawOrigin, views, tools, rawExample] of rows.slice(0, SITE_PROPOSALS)) {
    const origin = originOf(fromStoredForm(rawOrigin));
    if (!origin || !/^https?:\/\//.test(origin) || out.some((p) => p.origin === origin)) continue;
    const example = rawExample === null ? null : fromStoredForm(rawExample);
    out.push({ origin, views, tools, example: example && originOf(example) === origin ? example : null });
  }
  return out;
}

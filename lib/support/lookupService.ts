/**
 * Support's lookup in the worker: one HogQL query per lookup, through the one session (the request
 * budget, Retry-After, the project's query slots; async past PostHog's API ceiling), its answer checked
 * and handed to the page that asked. Nothing about the person is kept: no cache, no storage.
 */
import { runHogQL } from '../posthog/asyncQuery';
import { describeZodError, PostHogError } from '../posthog/client';
import { sqlInsightUrl } from '../posthog/deepLinks';
import type { Session } from '../connection/session';
import type { PersonLookupResponse } from '../protocol/messages';
import type { LookupBy } from '../model/person';
import type { RangeKey } from '../model/ranges';
import { lookupPersonProperties } from '../settings/settings';
import { lookupRowsSchema, toPersonLookup } from './lookup';
import { buildPersonJobsQuery, buildPersonLookupQuery } from './query';
import { resolveMatch } from './selection';

export function createSupportService({ session, now = Date.now }: { session: Session; now?: () => number }) {
  async function lookup(request: { range: RangeKey; by: LookupBy; value: string; refresh?: boolean }): Promise<PersonLookupResponse> {
    return session.run(async ({ client, settings }) => {
      const value = request.value.trim();
      const match = resolveMatch(request.by, value);
      const personProperties = lookupPersonProperties(settings);
      const query = buildPersonLookupQuery({
        range: request.range,
        match,
        value,
        schema: settings.schema,
        emailProperty: settings.personEmailProperty,
        personProperties,
      });
      const { response } = await runHogQL(client, query, { slots: client.slots, refresh: request.refresh, now });
      const rows = lookupRowsSchema.safeParse(response.results);
      if (!rows.success) throw new PostHogError('bad_response', describeZodError(rows.error));
      const lookup = toPersonLookup(rows.data, {
        baseUrl: client.baseUrl,
        projectId: settings.projectId,
        range: request.range,
        value,
        match,
        personProperties,
        asOf: response.last_refresh ?? new Date(now()).toISOString(),
        jobsUrl: (personId) =>
          sqlInsightUrl(client.baseUrl, settings.projectId, buildPersonJobsQuery({ range: request.range, schema: settings.schema, personId })),
      });
      return { ok: true, lookup };
    });
  }
  return { lookup };
}

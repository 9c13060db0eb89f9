/**
 * Group segments, end to end with the real posthog-node client: `groupIdentify` gives groups their
 * properties, `capture({ groups })` puts events in them, and the card filtered on a group property
 * counts exactly that group's events. PostHog reads a group's properties in HogQL as
 * `group_N.properties.x`, N the group type's index: a lazy join to the group's latest properties
 * (posthog/hogql/database/schema/events.py `group_0`…`group_4`, groups.py argMax by updated_at), so a
 * group's properties changed later apply to its earlier events too. PostHog types a group property by
 * its group type's definition (transforms/property_types.py `_convert_string_property_to_type(..., "group")`),
 * so a DateTime or Numeric one is compared in the form PostHog reads it; the project is in Asia/Kolkata,
 * where a DateTime reads 5:30 ahead of the UTC it was sent in.
 */
import { PostHog } from 'posthog-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildCardQuery } from '../lib/card/query';
import { toToolMetrics } from '../lib/card/metrics';
import { createPostHogClient, type PostHogClient } from '../lib/posthog/client';
import { fetchGroupTypes } from '../lib/project/groupTypes';
import { DEFAULT_METRICS_OPTIONS, segmentSchema, type MetricsOptions } from '../lib/settings/settings';
import { startLocalPostHog, type LocalPostHog } from './server';
import { hogql } from './test-helpers';

let ph: LocalPostHog;
let client: PostHogClient;

beforeAll(async () => {
  ph = await startLocalPostHog({ timezone: 'Asia/Kolkata' });
  client = createPostHogClient({ baseUrl: ph.url, projectId: String(ph.projectId), apiKey: ph.apiKey });
  const node = new PostHog(ph.projectApiKey, { host: ph.url, flushAt: 100, flushInterval: 0 });
  // Two group types: `company` is the first seen (slot 0), `team` the second (slot 1).
  // founded_at: DateTime (a date string, a key with "_at"); employees: Numeric (a JSON number) — rust/property-defs-rs/src/types.rs.
  node.groupIdentify({ groupType: 'company', groupKey: 'acme', properties: { plan: 'enterprise', founded_at: '2024-01-15T10:00:00Z', employees: 2500 } });
  node.groupIdentify({ groupType: 'company', groupKey: 'globex', properties: { plan: 'free', founded_at: '2019-06-01T00:00:00Z', employees: 40.5 } });
  node.groupIdentify({ groupType: 'team', groupKey: 'ops', properties: { plan: 'enterprise' } });
  await node.flush();
  const at = (minutesAgo: number) => new Date(Date.now() - minutesAgo * 60_000);
  const job = (who: string, company: string, minutesAgo: number, ok: boolean, team?: string) => {
    const groups: Record<string, string> = team ? { company, team } : { company };
    const base = { tool_name: 'grouped', session_id: `s-${who}` };
    node.capture({ distinctId: who, event: 'tool_viewed', timestamp: at(minutesAgo), properties: base, groups });
    node.capture({ distinctId: who, event: 'tool_processing_started', timestamp: at(minutesAgo - 1), properties: base, groups });
    node.capture({
      distinctId: who,
      event: ok ? 'tool_processing_completed' : 'tool_processing_failed',
      timestamp: at(minutesAgo - 2),
      properties: { ...base, processing_duration_ms: ok ? 1000 : 500, error_type: ok ? undefined : 'timeout' },
      groups,
    });
  };
  // acme (enterprise): 3 jobs, 1 failed; globex (free): 2 jobs, both completed; one globex job also in team ops.
  job('a1', 'acme', 50, true);
  job('a2', 'acme', 40, true);
  job('a3', 'acme', 30, false);
  job('g1', 'globex', 20, true);
  job('g2', 'globex', 10, true, 'ops');
  await node.shutdown();
});
afterAll(() => ph?.close());

// `refresh`: run the query now, not from the query cache (PostHog's as the local server's).
const card = async (segment: MetricsOptions['segment'], refresh = false) => {
  const input = { tool: 'grouped', range: '7d' as const, options: { ...DEFAULT_METRICS_OPTIONS, segment } };
  return toToolMetrics(await client.hogql(buildCardQuery(input), { refresh }), input, new Date());
};

describe('group segments', () => {
  it('lists the group types in their slots, as PostHog answers groups_types', async () => {
    expect(await fetchGroupTypes(client)).toEqual([
      { index: 0, name: 'company' },
      { index: 1, name: 'team' },
    ]);
  });

  it('counts only the events of the groups with that property', async () => {
    const all = await card(null);
    expect(all.jobs.current).toMatchObject({ views: 5, started: 5, completed: 4, failed: 1 });
    const enterprise = await card({ kind: 'group', groupIndex: 0, groupType: 'company', property: 'plan', value: 'enterprise' });
    expect(enterprise.jobs.current).toMatchObject({ views: 3, started: 3, completed: 2, failed: 1 });
    expect(enterprise.errors).toEqual([{ type: 'timeout', current: 1, previous: 0 }]);
    expect(enterprise.funnel.steps.map((s) => s.current).slice(0, 1)).toEqual([3]);
    const free = await card({ kind: 'group', groupIndex: 0, property: 'plan', value: 'free' });
    expect(free.jobs.current).toMatchObject({ views: 2, completed: 2, failed: 0 });
    // The same property of the other group type: only the job in team ops.
    const team = await card({ kind: 'group', groupIndex: 1, property: 'plan', value: 'enterprise' });
    expect(team.jobs.current).toMatchObject({ views: 1, completed: 1, failed: 0 });
    expect(team.segment).toMatchObject({ kind: 'group', groupIndex: 1 });
  });

  it("reads a group's latest properties, as PostHog's lazy join does: globex upgraded now counts as enterprise", async () => {
    const node = new PostHog(ph.projectApiKey, { host: ph.url, flushAt: 100, flushInterval: 0 });
    node.groupIdentify({ groupType: 'company', groupKey: 'globex', properties: { plan: 'enterprise' } });
    await node.shutdown();
    const enterprise = await card({ kind: 'group', groupIndex: 0, property: 'plan', value: 'enterprise' }, true);
    expect(enterprise.jobs.current).toMatchObject({ views: 5, completed: 4, failed: 1 });
    expect((await card({ kind: 'group', groupIndex: 0, property: 'plan', value: 'free' }, true)).jobs.current.views).toBe(0);
  });

  it('reads DateTime and Numeric group properties typed, as PostHog does: not in the text they were sent as', async () => {
    const read = await hogql(
      ph,
      "SELECT toTypeName(group_0.properties.founded_at), toString(group_0.properties.founded_at), toTypeName(group_0.properties.employees), toString(group_0.properties.employees) FROM events WHERE event = 'tool_viewed' AND distinct_id = 'a1'",
    );
    expect(read.results).toEqual([["Nullable(DateTime64(6, 'Asia/Kolkata'))", '2024-01-15 15:30:00.000000', 'Nullable(Float64)', '2500']]);
  });

  it("matches a DateTime group property given as sent, or as PostHog shows it in the project's zone", async () => {
    for (const value of ['2024-01-15T10:00:00Z', '2024-01-15 15:30:00']) {
      const acme = await card({ kind: 'group', groupIndex: 0, groupType: 'company', property: 'founded_at', value });
      expect(acme.jobs.current).toMatchObject({ views: 3, started: 3, completed: 2, failed: 1 });
    }
    expect((await card({ kind: 'group', groupIndex: 0, property: 'founded_at', value: '2019-06-01T00:00:00Z' })).jobs.current).toMatchObject({
      views: 2,
      completed: 2,
    });
    expect((await card({ kind: 'group', groupIndex: 0, property: 'founded_at', value: '2024-01-15' })).jobs.current.views).toBe(0);
  });

  it('matches a Numeric group property by its number', async () => {
    for (const value of ['2500', '2500.0'])
      expect((await card({ kind: 'group', groupIndex: 0, property: 'employees', value })).jobs.current).toMatchObject({ views: 3, completed: 2, failed: 1 });
    expect((await card({ kind: 'group', groupIndex: 0, property: 'employees', value: '40.5' })).jobs.current).toMatchObject({ views: 2, completed: 2 });
    expect((await card({ kind: 'group', groupIndex: 0, property: 'employees', value: '40' })).jobs.current.views).toBe(0);
  });

  it('keeps the group index in the settings to the five slots', () => {
    const parse = (groupIndex: number) => segmentSchema.safeParse({ kind: 'group', groupIndex, property: 'plan', value: 'x' }).success;
    expect([0, 4].map(parse)).toEqual([true, true]);
    expect([5, -1, 1.5].map(parse)).toEqual([false, false, false]);
  });
});

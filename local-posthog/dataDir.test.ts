/**
 * A data directory (`--data-dir`) restarted: PostHog keeps each project's group types in their slots
 * (GroupTypeMapping), each group's latest properties (posthog/hogql/database/schema/groups.py) and the
 * property definitions, so a restarted local server must too, and merge the next `$group_set` into what
 * the group already had, as it does while running (local-posthog/README.md, Groups).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startLocalPostHog } from './server';
import { captureBatch, hogql } from './test-helpers';

const dir = mkdtempSync(join(tmpdir(), 'tool-lens-data-dir-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const identify = (type: string, key: string, set: Record<string, unknown>) => ({
  event: '$groupidentify',
  distinct_id: 'admin',
  timestamp: new Date().toISOString(),
  properties: { $group_type: type, $group_key: key, $group_set: set },
});

describe('a restarted data directory', () => {
  it('keeps group types in their slots, group properties with their types, and merges the next $group_set', async () => {
    const first = await startLocalPostHog({ dataDir: join(dir, 'db') });
    await captureBatch(first, [identify('team', 'ops', { size: 4 }), identify('company', 'acme', { plan: 'pro', employees: 2500 })]);
    await first.close();

    const again = await startLocalPostHog({ dataDir: join(dir, 'db') });
    try {
      await captureBatch(again, [
        identify('company', 'acme', { plan: 'enterprise' }),
        { event: 'seen', distinct_id: 'u', timestamp: new Date().toISOString(), properties: { $groups: { company: 'acme' } } },
      ]);
      const groupTypes = await (await fetch(`${again.url}/api/projects/1/groups_types/`, { headers: { authorization: `Bearer ${again.apiKey}` } })).json();
      expect((groupTypes as Array<{ group_type: string; group_type_index: number }>).map((t) => [t.group_type, t.group_type_index])).toEqual([
        ['team', 0],
        ['company', 1],
      ]);
      const read = await hogql(
        again,
        "SELECT group_1.properties.plan, group_1.properties.employees, toTypeName(group_1.properties.employees) FROM events WHERE event = 'seen'",
      );
      expect(read.results).toEqual([['enterprise', 2500, 'Nullable(Float64)']]);
    } finally {
      await again.close();
    }
  });
});

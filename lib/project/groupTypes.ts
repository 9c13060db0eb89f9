/**
 * The project's group types (PostHog group analytics: `company`, `team`…), each in its slot 0–4:
 * PostHog's REST list (posthog/api/group.py GroupsTypesViewSet, scope group:read). The slot is what a
 * HogQL query names (`group_0.properties.x`); the name is for people.
 */
import * as z from 'zod/mini';
import type { PostHogClient } from '../posthog/client';
import { projectPath } from './dashboards';
import { GROUP_SLOTS } from '../settings/settings';

const groupTypeSchema = z.object({ group_type: z.string(), group_type_index: z.int().check(z.minimum(0), z.maximum(GROUP_SLOTS - 1)) });
// A plain list; accepted as a page too, should a release paginate it.
const groupTypesSchema = z.union([z.array(groupTypeSchema), z.object({ results: z.array(groupTypeSchema) })]);

export interface GroupType {
  index: number;
  name: string;
}

export async function fetchGroupTypes(client: Pick<PostHogClient, 'request' | 'projectId'>): Promise<GroupType[]> {
  const answer = await client.request(projectPath(client, 'groups_types/'), groupTypesSchema);
  const list = Array.isArray(answer) ? answer : answer.results;
  return list
    .map((t) => ({ index: t.group_type_index, name: t.group_type.slice(0, 200) }))
    .sort((a, b) => a.index - b.index)
    .filter((t, i, all) => i === 0 || all[i - 1]!.index !== t.index);
}

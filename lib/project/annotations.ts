/**
 * The project's annotations (a deploy, an incident) in a range: PostHog's REST list
 * (posthog/api/annotation.py: newest first, date_from/date_to, LimitOffset pages; scope annotation:read), the ones that
 * apply to the whole project or organisation, not deleted. Their text is data: shown as text only.
 */
import { z } from 'zod';
import type { PostHogClient } from '../posthog/client';
import { projectPath } from './dashboards';

export const ANNOTATIONS_MAX = 50;

const annotationPageSchema = z.object({
  results: z.array(
    z.object({
      id: z.number(),
      content: z.string().nullable(),
      date_marker: z.string().nullable(),
      deleted: z.boolean().optional(),
      scope: z.string().optional(),
    }),
  ),
});

export interface ProjectAnnotation {
  id: number;
  content: string;
  /** epoch ms */
  at: number;
}

export async function fetchAnnotations(client: Pick<PostHogClient, 'request' | 'projectId'>, sinceMs: number, untilMs: number): Promise<ProjectAnnotation[]> {
  // PostHog lists newest first and filters by date_marker itself (date_from/date_to); releases
  // without those filters take `order` and ignore the rest, so the range is checked here too.
  const q = new URLSearchParams({ limit: '200', order: '-date_marker', date_from: new Date(sinceMs).toISOString(), date_to: new Date(untilMs).toISOString() });
  const page = await client.request(projectPath(client, `annotations/?${q}`), annotationPageSchema);
  return page.results
    .filter((a) => !a.deleted && (a.scope === undefined || a.scope === 'project' || a.scope === 'organization'))
    .map((a) => ({ id: a.id, content: (a.content ?? '').slice(0, 400), at: a.date_marker ? Date.parse(a.date_marker) : NaN }))
    .filter((a) => Number.isFinite(a.at) && a.at >= sinceMs && a.at <= untilMs)
    .sort((a, b) => a.at - b.at)
    .slice(-ANNOTATIONS_MAX);
}

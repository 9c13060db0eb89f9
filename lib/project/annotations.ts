/**
 * The project's annotations (a deploy, an incident) in a range: PostHog's REST list
 * (posthog/api/annotation.py: newest first, date_from/date_to, LimitOffset pages; scope annotation:read), the ones that
 * apply to the whole project or organisation, not deleted. Their text is data: shown as text only.
 */
import * as z from 'zod/mini';
import type { PostHogClient } from '../posthog/client';
import { projectPath } from './dashboards';

export const ANNOTATIONS_MAX = 50;
/** Pages of 100, at most 10: annotations of insights and dashboards (left out here) may fill the newest pages. */
const PAGE = 100;
const MAX_PAGES = 10;

const annotationPageSchema = z.object({
  results: z.array(
    z.object({
      id: z.number(),
      content: z.nullable(z.string()),
      date_marker: z.nullable(z.string()),
      deleted: z.optional(z.boolean()),
      scope: z.optional(z.string()),
    }),
  ),
  next: z.nullish(z.string()),
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
  const q = new URLSearchParams({
    limit: String(PAGE),
    order: '-date_marker',
    date_from: new Date(sinceMs).toISOString(),
    date_to: new Date(untilMs).toISOString(),
  });
  const listPath = projectPath(client, 'annotations/');
  const found: ProjectAnnotation[] = [];
  let path: string | null = `${listPath}?${q}`;
  // Newest first: once the newest ANNOTATIONS_MAX of the range are in, older pages add nothing shown.
  for (let pages = 0; path && pages < MAX_PAGES && found.length < ANNOTATIONS_MAX; pages++) {
    const page: z.infer<typeof annotationPageSchema> = await client.request(path, annotationPageSchema);
    found.push(
      ...page.results
        .filter((a) => !a.deleted && (a.scope === undefined || a.scope === 'project' || a.scope === 'organization'))
        .map((a) => ({ id: a.id, content: (a.content ?? '').slice(0, 400), at: a.date_marker ? Date.parse(a.date_marker) : NaN }))
        .filter((a) => Number.isFinite(a.at) && a.at >= sinceMs && a.at <= untilMs),
    );
    path = nextPage(page.next, listPath);
  }
  return found.sort((a, b) => a.at - b.at).slice(-ANNOTATIONS_MAX);
}

/** PostHog's `next` link (DRF keeps every filter in it), followed only on the same list: the client adds the host. */
function nextPage(next: string | null | undefined, listPath: string): string | null {
  if (!next) return null;
  try {
    const url = new URL(next);
    return url.pathname === listPath ? url.pathname + url.search : null;
  } catch {
    return null;
  }
}

/**
 * The projects a personal API key can see, by organisation, so the user picks one instead of typing
 * its id. PostHog's `/api/users/@me/` names every organisation of the user but lists the projects of
 * the current one only; the others come from `/api/organizations/:id/projects/`
 * (posthog/api/user.py, posthog/api/project.py). A key limited to some projects may not list
 * projects at all (403: "API keys with scoped projects are only supported on project-based
 * endpoints."): then the current organisation's projects from @me are the list.
 */
import * as z from 'zod/mini';
import { PostHogError, type PostHogClient } from '../posthog/client';

const teamSchema = z.object({ id: z.number(), project_id: z.nullish(z.number()), name: z.string(), timezone: z.nullish(z.string()) });
const organizationSchema = z.object({ id: z.string(), name: z.string() });
const meSchema = z.object({
  email: z.string(),
  organization: z.nullish(z.extend(organizationSchema, { teams: z._default(z.array(teamSchema), []) })),
  organizations: z._default(z.array(organizationSchema), []),
});
const projectPageSchema = z.object({ results: z.array(teamSchema), next: z.nullish(z.string()) });

export interface ProjectChoice {
  /** The id the query API takes (/api/projects/:id/query/). */
  id: string;
  name: string;
  timezone: string | null;
}
export interface OrganizationChoice {
  id: string;
  name: string;
  projects: ProjectChoice[];
  /** Why its projects could not be listed, when they could not. */
  problem: string | null;
}
export interface KeyProjects {
  user: string;
  organizations: OrganizationChoice[];
}

const MAX_PAGES = 10;
const choice = (t: z.infer<typeof teamSchema>): ProjectChoice => ({
  id: String(t.project_id ?? t.id),
  name: t.name || `Project ${t.project_id ?? t.id}`,
  timezone: t.timezone ?? null,
});

/** The key's user and, for each of their organisations, the projects the key may use. Throws PostHogError (the key itself failed). */
export async function listKeyProjects(client: Pick<PostHogClient, 'request'>): Promise<KeyProjects> {
  const me = await client.request('/api/users/@me/', meSchema);
  const current = me.organization ?? null;
  const organizations = [...(current ? [current] : []), ...me.organizations.filter((o) => o.id !== current?.id)];
  const out: OrganizationChoice[] = [];
  for (const org of organizations) {
    try {
      const projects: ProjectChoice[] = [];
      let path: string | null = `/api/organizations/${encodeURIComponent(org.id)}/projects/`;
      for (let pageCount = 0; path && pageCount < MAX_PAGES; pageCount++) {
        const page: z.infer<typeof projectPageSchema> = await client.request(path, projectPageSchema);
        projects.push(...page.results.map(choice));
        path = page.next ? new URL(page.next).pathname + new URL(page.next).search : null;
      }
      out.push({ id: org.id, name: org.name, projects: dedupe(projects), problem: null });
    } catch (error) {
      if (!(error instanceof PostHogError) || !['forbidden', 'not_found'].includes(error.kind)) throw error;
      // A key limited to some projects, or an organisation it may not read: @me names the current
      // organisation's projects (whatever the key's limits), so each is asked whether this key may use it.
      const fallback = org.id === current?.id ? await usable(client, (current.teams ?? []).map(choice)) : [];
      out.push({ id: org.id, name: org.name, projects: dedupe(fallback), problem: fallback.length ? null : error.message });
    }
  }
  return { user: me.email, organizations: out };
}

const MAX_PROBES = 20;
/** The projects this key may read (GET /api/projects/:id/ answers; a key scoped elsewhere gets 403). */
async function usable(client: Pick<PostHogClient, 'request'>, candidates: ProjectChoice[]): Promise<ProjectChoice[]> {
  const out: ProjectChoice[] = [];
  for (const project of candidates.slice(0, MAX_PROBES)) {
    try {
      await client.request(`/api/projects/${encodeURIComponent(project.id)}/`, teamSchema);
      out.push(project);
    } catch (error) {
      if (!(error instanceof PostHogError) || !['forbidden', 'not_found'].includes(error.kind)) throw error;
    }
  }
  return out;
}

function dedupe(projects: ProjectChoice[]): ProjectChoice[] {
  const seen = new Set<string>();
  return projects.filter((p) => !seen.has(p.id) && seen.add(p.id)).sort((a, b) => a.name.localeCompare(b.name));
}

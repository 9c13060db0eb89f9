/**
 * The first run's questions to PostHog: which projects a pasted key can see (nothing saved yet), and
 * which sites the chosen project's own events come from. Through the session like every request.
 */
import type { Session } from '../connection/session';
import { toFailure } from '../posthog/failure';
import type { OnboardingProjectsResponse, OnboardingSitesResponse } from '../protocol/messages';
import { postHogBaseUrl, type Settings } from '../settings/settings';
import { listKeyProjects } from './projects';
import { buildSiteProposalQuery, SITE_PROPOSAL_DAYS, toSiteProposals } from './sites';

export type OnboardingService = ReturnType<typeof createOnboardingService>;

export function createOnboardingService(session: Session) {
  async function projectsFor(candidate: Pick<Settings, 'host' | 'customHost' | 'apiKey'>): Promise<OnboardingProjectsResponse> {
    const made = await session.connectTo({ baseUrl: postHogBaseUrl(candidate), apiKey: candidate.apiKey.trim() });
    if (!made.ok) return made;
    try {
      const found = await listKeyProjects(made.client);
      if (!found.organizations.some((o) => o.projects.length)) {
        const why = found.organizations.map((o) => o.problem).find(Boolean);
        return { ok: false, error: { kind: 'not_found', message: `This key (${found.user}) can see no project${why ? `: ${why}` : ''}. Give it access to the project Tool Lens should read, or use another key.` } };
      }
      return { ok: true, ...found };
    } catch (error) {
      return { ok: false, error: toFailure(error) };
    }
  }

  async function proposeSites(): Promise<OnboardingSitesResponse> {
    const connected = await session.connect();
    if (!connected.ok) return connected;
    try {
      const response = await connected.connection.client.hogql(buildSiteProposalQuery(connected.connection.settings.schema));
      return { ok: true, days: SITE_PROPOSAL_DAYS, sites: toSiteProposals(response) };
    } catch (error) {
      return { ok: false, error: toFailure(error) };
    }
  }

  return { projectsFor, proposeSites };
}

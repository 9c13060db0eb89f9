/**
 * The first run's questions to PostHog: which projects a pasted key can see (nothing saved yet), and
 * which sites the chosen project's own events come from. Through the session like every request.
 */
import type { Session } from '../connection/session';
import { toFailure } from '../posthog/failure';
import type { OnboardingProjectsResponse, OnboardingSitesResponse } from '../protocol/messages';
import { postHogBaseUrl, type Settings } from '../settings/settings';
import { listKeyProjects } from './projects';
import { buildSiteProposalQuery, SITE_PROPOSAL_DAYS, toSiteProposals } from './siteProposals';

export type OnboardingService = ReturnType<typeof createOnboardingService>;

export function createOnboardingService(session: Session) {
  async function projectsFor(candidate: Pick<Settings, 'host' | 'customHost' | 'apiKey'>): Promise<OnboardingProjectsResponse> {
    return projectsWith({ baseUrl: postHogBaseUrl(candidate), apiKey: candidate.apiKey.trim(), credential: 'key' });
  }

  /** The projects a key, or a sign-in's access token, can see, by organisation. */
  async function projectsWith(target: { baseUrl: string; apiKey: string; credential: 'key' | 'signIn' }): Promise<OnboardingProjectsResponse> {
    const made = await session.connectTo(target);
    if (!made.ok) return made;
    try {
      const found = await listKeyProjects(made.client);
      if (!found.organizations.some((o) => o.projects.length)) {
        const why = found.organizations.map((o) => o.problem).find(Boolean);
        const fix =
          target.credential === 'signIn'
            ? 'Sign in again and give Tool Lens a project on PostHog’s consent screen, or paste a key.'
            : 'Give it access to the project Tool Lens should read, or use another key.';
        return {
          ok: false,
          error: {
            kind: 'not_found',
            message: `This ${target.credential === 'signIn' ? 'sign-in' : 'key'} (${found.user}) can see no project${why ? `: ${why}` : ''}. ${fix}`,
          },
        };
      }
      return { ok: true, ...found };
    } catch (error) {
      return { ok: false, error: toFailure(error) };
    }
  }

  async function proposeSites(): Promise<OnboardingSitesResponse> {
    return session.run(async ({ client, settings }) => {
      const response = await client.hogql(buildSiteProposalQuery(settings.schema));
      return { ok: true, days: SITE_PROPOSAL_DAYS, sites: toSiteProposals(response) };
    });
  }

  return { projectsFor, projectsWith, proposeSites };
}

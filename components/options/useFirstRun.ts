/**
 * The first run's steps: which PostHog → the key → the project (picked from those the key sees) →
 * the event schema (detected) → the sites (proposed from the project's own events). Each step says
 * what failed and why, and keeps what was entered.
 */
import { useState } from 'preact/hooks';
import { applyDetection } from '../../lib/instrumentation/detect';
import type { DetectSchemaResponse, OnboardingProjectsResponse, OnboardingSitesResponse } from '../../lib/protocol/messages';
import type { Failure } from '../../lib/model/failure';
import { checkCustomHost, DEFAULT_METRICS_OPTIONS, HOSTS, postHogBaseUrl, type HostKind, type Settings } from '../../lib/settings/settings';

export type FirstRunStep = 'host' | 'key' | 'project' | 'sites' | 'done';
type Organizations = Extract<OnboardingProjectsResponse, { ok: true }>['organizations'];
type Proposals = Extract<OnboardingSitesResponse, { ok: true }>['sites'];

export interface FirstRunDeps {
  /** Asks for the PostHog host in the click (null when granted, else why not). */
  grantHost: (baseUrl: string) => Promise<string | null>;
  listProjects: (candidate: { host: HostKind; customHost: string; apiKey: string }) => Promise<OnboardingProjectsResponse>;
  /** "Sign in with PostHog": the worker's OAuth flow on this host, answered with the projects the sign-in sees. */
  signIn: (candidate: { host: HostKind; customHost: string }) => Promise<OnboardingProjectsResponse>;
  saveSettings: (settings: Settings) => Promise<void>;
  detect: () => Promise<DetectSchemaResponse>;
  proposeSites: () => Promise<OnboardingSitesResponse>;
  /** Asks for the sites in the click and enables them (null when done, else why not). */
  enableSites: (origins: string[]) => Promise<string | null>;
}

/** The scopes to tick on PostHog's key page, and what each is for. */
export const KEY_SCOPES = [
  { scope: 'query:read', for: 'the card, alerts and auto-mapping' },
  { scope: 'user:read', for: 'finding your projects' },
  { scope: 'project:read', for: 'finding your projects' },
  { scope: 'organization:read', for: 'projects in your other organisations' },
  { scope: 'dashboard:read', for: 'dashboard shortcuts (optional)' },
  { scope: 'annotation:read', for: 'annotations on the card (optional)' },
  { scope: 'group:read', for: 'group type names in the segment picker (optional)' },
] as const;

const fromError = (error: unknown): Failure => ({
  kind: 'extension',
  message: `Tool Lens lost touch with its background worker (${(error as Error)?.message ?? String(error)}).`,
});

/** What a failed key check means for the user: the step to fix, said plainly, with PostHog's words. */
export function explainKeyFailure(error: Failure): string {
  const scope = /missing required scope '([^']+)'/.exec(error.message)?.[1];
  if (scope) return `This key lacks the ${scope} scope. Edit the key in PostHog (or create one) with the scopes listed above, then paste it again.`;
  if (error.kind === 'unauthorized')
    return 'PostHog rejected this key. Check that you pasted all of it (it starts with phx_), and that it was created on this PostHog.';
  return error.message;
}

/** `presetHost`: the host an organisation's policy set (shown, not changeable; still asked for in the click). */
export function useFirstRun(deps: FirstRunDeps, presetHost?: { host: HostKind; customHost: string }) {
  const [step, setStep] = useState<FirstRunStep>('host');
  const [host, setHost] = useState<HostKind>(presetHost?.host ?? 'us');
  const [customHost, setCustomHost] = useState(presetHost?.customHost ?? '');
  const [apiKey, setApiKey] = useState('');
  /** How the projects were found: the pasted key, or a sign-in (then no key is saved). */
  const [auth, setAuth] = useState<'key' | 'signIn'>('key');
  const [organizations, setOrganizations] = useState<Organizations>([]);
  const [user, setUser] = useState('');
  const [projectId, setProjectId] = useState<string | null>(null);
  const [schemaNote, setSchemaNote] = useState<string | null>(null);
  const [proposals, setProposals] = useState<Proposals | null>(null);
  const [chosenSites, setChosenSites] = useState<string[]>([]);
  const [enabled, setEnabled] = useState<string[]>([]);
  const [busy, setBusy] = useState<string | null>(null);
  const [problem, setProblem] = useState<string | null>(null);

  const baseUrl = () => postHogBaseUrl({ host, customHost: customHost.trim() });
  const fail = (message: string) => {
    setBusy(null);
    setProblem(message);
  };

  /** Step 1, in the click: the host is checked, then asked for (nothing is granted at install). */
  function chooseHost() {
    setProblem(null);
    if (host === 'custom') {
      const bad = checkCustomHost(customHost.trim());
      if (bad) return fail(bad);
    }
    const asked = deps.grantHost(baseUrl());
    setBusy('Waiting for the browser’s permission…');
    void asked.then((denied) => {
      setBusy(null);
      if (denied) return fail(denied);
      setStep('key');
    });
  }

  /** Step 2: the key, checked by listing what it can see. */
  async function checkKey() {
    setProblem(null);
    if (!apiKey.trim()) return fail('Paste the personal API key first.');
    setBusy('Asking PostHog which projects this key can see…');
    const answer = await deps
      .listProjects({ host, customHost: customHost.trim(), apiKey: apiKey.trim() })
      .catch((e: unknown) => ({ ok: false as const, error: fromError(e) }));
    found(answer, 'key');
  }

  /** Step 2, without a key: PostHog's consent screen in the browser's sign-in window, then the projects it allowed. */
  async function signIn() {
    setProblem(null);
    setBusy('Waiting for you to sign in to PostHog in the window that opened…');
    const answer = await deps.signIn({ host, customHost: customHost.trim() }).catch((e: unknown) => ({ ok: false as const, error: fromError(e) }));
    found(answer, 'signIn');
  }

  function found(answer: OnboardingProjectsResponse, via: 'key' | 'signIn') {
    setBusy(null);
    if (!answer.ok) return fail(via === 'key' ? explainKeyFailure(answer.error) : answer.error.message);
    setAuth(via);
    setUser(answer.user);
    setOrganizations(answer.organizations);
    const all = answer.organizations.flatMap((o) => o.projects);
    setProjectId(all.length === 1 ? all[0]!.id : null);
    setStep('project');
  }

  /** Step 3: the project is saved, then its events say how the properties are spelled. */
  async function chooseProject() {
    setProblem(null);
    if (!projectId) return fail('Pick the project whose events Tool Lens should show.');
    const settings: Settings = {
      host,
      customHost: host === 'custom' ? customHost.trim() : '',
      projectId,
      ...(auth === 'signIn' ? { apiKey: '', auth } : { apiKey: apiKey.trim() }),
      ...DEFAULT_METRICS_OPTIONS,
    };
    setBusy('Saving, then reading the last 30 days of events for the property spellings…');
    try {
      await deps.saveSettings(settings);
    } catch (error) {
      return fail(`Could not save: ${(error as Error).message}`);
    }
    const found = await deps.detect().catch((e: unknown) => ({ ok: false as const, error: fromError(e) }));
    if (found.ok) {
      const { schema, notes, missingEvents } = applyDetection(settings.schema, found);
      await deps.saveSettings({ ...settings, schema }).catch(() => undefined);
      const none = Object.values(found.events).every((n) => n === 0);
      setSchemaNote(
        none
          ? `No tool events in the last ${found.days} days yet: Tool Lens reads both spellings of each property until there are some.`
          : `${notes.join('; ') || 'No custom properties found yet'}${missingEvents.length ? `. No ${missingEvents.join(', ')} events yet.` : '.'}`,
      );
    } else {
      // Not fatal: both spellings are read until detection works (options → Data schema).
      setSchemaNote(`Could not detect the property spellings (${found.error.message}); Tool Lens reads both until you detect them in the options.`);
    }
    const sites = await deps.proposeSites().catch((e: unknown) => ({ ok: false as const, error: fromError(e) }));
    setBusy(null);
    if (sites.ok) {
      setProposals(sites.sites);
      // None ticked: anyone with the public project token can send events naming any site.
      setChosenSites([]);
    } else {
      setProposals([]);
      setProblem(`Could not list the sites your events come from: ${sites.error.message}. Add sites below, or later in the options.`);
    }
    setStep('sites');
  }

  /** Step 4, in the click: the chosen sites are asked for and enabled. */
  function enableChosen() {
    setProblem(null);
    if (!chosenSites.length) {
      setStep('done');
      return;
    }
    const asked = deps.enableSites(chosenSites);
    setBusy('Waiting for the browser’s permission…');
    void asked.then((denied) => {
      setBusy(null);
      if (denied) return fail(denied);
      setEnabled(chosenSites);
      setStep('done');
    });
  }

  const toggleSite = (origin: string, on: boolean) => setChosenSites((list) => (on ? [...new Set([...list, origin])] : list.filter((o) => o !== origin)));

  return {
    step,
    host,
    setHost,
    customHost,
    setCustomHost,
    apiKey,
    setApiKey,
    auth,
    user,
    organizations,
    projectId,
    setProjectId,
    schemaNote,
    proposals,
    chosenSites,
    toggleSite,
    enabled,
    busy,
    problem,
    /** PostHog's page for creating a personal API key, on the chosen host. */
    keyPageUrl: () => `${baseUrl()}/settings/user-api-keys`,
    hostLabel: () => (host === 'custom' ? customHost.trim() : HOSTS[host].url),
    back: () => {
      setProblem(null);
      setStep((s) => (s === 'key' ? 'host' : s === 'project' ? 'key' : s));
    },
    chooseHost,
    checkKey,
    signIn,
    chooseProject,
    enableChosen,
  };
}

export type FirstRun = ReturnType<typeof useFirstRun>;

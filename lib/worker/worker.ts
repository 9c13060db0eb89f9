/**
 * The background worker's logic, apart from the browser: the services wired together, the answer to
 * each request (a handler map typed against the protocol), and what each browser event calls for.
 * entrypoints/background.ts only connects the browser's events and APIs to this.
 */
import { readCardPrefs, writeCardPrefs } from '../card/prefs';
import { createCardService } from '../card/cardService';
import { createSupportService } from '../support/lookupService';
import { createPendingLookups } from '../support/pending';
import { valueFromSelection } from '../support/selection';
import { createNewToolsGate } from '../card/newTools';
import { originOf } from '../matching/toolMatch';
import { createConnectionService } from '../connection/connectionService';
import { createSession } from '../connection/session';
import { createProjectService } from '../project/projectService';
import { createOnboardingService } from '../onboarding/onboardingService';
import { createSignIn, type SignInDeps } from '../connection/signIn';
import { checkCustomHost, postHogBaseUrl } from '../settings/settings';
import type { EnsureProgress } from '../project/dashboards';
import type { RangeKey } from '../model/ranges';
import type { DashboardProgress } from '../protocol/messages';
import type { Handlers } from '../protocol/messaging';
import { createRequestBudget } from '../posthog/budget';
import { describeSettingsChange } from '../settings/change';
import type { RegistrationApi } from '../matching/siteRegistration';
import { cachedFigures, figuresIndexItem, policySnapshotItem, projectBudgetStateItem, settingsItem, sitesItem } from '../storage/items';
import { createStorageHealth, guardStore } from '../storage/guarded';
import type { Store } from '../storage/store';
import { createPolicySource, settingsUnder, storeWithPolicy, type ManagedArea } from '../policy/managed';
import { withPolicy, type ParsedPolicy } from '../policy/policy';
import { ALERTS_ALARM, createAlertWatch, type AlarmsApi, type BadgeApi, type NotificationsApi } from './alerts';
import { AUTO_MAP_ALARM, createSiteSync } from './siteSync';
import { withChangeTests } from '../card/compare';

export interface WorkerDeps {
  store: Store;
  registration: RegistrationApi;
  alarms?: AlarmsApi;
  badge: BadgeApi;
  notifications?: NotificationsApi;
  iconUrl: string;
  openTab(url: string): Promise<unknown>;
  openOptions(): Promise<void>;
  /**
   * Opens support's person lookup for a tool and range beside a tab: the side panel (Chrome), the
   * sidebar (Firefox), else a tab. Called first thing in the message's turn: Chrome opens a side panel
   * only in answer to the user's gesture.
   */
  openLookup?(target: { tabId: number; tool: string; range: RangeKey }): Promise<'panel' | 'tab'>;
  /**
   * Opens the lookup page in a window: its side panel (Chrome) or sidebar (Firefox), else a tab there.
   * For a selection looked up from the context menu: called in the menu click's own turn, before any
   * await, as the browsers open a panel only in answer to the user's gesture.
   */
  openLookupPanel?(target: { windowId?: number; tabId?: number }): Promise<'panel' | 'tab'>;
  /** Tells the extension's open pages that a lookup waits (an open lookup page takes it: lookup/take). */
  notifyPages?(): void;
  /** Runs the matcher (entrypoints/matcher.ts) in a watcher's own tab and frame. */
  injectMatcher(tabId: number, frameId: number): Promise<void>;
  /** Runs the card script in a content script's own tab and frame. */
  injectCard(tabId: number, frameId: number): Promise<void>;
  /** Whether the browser lets Tool Lens reach a host (permissions.contains). */
  hasHostAccess?: (pattern: string) => Promise<boolean>;
  fetch?: typeof fetch;
  now?: () => number;
  /** The browser's identity API, for "Sign in with PostHog" (absent: sign-in is not offered). */
  identity?: Pick<SignInDeps, 'launchWebAuthFlow' | 'redirectUrl'>;
  /** The organisation's policy (storage.managed); absent: none. */
  managed?: ManagedArea;
  /** Makes the browser answer the worker's managed storage read (Chromium; lib/policy/managed.ts). */
  wakeManaged?: () => Promise<(() => Promise<void>) | void>;
}

/** One line per step of creating the Tool Usage dashboard, as the popup and options show it. */
export function describeDashboardProgress(p: EnsureProgress): DashboardProgress {
  if (p.type === 'dashboard') return { type: 'progress', text: `${p.action === 'created' ? 'Created' : 'Found'} dashboard “${p.name}”`, failed: false };
  if (p.type === 'insight')
    return { type: 'progress', text: `${p.index + 1}/${p.total} ${p.name}: ${p.action}${p.error ? ` — ${p.error}` : ''}`, failed: p.action === 'failed' };
  return { type: 'progress', text: `Layout ${p.action} (${p.tiles} tiles)${p.error ? ` — ${p.error}` : ''}`, failed: p.action === 'failed' };
}

const isSignIn = (stored: unknown) => typeof stored === 'object' && stored !== null && (stored as { auth?: unknown }).auth === 'signIn';

export function createWorker(deps: WorkerDeps) {
  // Every write survives a full storage.local: cached figures make room first, and what still cannot
  // be kept is said in the popup and options (lib/storage/guarded.ts).
  const health = createStorageHealth();
  const stored = guardStore(deps.store, {
    health,
    freeSpace: async () => {
      card.forgetAnswers();
      const ids = await deps.store.entryIds(cachedFigures);
      if (ids.length) await deps.store.removeEntries(cachedFigures, ids);
      await deps.store.remove(figuresIndexItem);
    },
  });
  const policy = createPolicySource(deps.managed, deps.wakeManaged, {
    remembered: { load: () => stored.get(policySnapshotItem), save: (raw) => stored.set(policySnapshotItem, { raw }) },
    // The browser answered after a restart with another policy than the last session's.
    changed: policyReplaced,
  });
  // Every service reads the settings and sites with the organisation's policy over them.
  const store = storeWithPolicy(stored, policy);
  const loadSettings = () => store.get(settingsItem);
  // One session for everything that asks PostHog, with one request budget, read from the settings at
  // every request so a budget changed in the options applies at once.
  const budgetOptions = async () => {
    const state = await loadSettings();
    return state.status === 'configured' ? state.settings.requestBudget : undefined;
  };
  const budget = createRequestBudget({ store, now: deps.now, options: budgetOptions });
  const signIn = createSignIn({
    store,
    fetch: deps.fetch,
    now: deps.now,
    launchWebAuthFlow: deps.identity?.launchWebAuthFlow ?? (async () => Promise.reject(new Error('this browser offers no sign-in window'))),
    redirectUrl: deps.identity?.redirectUrl ?? (() => ''),
  });
  // Each other project a site names spends from a bucket of its own, with the same options.
  const budgets = new Map<string, ReturnType<typeof createRequestBudget>>();
  const budgetFor = (projectId: string) => {
    let found = budgets.get(projectId);
    if (!found)
      budgets.set(projectId, (found = createRequestBudget({ store, now: deps.now, options: budgetOptions, item: projectBudgetStateItem(projectId) })));
    return found;
  };
  const session = createSession({
    loadSettings,
    store,
    budget,
    budgetFor,
    fetch: deps.fetch,
    now: deps.now,
    hasHostAccess: deps.hasHostAccess,
    accessToken: signIn.accessToken,
  });
  const card = createCardService({ session, store, now: deps.now });
  const support = createSupportService({ session, now: deps.now });
  // What was chosen from the context menu, until its window's lookup page takes it: memory only.
  const pending = createPendingLookups(deps.now);
  const newTools = createNewToolsGate({ store, now: deps.now ?? Date.now, project: session.project });
  const connection = createConnectionService(session, { signedIn: signIn.current, noteUser: signIn.noteUser });
  // The alert check covers every project a site names, besides the connection's own.
  const otherProjects = async () => [...new Set((await store.get(sitesItem)).flatMap((s) => (s.project ? [s.project] : [])))];
  const project = createProjectService({ session, store, now: deps.now, otherProjects });
  const onboarding = createOnboardingService(session);
  const sites = createSiteSync({
    store,
    registration: deps.registration,
    autoMap: { project: session.project, fetchAutoMap: project.fetchAutoMap },
    now: deps.now,
  });
  const alerts = createAlertWatch({
    store,
    loadSettings,
    project,
    alarms: deps.alarms,
    badge: deps.badge,
    notifications: deps.notifications,
    iconUrl: deps.iconUrl,
    openTab: deps.openTab,
  });

  /** Cached figures were read with credentials or settings that no longer hold: gone from memory and storage. */
  async function dropFigures() {
    card.forgetAnswers();
    await card.figures.clear();
  }

  /** The stored settings changed (`old` and `value` as stored, or as the policy makes them). */
  async function settingsChanged(old: unknown, value: unknown) {
    const change = describeSettingsChange(old, value);
    // Cached figures belong to old settings: drop them when a setting they depend on changes.
    if (change.dropFigures) await dropFigures();
    if (change.forgetRetryAfter) session.forgetRetryAfter();
    // Back to a key (or settings removed): a sign-in left behind is revoked, not kept unused.
    if (isSignIn(old) && !isSignIn(value)) {
      await signIn.signOut();
      await dropFigures();
    }
    // The alarm follows the period in any case; a PostHog request only when the check would differ.
    await Promise.all([alerts.schedule(change.checkAlertsNow), sites.sync()]);
  }

  /** Another policy is in force: the settings it overrides change as if stored, and the sites it lists are registered. */
  async function policyReplaced({ before, after }: { before: ParsedPolicy; after: ParsedPolicy }) {
    await settingsChanged(await settingsUnder(stored, before), await settingsUnder(stored, after));
  }

  /** The project a page's site names (staging, production), if any: its card shows that project. */
  async function projectOfPage(url: string | undefined): Promise<string | undefined> {
    const origin = url ? originOf(url) : null;
    return origin ? (await store.get(sitesItem)).find((s) => s.origin === origin)?.project : undefined;
  }

  /**
   * The cards' prefs, read and written one request at a time, in the order they came: a card hidden and
   * its page reloaded at once has the new page's read come while the write is under way, and a write is
   * a read of every site's prefs then a write of them all.
   */
  let prefsQueue: Promise<unknown> = Promise.resolve();
  const inOrder = <T>(op: () => Promise<T>): Promise<T> => {
    const next = prefsQueue.then(op, op);
    prefsQueue = next.catch(() => undefined);
    return next;
  };

  const handlers: Handlers = {
    'tool-metrics/get': async (r, sender) => {
      // A page chooses which tool its content script asks about: unknown names are rationed per site.
      const site = sender.url ? originOf(sender.url) : null;
      const refused = site ? await newTools.check(site, r.tool) : null;
      if (refused) return { ok: false, error: refused };
      const projectId = await projectOfPage(r.origin ?? sender.url);
      const answer = await card.getToolMetrics(r.tool, r.range, r.refresh, r.since, { allData: r.allData, tab: sender.tab?.id, projectId });
      if (answer.ok) {
        const seen = [
          ...((answer.metrics.funnel.steps[0]?.current ?? 0) > 0 ? [r.tool] : []),
          ...(answer.metrics.toolsSeen ?? []).filter((t) => t.views > 0).map((t) => t.tool),
        ];
        await newTools.learn(seen);
      }
      return withChangeTests(await alerts.withAlerts(answer));
    },
    'triage/get': async (r, sender) => card.getTriage(r.tool, r.range, await projectOfPage(sender.url)),
    'person/lookup': (r) => support.lookup(r),
    'lookup/take': async (r) => ({ lookup: pending.take(r.windowId) }),
    'lookup/open': async (r, sender) => {
      if (sender.tab?.id === undefined || !deps.openLookup) return { ok: false, where: 'none' };
      try {
        return { ok: true, where: await deps.openLookup({ tabId: sender.tab.id, tool: r.tool, range: r.range }) };
      } catch {
        return { ok: false, where: 'none' };
      }
    },
    'ranking/get': (r) => project.getRanking(r.range),
    'annotations/get': (r) => project.getAnnotations(r.range),
    'groups/types': () => project.getGroupTypes(),
    'card-prefs/get': (r) => inOrder(async () => ({ prefs: await readCardPrefs(store, r.origin) })),
    'card-prefs/set': (r) => inOrder(async () => ({ prefs: await writeCardPrefs(store, r.origin, r.change) })),
    'site/config': async (r) => ({ config: await sites.configFor(r.origin) }),
    'auto-map/refresh': () => sites.refreshAutoMap(),
    'dashboards/list': async (r) => {
      if (!r.refresh) {
        const cached = await project.cachedDashboards();
        if (cached) return { ok: true, fromCache: true, ...cached };
      }
      return project.fetchDashboards();
    },
    'dashboards/opened': async (r) => {
      await project.dashboardOpened(r.id);
      return { ok: true };
    },
    'alerts/get': (r) => alerts.answer(r.check === true),
    'connection/status': () => connection.connectionStatus(),
    'budget/status': () => connection.budgetStatus(),
    'storage/status': async () => ({ problem: health.problem() }),
    'connection/test': () => connection.testConnection(),
    'schema/detect': () => connection.detectProjectSchema(),
    'options/open': async () => {
      await deps.openOptions();
      return { ok: true };
    },
    'onboarding/projects': (r) => onboarding.projectsFor(r),
    'onboarding/sites': () => onboarding.proposeSites(),
    'auth/sign-in': async (r) => {
      const baseUrl = postHogBaseUrl(r);
      const problem = r.host === 'custom' ? checkCustomHost(baseUrl) : null;
      if (problem) return { ok: false, error: { kind: 'bad_request', message: problem } };
      if (!deps.identity)
        return {
          ok: false,
          error: { kind: 'extension', message: 'This browser gives Tool Lens no sign-in window (identity API): paste a personal API key instead.' },
        };
      // Asked before any window opens: without the host, the flow would fail at the token exchange.
      const denied = await session.hostDenied(baseUrl);
      if (denied) return { ok: false, error: denied };
      const signed = await signIn.signIn(baseUrl);
      if (!signed.ok) return signed;
      // A new sign-in (perhaps another person): nothing read with the last one is shown to it.
      await dropFigures();
      const projects = await onboarding.projectsWith({ baseUrl, apiKey: signed.signIn.accessToken, credential: 'signIn' });
      if (projects.ok) await signIn.noteUser(projects.user);
      return projects;
    },
    'auth/sign-out': async () => {
      await signIn.signOut();
      await dropFigures();
      return { ok: true };
    },
    // The matcher, for a page the watcher runs on (siteRegistration.ts planScripts): into the asking frame only.
    'matcher/inject': async (_r, sender) => {
      if (sender.tab?.id === undefined) return { ok: false };
      await deps.injectMatcher(sender.tab.id, sender.frameId ?? 0);
      return { ok: true };
    },
    // The card (Preact, components, CSS) runs only on tool pages: the content script asks for it there.
    'card/inject': async (_r, sender) => {
      if (sender.tab?.id === undefined) return { ok: false };
      await deps.injectCard(sender.tab.id, sender.frameId ?? 0);
      return { ok: true };
    },
  };

  return {
    handlers,
    /** At every worker start: the registration and rules in step, the alarms set, alerts checked if never. */
    async start() {
      deps.alarms?.create(AUTO_MAP_ALARM, { periodInMinutes: 24 * 60 });
      await Promise.all([sites.sync(), alerts.schedule(false), card.figures.prune()]);
    },
    async alarm(name: string) {
      if (name === AUTO_MAP_ALARM) await sites.sync(true);
      if (name === ALERTS_ALARM) await alerts.check();
    },
    /** The stored settings changed (`old` and `value` as stored): what changes is what the policy leaves open. */
    async settingsChanged(old: unknown, value: unknown) {
      const { policy: current } = await policy.current();
      await settingsChanged(withPolicy(old, current), withPolicy(value, current));
    },
    /** The organisation's policy changed while the browser runs (storage.onChanged, area "managed"). */
    policyChanged: async () => policyReplaced(await policy.reload()),
    /** The sites changed, or a host permission was removed. */
    sitesChanged: () => sites.sync(),
    notificationClicked: (id: string) => alerts.notificationClicked(id),
    /**
     * "Look up in Tool Lens" on text selected in a page (the context menu: the text comes from the
     * browser, not the page, and no host permission is needed). The value is held for the lookup page
     * of that window, which is opened at once (synchronously: the user's gesture), and open pages are told.
     */
    lookUpSelection(selection: string, target: { windowId?: number; tabId?: number }): Promise<'panel' | 'tab' | 'none'> {
      const chosen = valueFromSelection(selection);
      if (chosen) pending.put(target.windowId, chosen);
      const opened = deps.openLookupPanel ? deps.openLookupPanel(target) : Promise.resolve('none' as const);
      if (chosen) deps.notifyPages?.();
      return opened.catch(() => 'none' as const);
    },
    /** A tab closed: a card query no open tab waits for any more is cancelled at PostHog. */
    tabClosed: (tabId: number) => card.tabClosed(tabId),
    /** Creates or updates the Tool Usage dashboard, telling `post` each step, then the result. */
    async createDashboard(post: (message: DashboardProgress) => void): Promise<void> {
      const done = (ok: boolean, url: string | null, created: boolean, failed: number, message: string) =>
        post({ type: 'done', ok, url, created, failed, message });
      try {
        const answer = await project.ensureDashboard((p) => post(describeDashboardProgress(p)));
        if (!answer.ok) return done(false, null, false, 0, answer.error.message);
        const { failed, created, url } = answer.result;
        done(failed === 0, url, created, failed, failed ? `${failed} insight(s) failed: see above.` : created ? 'Dashboard created.' : 'Dashboard updated.');
      } catch (error) {
        done(false, null, false, 0, String(error));
      }
    },
  };
}

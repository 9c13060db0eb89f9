/**
 * The worker's logic over WXT's fakeBrowser (alarms, badge, notifications), a memory Store and
 * undici's MockAgent for PostHog: what each request answers, and what each browser event does.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { fakeBrowser } from 'wxt/testing/fake-browser';
import { newSite } from '../matching/toolMatch';
import { responseSchemas, type DashboardProgress, type Request } from '../protocol/messages';
import type { MessageSender } from '../protocol/messaging';
import { DEFAULT_METRICS_OPTIONS, type Settings } from '../settings/settings';
import {
  alertsItem,
  autoMapItem,
  cachedFigures,
  dashboardsItem,
  projectBudgetStateItem,
  settingsItem,
  signInItem,
  siteRules,
  sitesItem,
} from '../storage/items';
import { memoryStore, type Store } from '../storage/store';
import { BASE, mockPostHog } from '../testing/mockPostHog';
import { fakeRegistration } from '../testing/registration';
import { errorRow, funnelRow } from '../testing/cardRows';
import { testChanges } from '../card/compare';
import { EVERY_REQUEST } from '../testing/requests';
import { ALERTS_ALARM } from './alerts';
import { AUTO_MAP_ALARM } from './siteSync';
import { createWorker, type WorkerDeps } from './worker';

const SETTINGS: Settings = { host: 'custom', customHost: BASE, projectId: '7', apiKey: 'phx_k', ...DEFAULT_METRICS_OPTIONS, alertNotifications: true };
const QUERY = { path: '/api/projects/7/query/', method: 'POST' } as const;
const SITE = 'https://tools.example.com';
const ROWS_WITH_VIEWS = [funnelRow('current', 1, 10)];
const popup: MessageSender = { id: 'self', url: 'chrome-extension://self/popup.html' };
const contentScript: MessageSender = { id: 'self', url: `${SITE}/tools/a`, tab: { id: 4 }, frameId: 2 };

let mock = mockPostHog();
beforeEach(() => fakeBrowser.reset());
afterEach(async () => {
  await mock.agent.close();
  mock = mockPostHog();
});

/** Alert rows: tool, failures, started, completed, mean ms, p95 ms (lib/project/alerts.ts). */
const alertQuery = (rows: unknown[][]) => mock.pool.intercept({ ...QUERY, body: (b: string) => b.includes('AS failures') }).reply(200, { results: rows });
const autoMapQuery = (rows: unknown[][]) => mock.pool.intercept({ ...QUERY, body: (b: string) => b.includes('AS path') }).reply(200, { results: rows });

function worker(store: Store = memoryStore(), granted: string[] = [`${SITE}/*`], openLookup?: WorkerDeps['openLookup'], more: Partial<WorkerDeps> = {}) {
  const registration = fakeRegistration(granted);
  const opened: string[] = [];
  const injected: unknown[][] = [];
  let optionsOpened = 0;
  const w = createWorker({
    store,
    registration: registration.api,
    alarms: fakeBrowser.alarms,
    badge: fakeBrowser.action,
    notifications: fakeBrowser.notifications,
    iconUrl: 'chrome-extension://self/icon/128.png',
    openTab: async (url) => opened.push(url),
    openOptions: async () => void optionsOpened++,
    injectMatcher: async (tab, frame) => void injected.push(['matcher', tab, frame]),
    injectCard: async (tab, frame) => void injected.push([tab, frame]),
    fetch: mock.fetch,
    openLookup,
    ...more,
  });
  const ask = <R extends Request>(request: R, sender: MessageSender = popup) =>
    (w.handlers[request.type] as (r: R, s: MessageSender) => Promise<unknown>)(request, sender);
  return { ...w, ask, store, registration, opened, injected, optionsOpened: () => optionsOpened };
}

describe('worker', () => {
  it("answers every request in its protocol's shape, before any settings exist, without asking PostHog", async () => {
    const w = worker();
    // The first run lists a pasted key's projects before anything is saved: that one asks PostHog.
    for (const request of EVERY_REQUEST.filter((r) => r.type !== 'onboarding/projects')) {
      const answer = await w.ask(request, request.type === 'card/inject' || request.type === 'matcher/inject' ? contentScript : popup);
      expect(responseSchemas[request.type].safeParse(answer).success, `${request.type}: ${JSON.stringify(answer)}`).toBe(true);
    }
    expect(mock.requests()).toBe(0);
    const projects = await w.ask({ type: 'onboarding/projects', host: 'custom', customHost: BASE, apiKey: 'phx_k' });
    expect(responseSchemas['onboarding/projects'].safeParse(projects).success, JSON.stringify(projects)).toBe(true);
    expect(await w.ask({ type: 'tool-metrics/get', tool: 'a', range: '7d' })).toMatchObject({ ok: false, error: { kind: 'not_configured' } });
  });

  it("injects the card, and the matcher for a watcher, into the asking content script's own tab and frame, and opens the options", async () => {
    const w = worker();
    expect(await w.ask({ type: 'card/inject' }, contentScript)).toEqual({ ok: true });
    expect(await w.ask({ type: 'card/inject' }, popup)).toEqual({ ok: false });
    expect(await w.ask({ type: 'matcher/inject' }, contentScript)).toEqual({ ok: true });
    expect(await w.ask({ type: 'matcher/inject' }, popup)).toEqual({ ok: false });
    expect(w.injected).toEqual([
      [4, 2],
      ['matcher', 4, 2],
    ]);
    await w.ask({ type: 'options/open' });
    expect(w.optionsOpened()).toBe(1);
  });

  it("answers a card's prefs in the order asked: a read right after a write sees it, and two writes both land", async () => {
    const w = worker();
    // A card hidden, then the page reloaded at once: the new page's read comes while the write is under way.
    const hidden = { corner: 'top-left' as const, hidden: true };
    const [, read] = await Promise.all([
      w.ask({ type: 'card-prefs/set', origin: SITE, change: hidden }, contentScript),
      w.ask({ type: 'card-prefs/get', origin: SITE }, contentScript),
    ]);
    expect(read).toEqual({ prefs: hidden });
    const other = 'https://other.example.com';
    await Promise.all([
      w.ask({ type: 'card-prefs/set', origin: SITE, change: { corner: 'bottom-left', hidden: false } }, contentScript),
      w.ask({ type: 'card-prefs/set', origin: other, change: hidden }, contentScript),
    ]);
    expect(await w.ask({ type: 'card-prefs/get', origin: SITE }, contentScript)).toEqual({ prefs: { corner: 'bottom-left', hidden: false } });
    expect(await w.ask({ type: 'card-prefs/get', origin: other }, contentScript)).toEqual({ prefs: hidden });
  });

  it("merges each change into the site's prefs: a card moved in one tab keeps the collapse saved from another", async () => {
    const w = worker();
    // Nothing stored yet: a change lands on the defaults.
    expect(await w.ask({ type: 'card-prefs/set', origin: SITE, change: { collapsed: true } }, contentScript)).toEqual({
      prefs: { corner: 'bottom-right', hidden: false, collapsed: true },
    });
    // Another tab of the site, whose card is still expanded, moves it: only its corner changes.
    expect(await w.ask({ type: 'card-prefs/set', origin: SITE, change: { corner: 'top-left' } }, contentScript)).toEqual({
      prefs: { corner: 'top-left', hidden: false, collapsed: true },
    });
    await w.ask({ type: 'card-prefs/set', origin: SITE, change: { hidden: true } }, contentScript);
    expect(await w.ask({ type: 'card-prefs/get', origin: SITE }, contentScript)).toEqual({ prefs: { corner: 'top-left', hidden: true, collapsed: true } });
  });

  it('sets the alarms at start, at the period in the settings, and clears the alerts alarm without settings', async () => {
    const store = memoryStore();
    await worker(store).start();
    expect(await fakeBrowser.alarms.get(AUTO_MAP_ALARM)).toMatchObject({ periodInMinutes: 24 * 60 });
    expect(await fakeBrowser.alarms.get(ALERTS_ALARM)).toBeUndefined();

    await store.set(settingsItem, { ...SETTINGS, alertEveryMinutes: 15 });
    alertQuery([]);
    const w = worker(store);
    await w.start();
    expect(await fakeBrowser.alarms.get(ALERTS_ALARM)).toMatchObject({ periodInMinutes: 15 });
    // Never checked before: the start checks once; a second start does not ask again.
    expect(mock.requests()).toBe(1);
    await w.start();
    expect(mock.requests()).toBe(1);

    await store.remove(settingsItem);
    await w.settingsChanged({ ...SETTINGS, alertEveryMinutes: 15 }, undefined);
    expect(await fakeBrowser.alarms.get(ALERTS_ALARM)).toBeUndefined();
  });

  it('shows tools over a threshold on the badge, notifies each new one once, and opens its failures on a click', async () => {
    const store = memoryStore();
    await store.set(settingsItem, SETTINGS);
    const w = worker(store);
    alertQuery([['pdf-to-text', 25, 40, 15, 1200, 2000]]);
    await w.alarm(ALERTS_ALARM);
    expect(await fakeBrowser.action.getBadgeText({})).toBe('1');
    expect(await fakeBrowser.action.getTitle({})).toBe('Tool Lens: 1 tool over a threshold');
    expect(Object.keys(await fakeBrowser.notifications.getAll())).toEqual(['tool-lens:pdf-to-text']);

    // Still in trouble at the next check, with a second tool: only the new one is notified.
    await fakeBrowser.notifications.clear('tool-lens:pdf-to-text');
    alertQuery([
      ['pdf-to-text', 30, 40, 10, 1200, 2000],
      ['news-analyzer', 12, 20, 8, 900, 1000],
    ]);
    await w.alarm(ALERTS_ALARM);
    expect(await fakeBrowser.action.getBadgeText({})).toBe('2');
    expect(Object.keys(await fakeBrowser.notifications.getAll())).toEqual(['tool-lens:news-analyzer']);

    await w.notificationClicked('tool-lens:news-analyzer');
    await w.notificationClicked('another-extension:x');
    expect(w.opened).toHaveLength(1);
    expect(w.opened[0]).toMatch(new RegExp(`^${BASE}/project/7/`));

    // A tool name is data: its notification's title is Tool Lens's own words; the name, on one line, only in the message.
    const evil = 'x\n\nYour account is locked: call 555 <b>now</b>\u202e';
    alertQuery([[evil, 30, 40, 10, 1200, 2000]]);
    await w.alarm(ALERTS_ALARM);
    const shown = (await fakeBrowser.notifications.getAll()) as Record<string, { title: string; message: string }>;
    expect(shown[`tool-lens:${evil}`]?.title).toBe('Tool Lens: a tool is over a threshold');
    expect(shown[`tool-lens:${evil}`]?.message).toMatch(/^x Your account is locked: call 555 <b>now<\/b> — \d+ failures/);
    expect(
      Object.values(shown)
        .map((n) => n.title + n.message)
        .join(''),
    ).not.toMatch(/[\n\r\u202e]/);

    // All well again: the badge clears.
    alertQuery([['pdf-to-text', 0, 10, 10, 100, 200]]);
    await w.alarm(ALERTS_ALARM);
    expect(await fakeBrowser.action.getBadgeText({})).toBe('');
    expect(await fakeBrowser.action.getTitle({})).toBe('Tool Lens');
  });

  it("leads a tool in trouble to its own page when auto-mapping knows it, and adds the check's extra rules to its card", async () => {
    const store = memoryStore();
    await store.set(settingsItem, { ...SETTINGS, extraAlertRules: [{ metric: 'failure_rate_pct', above: 50 }] });
    await store.set(sitesItem, [newSite(SITE)]);
    await store.set(autoMapItem, { at: Date.now(), settings: `${BASE}|7`, map: { '/tools/pdf': 'pdf-to-text' } });
    const w = worker(store);
    alertQuery([['pdf-to-text', 3, 4, 1, 100, 100]]);
    const answer = await w.ask({ type: 'alerts/get', check: true });
    expect(responseSchemas['alerts/get'].parse(answer).links['pdf-to-text']?.page).toBe(`${SITE}/tools/pdf`);

    expect((await store.get(alertsItem))?.tools[0]?.metrics).toEqual(['failure_rate_pct']);

    mock.pool.intercept(QUERY).reply(200, { results: [funnelRow('current', 1, 10)] });
    const card = responseSchemas['tool-metrics/get'].parse(await w.ask({ type: 'tool-metrics/get', tool: 'pdf-to-text', range: '7d' }));
    expect(card.ok && card.metrics.health).toMatchObject({ status: 'alert', reasons: [expect.stringContaining('failure rate')] });
  });

  it("answers figures with their tests of change, run here so the page's card runs none", async () => {
    const store = memoryStore();
    await store.set(settingsItem, SETTINGS);
    const w = worker(store);
    mock.pool.intercept(QUERY).reply(200, {
      results: [
        funnelRow('current', 1, 400),
        funnelRow('current', 5, 100),
        funnelRow('previous', 1, 400),
        funnelRow('previous', 5, 160),
        errorRow('timeout', 90, 120),
        errorRow('quota', 3, 5),
      ],
    });
    const card = responseSchemas['tool-metrics/get'].parse(await w.ask({ type: 'tool-metrics/get', tool: 'pdf-to-text', range: '7d' }));
    if (!card.ok) throw new Error(card.error.message);
    expect(card.changes).toEqual(testChanges(card.metrics));
    // 100 of 400 after 160 of 400 before: a drop well past chance; 90 timeouts after 30 too; 3 after 2 is not.
    expect(card.changes.conversion).toMatchObject({ significant: true, verdict: 'worse', direction: 'down' });
    expect(card.changes.errors).toEqual([
      { type: 'timeout', significant: true, detail: expect.stringContaining('3.00×') },
      { type: 'quota', significant: false, detail: expect.stringContaining('1.50×') },
    ]);
  });

  it("asks each site's own project with the same key, and the organisation's project for the rest", async () => {
    const store = memoryStore();
    await store.set(settingsItem, SETTINGS);
    await store.set(sitesItem, [{ ...newSite(SITE), project: '8' }]);
    // The policy's project replaces the stored 7 where no site names its own.
    const w = worker(store, undefined, undefined, { managed: { get: async () => ({ projectId: '9', colour: 'red' }) } });
    const figuresOf = (project: string) =>
      mock.pool.intercept({ path: `/api/projects/${project}/query/`, method: 'POST' }).reply(200, { results: ROWS_WITH_VIEWS });
    figuresOf('8');
    expect(await w.ask({ type: 'tool-metrics/get', tool: 'a', range: '7d' }, contentScript)).toMatchObject({ ok: true, links: { projectId: '8' } });
    figuresOf('8');
    expect(await w.ask({ type: 'tool-metrics/get', tool: 'b', range: '7d', origin: SITE })).toMatchObject({ ok: true, links: { projectId: '8' } });
    figuresOf('9');
    expect(await w.ask({ type: 'tool-metrics/get', tool: 'a', range: '7d' })).toMatchObject({ ok: true, links: { projectId: '9' } });
  });

  it('spends from a budget per project: a spent production bucket leaves staging its own', async () => {
    const store = memoryStore();
    await store.set(settingsItem, { ...SETTINGS, requestBudget: { capacity: 1, refillPerHour: 1 } });
    await store.set(sitesItem, [{ ...newSite(SITE), project: '8' }]);
    const w = worker(store);
    mock.pool.intercept(QUERY).reply(200, { results: ROWS_WITH_VIEWS });
    expect(await w.ask({ type: 'tool-metrics/get', tool: 'a', range: '7d' })).toMatchObject({ ok: true });
    expect(await w.ask({ type: 'tool-metrics/get', tool: 'b', range: '7d' })).toMatchObject({ ok: false, error: { kind: 'rate_limited' } });
    mock.pool.intercept({ path: '/api/projects/8/query/', method: 'POST' }).reply(200, { results: ROWS_WITH_VIEWS });
    expect(await w.ask({ type: 'tool-metrics/get', tool: 'a', range: '7d' }, contentScript)).toMatchObject({ ok: true, links: { projectId: '8' } });
    // The bucket is written after the request, in the background.
    await vi.waitFor(async () => expect(await store.getRaw(projectBudgetStateItem('8'))).toMatchObject({ tokens: 0 }));
  });

  it("checks the alerts of every project a site names, each tool with its project, and each card sees only its own project's", async () => {
    const store = memoryStore();
    await store.set(settingsItem, { ...SETTINGS, extraAlertRules: [{ metric: 'failure_rate_pct', above: 50 }] });
    await store.set(sitesItem, [{ ...newSite(SITE), project: '8' }]);
    const w = worker(store);
    alertQuery([['pdf-to-text', 0, 4, 4, 100, 100]]);
    mock.pool
      .intercept({ path: '/api/projects/8/query/', method: 'POST', body: (b: string) => b.includes('AS failures') })
      .reply(200, { results: [['pdf-to-text', 3, 4, 1, 100, 100]] });
    const state = responseSchemas['alerts/get'].parse(await w.ask({ type: 'alerts/get', check: true })).state;
    expect(state?.tools.map((t) => [t.tool, t.project])).toEqual([['pdf-to-text', '8']]);
    mock.pool.intercept(QUERY).reply(200, { results: ROWS_WITH_VIEWS });
    const production = responseSchemas['tool-metrics/get'].parse(await w.ask({ type: 'tool-metrics/get', tool: 'pdf-to-text', range: '7d' }));
    expect(production.ok && production.metrics.health.reasons.some((r) => r.includes('failure rate'))).toBe(false);
    mock.pool.intercept({ path: '/api/projects/8/query/', method: 'POST' }).reply(200, { results: ROWS_WITH_VIEWS });
    const staging = responseSchemas['tool-metrics/get'].parse(await w.ask({ type: 'tool-metrics/get', tool: 'pdf-to-text', range: '7d' }, contentScript));
    expect(staging.ok && staging.metrics.health).toMatchObject({ status: 'alert', reasons: [expect.stringContaining('failure rate')] });
  });

  it("registers the content script where the user enabled a site, publishes its rules, and asks PostHog's auto-mapping once a day", async () => {
    const store = memoryStore();
    await store.set(settingsItem, SETTINGS);
    await store.set(sitesItem, [newSite(SITE), newSite('https://not-granted.example')]);
    const w = worker(store);
    autoMapQuery([['/tools/pdf', 'pdf-to-text', 40]]);
    await w.sitesChanged();
    // At once, before PostHog's table: the matcher on the whole site. With the table: the matcher on the
    // mapped paths (widened to them first), the watcher on the rest of the site, then the matcher narrowed.
    expect(w.registration.calls).toEqual([
      `register tool-lens-card ${SITE}/*`,
      `update tool-lens-card ${SITE}/* ${SITE}//* ${SITE}/tools*`,
      `register tool-lens-watch ${SITE}/* -${SITE}//* -${SITE}/tools*`,
      `update tool-lens-card ${SITE}//* ${SITE}/tools*`,
    ]);
    expect(await store.getEntry(siteRules, SITE)).toMatchObject({ site: { origin: SITE }, autoMap: { '/tools/pdf': 'pdf-to-text' } });
    expect(mock.requests()).toBe(1);

    await w.sitesChanged();
    expect(mock.requests()).toBe(1);
    expect(await w.ask({ type: 'site/config', origin: SITE }, contentScript)).toMatchObject({ config: { autoMap: { '/tools/pdf': 'pdf-to-text' } } });
    expect(await w.ask({ type: 'site/config', origin: 'https://elsewhere.example' })).toEqual({ config: null });

    // The daily alarm asks again; PostHog failing keeps the last table.
    mock.pool.intercept(QUERY).reply(503, 'down');
    await w.alarm(AUTO_MAP_ALARM);
    expect(mock.requests()).toBe(2);
    expect(await store.getEntry(siteRules, SITE)).toMatchObject({ autoMap: { '/tools/pdf': 'pdf-to-text' } });

    // A site removed: its rules go, and the registration with it.
    await store.set(sitesItem, []);
    await w.sitesChanged();
    expect(await store.entryIds(siteRules)).toEqual([]);
    expect(w.registration.calls.slice(-2)).toEqual(['unregister tool-lens-watch', 'unregister tool-lens-card']);
  });

  it('drops cached figures when a setting they depend on changes, and keeps them when only the budget does', async () => {
    const store = memoryStore();
    await store.set(settingsItem, SETTINGS);
    await store.setEntries(cachedFigures, { 'fp:7d:a': { at: 1, response: { ok: false, error: { kind: 'network', message: 'x' } } } });
    const w = worker(store);
    alertQuery([]).persist();
    await w.settingsChanged(SETTINGS, { ...SETTINGS, requestBudget: { capacity: 10, refillPerHour: 10 } });
    expect(await store.entryIds(cachedFigures)).toEqual(['fp:7d:a']);
    await w.settingsChanged(SETTINGS, { ...SETTINGS, projectId: '8' });
    expect(await store.entryIds(cachedFigures)).toEqual([]);
  });

  it('revokes a sign-in left behind when the settings go back to a key, and keeps it while they stay signed in', async () => {
    const store = memoryStore();
    const held = {
      baseUrl: BASE,
      clientId: 'c1',
      redirectUri: 'https://x.chromiumapp.org/',
      accessToken: 'pha_a',
      refreshToken: 'phr_r',
      expiresAt: Date.now() + 3_600_000,
      scopes: ['query:read'],
      scopedTeams: [],
    };
    await store.set(signInItem, held);
    const w = worker(store);
    alertQuery([]).persist();
    const revoked: string[] = [];
    mock.pool.intercept({ path: '/oauth/revoke/', method: 'POST' }).reply(200, (opts) => {
      revoked.push(String(opts.body));
      return {};
    });
    const signedIn = { ...SETTINGS, apiKey: '', auth: 'signIn' as const };
    await w.settingsChanged(signedIn, { ...signedIn, projectId: '8' });
    expect(await store.get(signInItem)).toEqual(held);
    await w.settingsChanged(signedIn, SETTINGS);
    expect(await store.get(signInItem)).toBeNull();
    expect(revoked).toEqual(['token=phr_r&client_id=c1']);
  });

  it('asks PostHog about at most 3 tools an hour that a site names and the project has not seen', async () => {
    const store = memoryStore();
    await store.set(settingsItem, SETTINGS);
    await store.set(autoMapItem, { at: Date.now(), settings: `${BASE}|7`, map: { '/tools/pdf-to-text': 'pdf-to-text' } });
    const w = worker(store);
    // No views for any of them: each costs its figures and the "tools with views" question.
    let withViews: unknown[][] = [];
    const toolsSeen = (b: string) => b.includes('count() AS views');
    mock.pool
      .intercept({ ...QUERY, body: toolsSeen })
      .reply(200, () => ({ results: withViews }))
      .persist();
    mock.pool
      .intercept({ ...QUERY, body: (b: string) => !toolsSeen(b) })
      .reply(200, { results: [] })
      .persist();
    const ask = (tool: string, sender = contentScript) => w.ask({ type: 'tool-metrics/get', tool, range: '7d' }, sender);
    const answers = [];
    for (let i = 0; i < 10; i++) answers.push(await ask(`made-up-${i}`));
    expect(answers.slice(0, 3).every((a) => (a as { ok: boolean }).ok)).toBe(true);
    expect(mock.requests()).toBe(6);
    for (const refused of answers.slice(3))
      expect(refused).toMatchObject({
        ok: false,
        error: { kind: 'rate_limited', message: expect.stringContaining('3 tools an hour'), retryInMs: expect.any(Number) },
      });
    // A tool the project has (auto-mapping), one already asked about, the popup, and another site still ask.
    expect(await ask('pdf-to-text')).toMatchObject({ ok: true });
    expect(await ask('made-up-0')).toMatchObject({ ok: true });
    expect(await ask('made-up-7', popup)).toMatchObject({ ok: true });
    expect(await ask('made-up-8', { ...contentScript, url: 'https://other.example.com/tools/x' })).toMatchObject({ ok: true });
    // A tool PostHog names as having views is known from then on, whichever page asks.
    expect(await ask('seen-tool')).toMatchObject({ ok: false, error: { kind: 'rate_limited' } });
    withViews = [['seen-tool', 4]];
    expect(await ask('made-up-9', popup)).toMatchObject({ ok: true });
    expect(await ask('seen-tool')).toMatchObject({ ok: true });
  });

  describe('when storage.local is full (QUOTA_BYTES)', () => {
    const NOW = Date.now();
    const expiring = {
      baseUrl: BASE,
      clientId: 'c1',
      redirectUri: 'https://x.chromiumapp.org/',
      accessToken: 'pha_old',
      refreshToken: 'phr_r',
      expiresAt: NOW + 10_000,
      scopes: ['query:read'],
      scopedTeams: [],
      identity: 'ann',
    };
    const signedIn = { ...SETTINGS, apiKey: '', auth: 'signIn' as const, alertNotifications: false };
    const renewal = () =>
      mock.pool
        .intercept({ path: '/oauth/token/', method: 'POST' })
        .reply(200, { access_token: 'pha_new', token_type: 'Bearer', expires_in: 3600, refresh_token: 'phr_new' });
    const bearer: string[] = [];
    const figures = () =>
      mock.pool
        .intercept({ ...QUERY, body: (b: string) => !b.includes('count() AS views') })
        .reply(
          200,
          (r) => (
            bearer.push(String((r.headers as Record<string, string>).authorization ?? (r.headers as Record<string, string>).Authorization)),
            { results: ROWS_WITH_VIEWS }
          ),
        );

    it('makes room by dropping cached figures, so a renewed sign-in is kept', async () => {
      const store = memoryStore({}, { quotaBytes: 60_000 });
      await store.set(settingsItem, signedIn);
      await store.set(signInItem, expiring);
      // Cached figures take the room the renewed tokens need.
      await store.setEntries(
        cachedFigures,
        Object.fromEntries(
          Array.from({ length: 9 }, (_, i) => [`fp:7d:t${i}`, { at: NOW, response: { ok: false, error: { kind: 'server', message: 'x'.repeat(6000) } } }]),
        ),
      );
      const w = worker(store);
      renewal();
      figures();
      expect(await w.ask({ type: 'tool-metrics/get', tool: 'a', range: '7d' })).toMatchObject({ ok: true });
      expect(await store.get(signInItem)).toMatchObject({ accessToken: 'pha_new', refreshToken: 'phr_new' });
      expect(await w.ask({ type: 'storage/status' })).toEqual({ problem: null });
    });

    it('keeps the user signed in with the renewed tokens when nothing can be freed, and says storage is full', async () => {
      const store = memoryStore({}, { quotaBytes: 60_000 });
      await store.set(settingsItem, signedIn);
      await store.set(signInItem, expiring);
      // Something else fills storage to the last few bytes (the dashboards list, say): no figures to drop.
      let size = 0;
      for (let step = 32_768; step >= 1; step /= 2) {
        const filler = { project: 'x', at: 1, dashboards: [{ id: 1, name: 'x'.repeat(size + step), description: '', pinned: false, url: '', recent: false }] };
        if (
          await store.set(dashboardsItem, filler).then(
            () => true,
            () => false,
          )
        )
          size += step;
      }
      await store.set(dashboardsItem, {
        project: 'x',
        at: 1,
        dashboards: [{ id: 1, name: 'x'.repeat(size - 20), description: '', pinned: false, url: '', recent: false }],
      });
      const w = worker(store);
      renewal();
      figures();
      figures();
      expect(await w.ask({ type: 'tool-metrics/get', tool: 'a', range: '7d' })).toMatchObject({ ok: true });
      expect(await w.ask({ type: 'tool-metrics/get', tool: 'b', range: '7d' })).toMatchObject({ ok: true });
      // One renewal, its token used by both requests: the sign-in was not lost.
      expect(bearer.slice(-2)).toEqual(['Bearer pha_new', 'Bearer pha_new']);
      const status = (await w.ask({ type: 'storage/status' })) as { problem: string | null };
      expect(status.problem).toMatch(/storage for Tool Lens is full/);
    });
  });

  it("opens support's lookup beside the asking tab, for its tool and range", async () => {
    const opened: unknown[] = [];
    const w = worker(memoryStore(), undefined, async (target) => (opened.push(target), 'panel'));
    expect(await w.ask({ type: 'lookup/open', tool: 'pdf-to-text', range: '30d' }, contentScript)).toEqual({ ok: true, where: 'panel' });
    expect(opened).toEqual([{ tabId: 4, tool: 'pdf-to-text', range: '30d' }]);
    expect(await worker().ask({ type: 'lookup/open', tool: 'a', range: '7d' }, contentScript)).toEqual({ ok: false, where: 'none' });
  });

  it('looks up a selection from the context menu: held in memory for its window, the panel opened in the click, open pages told', async () => {
    const opened: unknown[] = [];
    let told = 0;
    const writes: string[] = [];
    const base = memoryStore();
    // Every call to the store, to show that nothing about the person is written anywhere.
    const spied = new Proxy(base, {
      get: (target, key) =>
        typeof target[key as keyof Store] === 'function'
          ? (...args: unknown[]) => (writes.push(JSON.stringify(args)), (target[key as keyof Store] as (...a: unknown[]) => unknown)(...args))
          : target[key as keyof Store],
    });
    const w = worker(spied, undefined, undefined, { openLookupPanel: async (target) => (opened.push(target), 'panel'), notifyPages: () => void told++ });
    await w.start();
    expect(await w.lookUpSelection('Customer <Ada@Example.com> says the PDF failed', { windowId: 3, tabId: 9 })).toBe('panel');
    expect(opened).toEqual([{ windowId: 3, tabId: 9 }]);
    expect(told).toBe(1);
    expect(await w.ask({ type: 'lookup/take', windowId: 4 })).toEqual({ lookup: null });
    expect(await w.ask({ type: 'lookup/take', windowId: 3 })).toEqual({ lookup: { value: 'Ada@Example.com', by: 'auto' } });
    expect(await w.ask({ type: 'lookup/take', windowId: 3 })).toEqual({ lookup: null });
    expect(writes.join('\n')).not.toMatch(/ada@example\.com/i);
    // Nothing selected: the panel opens all the same, with nothing to take.
    expect(await w.lookUpSelection('   ', { windowId: 3 })).toBe('panel');
    expect(told).toBe(1);
    expect(await w.ask({ type: 'lookup/take', windowId: 3 })).toEqual({ lookup: null });
  });

  it('looks a person up across every tool with one query, and keeps none of it', async () => {
    const store = memoryStore();
    await store.set(settingsItem, SETTINGS);
    const w = worker(store);
    mock.pool.intercept({ ...QUERY, body: (b: string) => b.includes('WITH matched AS') && b.includes('"who":"ada-1"') }).reply(200, {
      results: [
        ['person', 'p1', ['ada@example.com', null, 'pro'], [Date.now(), Date.now() - 1000, 4, 0, 4, 0, 0], ['ada-1']],
        ['totals', 'p1', [], [1, 1], []],
        ['job', 'j1', ['pdf-to-text', 'j1', 'ocr_failed', 'e1', 's1', 's1', 'p1'], [Date.now() - 2000, Date.now() - 1000, 4200, 1, 0], []],
      ],
    });
    const answer = await w.ask({ type: 'person/lookup', range: '7d', by: 'distinct_id', value: ' ada-1 ' });
    expect(responseSchemas['person/lookup'].safeParse(answer).success).toBe(true);
    expect(answer).toMatchObject({
      ok: true,
      lookup: {
        match: 'distinct_id',
        value: 'ada-1',
        persons: [{ id: 'p1', distinctIds: ['ada-1'], jobs: 1, failedJobs: 1, matchedBy: ['distinct_id'] }],
        jobs: [{ jobId: 'j1', status: 'failed', errorType: 'ocr_failed' }],
      },
    });
    expect(mock.requests()).toBe(1);
  });

  it('drops the cached figures when the user signs out: they were read with that sign-in', async () => {
    const store = memoryStore();
    const held = {
      baseUrl: BASE,
      clientId: 'c1',
      redirectUri: 'https://x.chromiumapp.org/',
      accessToken: 'pha_a',
      refreshToken: 'phr_r',
      expiresAt: Date.now() + 3_600_000,
      scopes: ['query:read'],
      scopedTeams: [],
      identity: 'ann',
    };
    await store.set(signInItem, held);
    await store.set(settingsItem, { ...SETTINGS, apiKey: '', auth: 'signIn' });
    await store.setEntries(cachedFigures, { 'fp:7d:a': { at: 1, response: { ok: false, error: { kind: 'server', message: 'x' } } } });
    mock.pool.intercept({ path: '/oauth/revoke/', method: 'POST' }).reply(200, {});
    const w = worker(store);
    expect(await w.ask({ type: 'auth/sign-out' })).toEqual({ ok: true });
    expect(await store.get(signInItem)).toBeNull();
    expect(await store.entryIds(cachedFigures)).toEqual([]);
  });

  it('reports creating the dashboard as steps, then one result, also when it cannot start', async () => {
    const w = worker();
    const posted: DashboardProgress[] = [];
    await w.createDashboard((m) => posted.push(m));
    expect(posted).toEqual([{ type: 'done', ok: false, url: null, created: false, failed: 0, message: expect.stringContaining('options') }]);
  });
});

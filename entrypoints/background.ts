import { browser } from 'wxt/browser';
import { CONTENT_SCRIPT_ID, MATCHER_SCRIPT, matchPatternFor, WATCHER_SCRIPT_ID, type RegistrationApi } from '../lib/matching/siteRegistration';
import { DASHBOARD_PORT, type PageMessage } from '../lib/protocol/messages';
import { MATCHER_MARK, WATCHER_MARK } from '../lib/protocol/isolatedWorld';
import { startCatchUp } from '../lib/worker/catchUp';
import { createMessageListener, sendToTab } from '../lib/protocol/messaging';
import { browserStore } from '../lib/storage/browser';
import { settingsItem, sitesItem } from '../lib/storage/items';
import { createWorker } from '../lib/worker/worker';
import { LOOKUP_PAGE, lookupPagePath } from '../lib/helpers/lookupPage';
import '../lib/model/zodMessages';

type SidePanelApi = {
  setOptions(o: { tabId: number; path: string; enabled: boolean }): Promise<void>;
  open(o: { tabId: number } | { windowId: number }): Promise<void>;
};
type SidebarApi = { setPanel(o: { tabId: number; panel: string }): Promise<void>; open(): Promise<void> };

/** The context menu's item on selected text: "Look up in Tool Lens" (contextMenus; selectionText needs no host permission). */
const LOOKUP_MENU_ID = 'tool-lens-look-up';
type AccessLevelArea = { setAccessLevel?: (o: { accessLevel: string }) => Promise<void> };

/**
 * An extension page in the browser's side panel (Chrome) or sidebar (Firefox), else in a tab. `show`
 * makes its calls before any await: the browsers open a panel only in answer to the user's gesture.
 */
function inPanelOrTab(
  url: string,
  windowId: number | undefined,
  show: { sidePanel?: (api: SidePanelApi) => Promise<unknown>; sidebar?: (api: SidebarApi) => Promise<unknown> },
): Promise<'panel' | 'tab'> {
  const inTab = async () => {
    await browser.tabs.create({ url, ...(windowId !== undefined ? { windowId } : {}) });
    return 'tab' as const;
  };
  const sidePanel = (browser as unknown as { sidePanel?: SidePanelApi }).sidePanel;
  const sidebar = (browser as unknown as { sidebarAction?: SidebarApi }).sidebarAction;
  const shown = sidePanel ? show.sidePanel?.(sidePanel) : sidebar ? show.sidebar?.(sidebar) : undefined;
  return shown ? shown.then(() => 'panel' as const, inTab) : inTab();
}

type OffscreenApi = { createDocument(o: { url: string; reasons: string[]; justification: string }): Promise<void>; closeDocument(): Promise<void> };

/**
 * Chromium answers the worker's storage.managed.get only after an extension page has asked too: a
 * hidden offscreen page asks (entrypoints/policy/), and is closed once the worker has its answer.
 * Firefox has no offscreen documents and needs none.
 */
async function wakeManagedStorage(): Promise<(() => Promise<void>) | void> {
  const offscreen = (browser as unknown as { offscreen?: OffscreenApi }).offscreen;
  if (!offscreen) return;
  // Already open (another read under way): that one asks.
  const opened = await offscreen
    .createDocument({
      url: browser.runtime.getURL('/policy.html'),
      reasons: ['LOCAL_STORAGE'],
      justification: "Reads the organisation's Tool Lens policy (managed storage)",
    })
    .then(
      () => true,
      () => false,
    );
  return opened ? () => offscreen.closeDocument() : undefined;
}

/** Wiring only: the browser's APIs into lib/worker/worker.ts, and its events to what they call for. */
export default defineBackground(() => {
  // The key lives in storage.local: keep that area out of content scripts' reach (Chrome only).
  // storage.session holds only what content scripts need: each enabled site's rules.
  void (browser.storage.local as AccessLevelArea).setAccessLevel?.({ accessLevel: 'TRUSTED_CONTEXTS' }).catch(() => undefined);
  void (browser.storage.session as AccessLevelArea).setAccessLevel?.({ accessLevel: 'TRUSTED_AND_UNTRUSTED_CONTEXTS' }).catch(() => undefined);

  // The matcher at document_start: on a tool page it starts the card script and the figures while
  // the page still loads (entrypoints/matcher.ts). The watcher at document_end, when the DOM is
  // complete: it looks for the marker then, and so needs no DOMContentLoaded listener on the many
  // pages that never name a tool. A registration left by an earlier version (another runAt, or
  // another file: content-scripts/content.js before the matcher was an unlisted script) reads as
  // matching nothing, so the next sync updates it.
  const runAtOf = (id: string) => (id === WATCHER_SCRIPT_ID ? 'document_end' : 'document_start');
  const registration: RegistrationApi = {
    registered: async () => {
      const scripts = await browser.scripting.getRegisteredContentScripts({ ids: [CONTENT_SCRIPT_ID, WATCHER_SCRIPT_ID] });
      return scripts.map((script) => {
        const files = (script.js ?? []).map((file) => file.replace(/^\//, ''));
        return {
          id: script.id,
          file: script.runAt === runAtOf(script.id) && files.length === 1 ? files[0]! : '',
          matches: script.matches ?? [],
          excludeMatches: script.excludeMatches ?? [],
        };
      });
    },
    register: ({ id, file, matches, excludeMatches }) =>
      browser.scripting.registerContentScripts([{ id, matches, excludeMatches, js: [file], runAt: runAtOf(id), persistAcrossSessions: true }]),
    update: ({ id, file, matches, excludeMatches }) =>
      browser.scripting.updateContentScripts([{ id, matches, excludeMatches, js: [file], runAt: runAtOf(id) }]),
    unregister: (id) => browser.scripting.unregisterContentScripts({ ids: [id] }),
    hasPermission: (pattern) => browser.permissions.contains({ origins: [pattern] }),
  };

  const store = browserStore();
  const worker = createWorker({
    store,
    registration,
    alarms: browser.alarms,
    badge: browser.action ?? browser.browserAction,
    notifications: browser.notifications,
    iconUrl: browser.runtime.getURL('/icon/128.png'),
    openTab: (url) => browser.tabs.create({ url }),
    hasHostAccess: (pattern) => browser.permissions.contains({ origins: [pattern] }),
    openOptions: () => browser.runtime.openOptionsPage(),
    openLookup: ({ tabId, tool, range }) => {
      const path = lookupPagePath(tool, range);
      const url = browser.runtime.getURL(`/${path}`);
      return inPanelOrTab(url, undefined, {
        sidePanel: (panel) => Promise.all([panel.setOptions({ tabId, path, enabled: true }), panel.open({ tabId })]),
        sidebar: (sidebar) => Promise.all([sidebar.setPanel({ tabId, panel: url }), sidebar.open()]),
      });
    },
    // The window's own panel (it stays while the agent moves between tickets), or the tab's.
    openLookupPanel: ({ windowId, tabId }) =>
      inPanelOrTab(browser.runtime.getURL(`/${LOOKUP_PAGE}`), windowId, {
        sidePanel: windowId !== undefined || tabId !== undefined ? (panel) => panel.open(windowId !== undefined ? { windowId } : { tabId: tabId! }) : undefined,
        sidebar: (sidebar) => sidebar.open(),
      }),
    notifyPages: () => {
      const message: PageMessage = { type: 'lookup/pending' };
      void browser.runtime.sendMessage(message).catch(() => undefined);
    },
    injectMatcher: async (tabId, frameId) => {
      await browser.scripting.executeScript({ target: { tabId, frameIds: [frameId] }, files: [`/${MATCHER_SCRIPT}`], injectImmediately: true });
    },
    injectCard: async (tabId, frameId) => {
      // Now, not at document_idle (executeScript's default): the content script asks for it while the page loads.
      await browser.scripting.executeScript({ target: { tabId, frameIds: [frameId] }, files: ['/card.js'], injectImmediately: true });
    },
    // "Sign in with PostHog": the browser's own window for PostHog's consent screen.
    identity: browser.identity
      ? { launchWebAuthFlow: (url) => browser.identity.launchWebAuthFlow({ url, interactive: true }), redirectUrl: () => browser.identity.getRedirectURL() }
      : undefined,
    // The organisation's policy: Chrome's 3rdparty extension policy, Firefox's policies.json (lib/policy/).
    managed: browser.storage.managed,
    wakeManaged: wakeManagedStorage,
  });

  browser.runtime.onMessage.addListener(createMessageListener({ id: browser.runtime.id, pagesUrl: browser.runtime.getURL('/') }, worker.handlers));

  // Creating the Tool Usage dashboard reports each step over a port, so the page can show progress.
  browser.runtime.onConnect.addListener((port) => {
    // Only the extension's own pages (popup, options; they may sit in a tab), never a content script.
    if (port.name !== DASHBOARD_PORT || port.sender?.id !== browser.runtime.id || !port.sender.url?.startsWith(browser.runtime.getURL('/'))) return;
    void worker.createDashboard((message) => port.postMessage(message));
  });

  // "Look up in Tool Lens" on any selected text, on any page: made afresh at each start (Firefox keeps no
  // menu of an event page across restarts, Chrome refuses an id twice).
  const menus = browser.contextMenus;
  if (menus) {
    void menus
      .removeAll()
      .then(() => menus.create({ id: LOOKUP_MENU_ID, title: 'Look up “%s” in Tool Lens', contexts: ['selection'] }))
      .catch(() => undefined);
    menus.onClicked.addListener((info, tab) => {
      if (info.menuItemId !== LOOKUP_MENU_ID) return;
      void worker.lookUpSelection(info.selectionText ?? '', { windowId: tab?.windowId, tabId: tab?.id });
    });
  }

  browser.alarms?.onAlarm.addListener((alarm) => void worker.alarm(alarm.name));
  browser.notifications?.onClicked.addListener((id) => void worker.notificationClicked(id));
  browser.tabs.onRemoved.addListener((tabId) => worker.tabClosed(tabId));
  store.watch(settingsItem, (value, old) => void worker.settingsChanged(old, value));
  store.watch(sitesItem, () => void worker.sitesChanged());
  // An admin's change reaches a running browser (Chrome re-reads its policy files; Firefox only at start).
  browser.storage.onChanged.addListener((_changes, area) => {
    if (area === 'managed') void worker.policyChanged();
  });
  browser.permissions.onRemoved?.addListener(() => void worker.sitesChanged());

  // The keyboard command shows, collapses or expands the card in the active tab.
  browser.commands?.onCommand.addListener(async (command) => {
    if (command !== 'toggle-card') return;
    const [tab] = await browser.tabs.query({ active: true, currentWindow: true });
    if (tab?.id !== undefined) await sendToTab(tab.id, { type: 'card/toggle' });
  });

  // A new install opens the first run (the options page shows it while nothing is saved), unless
  // settings are already there: Chromium reports an unpacked extension loaded again as installed.
  browser.runtime.onInstalled.addListener(({ reason }) => {
    if (reason !== 'install') return;
    // openOptionsPage fails when the browser has no window yet (a browser started with the add-on
    // just installed): then the options open as a plain tab, which makes a window.
    const openFirstRun = () => browser.runtime.openOptionsPage().catch(() => browser.tabs.create({ url: browser.runtime.getURL('/options.html') }));
    void store
      .get(settingsItem)
      .then(
        (saved) => (saved.status === 'missing' ? openFirstRun() : undefined),
        () => openFirstRun(),
      )
      .catch(() => undefined);
  });

  // Right after a browser start, a page may load before Chromium has its registered matcher: for a
  // while, a page of an enabled site without one gets it (lib/worker/catchUp.ts). The patterns are
  // the stored sites' (the registration itself may not be loaded yet), those Tool Lens may reach.
  const started = worker.start();
  startCatchUp(
    {
      patterns: async () => {
        const patterns = [...new Set((await store.get(sitesItem)).map((s) => matchPatternFor(s.origin)))];
        const granted = await Promise.all(patterns.map((origin) => browser.permissions.contains({ origins: [origin] }).catch(() => false)));
        return patterns.filter((_, i) => granted[i]);
      },
      // The matcher and the watcher mark their frame's isolated world as they start (a message would go
      // unanswered while one loads, and a second copy would run beside the first).
      hasContentScript: async (id: number) => {
        const [frame] = await browser.scripting.executeScript({
          target: { tabId: id },
          // Serialized into the page: the marks' names go in as arguments.
          func: (...marks: string[]) => marks.some((mark) => (globalThis as Record<string, unknown>)[mark] === true),
          args: [MATCHER_MARK, WATCHER_MARK],
        });
        return frame?.result === true;
      },
      inject: async (id: number) => void (await browser.scripting.executeScript({ target: { tabId: id }, files: [`/${MATCHER_SCRIPT}`] })),
      openTabs: () => browser.tabs.query({}),
      onTabLoaded: (listener) => {
        const onUpdated = (_tabId: number, info: { status?: string }, tab: { id?: number; url?: string }) => {
          if (info.status === 'complete') listener(tab);
        };
        browser.tabs.onUpdated.addListener(onUpdated);
        return () => browser.tabs.onUpdated.removeListener(onUpdated);
      },
    },
    started,
  );
});

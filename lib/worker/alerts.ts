/**
 * Alerts as the worker runs them: one query for every tool on a timer (lib/project/projectService.ts
 * checkAlerts); the tools over a threshold show on the icon's badge, on their card, and — when the
 * user turned it on — as a system notification that opens the tool's page or its failures in PostHog.
 * The browser's alarms, action and notifications come in as dependencies.
 */
import { buildLatencyQuery } from '../card/query';
import { cardLinks } from '../posthog/deepLinks';
import type { AlertState } from '../model/alerts';
import type { AlertsResponse, ToolFiguresAnswer } from '../protocol/messages';
import { postHogBaseUrl, type SettingsState } from '../settings/settings';
import { plainLabel } from '../helpers/format';
import { autoMapItem, sitesItem } from '../storage/items';
import type { Store } from '../storage/store';

export const ALERTS_ALARM = 'alerts';
const NOTIFICATION_PREFIX = 'tool-lens:';
/** The rules the card computes from its own figures (seed 000's); the others come from the last check. */
const CARD_RULES = ['failures_last_hour', 'mean_duration_s'];

export interface AlarmsApi {
  create(name: string, info: { delayInMinutes?: number; periodInMinutes?: number }): void | Promise<void>;
  get(name: string): Promise<{ periodInMinutes?: number } | undefined>;
  clear(name: string): Promise<unknown>;
}
export interface BadgeApi {
  setBadgeText(details: { text: string }): Promise<void>;
  setBadgeBackgroundColor(details: { color: string }): Promise<void>;
  setTitle(details: { title: string }): Promise<void>;
}
export interface NotificationsApi {
  create(id: string, options: { type: 'basic'; iconUrl: string; title: string; message: string }): Promise<string>;
}

export interface AlertWatchDeps {
  store: Store;
  loadSettings: () => Promise<SettingsState>;
  project: { checkAlerts(refresh?: boolean): Promise<AlertState | null>; alertState(): Promise<AlertState | null> };
  /** Missing where the browser has none (the alarm then never fires; the popup still checks). */
  alarms?: AlarmsApi;
  badge: BadgeApi;
  notifications?: NotificationsApi;
  iconUrl: string;
  openTab(url: string): Promise<unknown>;
}

export type AlertWatch = ReturnType<typeof createAlertWatch>;

export function createAlertWatch(deps: AlertWatchDeps) {
  /**
   * Keeps the alarm at the period in the settings (none when not configured). The worker wakes
   * often (MV3): only `checkNow` (a settings change) or never having checked asks PostHog at once.
   */
  async function schedule(checkNow: boolean): Promise<void> {
    const settings = await deps.loadSettings();
    if (settings.status !== 'configured') {
      await deps.alarms?.clear(ALERTS_ALARM);
      return;
    }
    const every = settings.settings.alertEveryMinutes;
    if ((await deps.alarms?.get(ALERTS_ALARM))?.periodInMinutes !== every)
      await deps.alarms?.create(ALERTS_ALARM, { delayInMinutes: every, periodInMinutes: every });
    if (checkNow || !(await deps.project.alertState())) await check();
  }

  /** Checks now; the badge follows, and each tool newly in trouble gets a notification if they are on. */
  async function check(refresh = false): Promise<AlertState | null> {
    const before = new Set((await deps.project.alertState())?.tools.map((t) => t.tool) ?? []);
    const state = await deps.project.checkAlerts(refresh);
    const count = state?.tools.length ?? 0;
    await deps.badge.setBadgeText({ text: count ? String(count) : '' });
    await deps.badge.setBadgeBackgroundColor({ color: '#c0262d' });
    await deps.badge.setTitle({ title: count ? `Tool Lens: ${count} tool${count > 1 ? 's' : ''} over a threshold` : 'Tool Lens' });
    const settings = await deps.loadSettings();
    if (!state || settings.status !== 'configured' || !settings.settings.alertNotifications || !deps.notifications) return state;
    for (const tool of state.tools.filter((t) => !before.has(t.tool))) {
      await deps.notifications
        // The tool's name is data anyone sending events chooses: Tool Lens's own words in the title, the name on one line in the message.
        .create(`${NOTIFICATION_PREFIX}${tool.tool}`, {
          type: 'basic',
          iconUrl: deps.iconUrl,
          title: 'Tool Lens: a tool is over a threshold',
          message: plainLabel(`${plainLabel(tool.tool)} — ${tool.reasons.join('; ')}`, 300),
        })
        .catch(() => undefined);
    }
    return state;
  }

  /** Where to go for each tool: its page on an enabled site (by auto-mapping), and its failures in PostHog. */
  async function links(tools: string[]): Promise<AlertsResponse['links']> {
    const settings = await deps.loadSettings();
    if (settings.status !== 'configured') return {};
    const stored = await deps.store.get(autoMapItem);
    const origin = (await deps.store.get(sitesItem))[0]?.origin ?? null;
    const out: AlertsResponse['links'] = {};
    for (const tool of tools) {
      const path = stored ? Object.entries(stored.map).find(([, t]) => t === tool)?.[0] : undefined;
      const input = { tool, range: '1h' as const, options: settings.settings };
      out[tool] = {
        page: origin && path && !path.includes(':id') ? `${origin}${path}` : null,
        posthog: cardLinks(postHogBaseUrl(settings.settings), settings.settings.projectId, tool, '1h', settings.settings, buildLatencyQuery(input)).errors,
      };
    }
    return out;
  }

  /** The popup's question: the last check (or a new one when asked), with where each tool leads. */
  async function answer(checkNow: boolean): Promise<AlertsResponse> {
    const state = checkNow ? await check(true) : await deps.project.alertState();
    return { state, links: await links(state?.tools.map((t) => t.tool) ?? []) };
  }

  /**
   * The card computes seed 000's two rules from its own fresh figures; rules the user added
   * (p95, failure rate) come from the last alert check and join its banner.
   */
  async function withAlerts(response: ToolFiguresAnswer): Promise<ToolFiguresAnswer> {
    if (!response.ok) return response;
    // The card's own project: a tool of the same name in another project is another tool.
    const project = response.links.projectId;
    const trouble = (await deps.project.alertState())?.tools.find(
      (t) => t.tool === response.metrics.tool && (t.project === undefined || t.project === project),
    );
    const extra = trouble?.reasons.filter((_, i) => !CARD_RULES.includes(trouble.metrics[i] ?? '')) ?? [];
    if (!extra.length) return response;
    const health = response.metrics.health;
    return { ...response, metrics: { ...response.metrics, health: { ...health, status: 'alert', reasons: [...health.reasons, ...extra] } } };
  }

  /** A click on one of our notifications opens the tool's page, else its failures in PostHog. */
  async function notificationClicked(id: string): Promise<void> {
    if (!id.startsWith(NOTIFICATION_PREFIX)) return;
    const tool = id.slice(NOTIFICATION_PREFIX.length);
    const link = (await links([tool]))[tool];
    if (link) await deps.openTab(link.page ?? link.posthog);
  }

  return { schedule, check, answer, withAlerts, notificationClicked };
}

/**
 * What a change of the stored settings calls for in the worker: which cached state no longer holds,
 * and whether the alerts must be checked again at once. A change that needs none (the request
 * budget, say) costs no PostHog request and keeps every cached figure.
 */
import { parseStoredSettings, type Settings } from './settings';

/** Settings the card's figures do not depend on: changing them keeps the cached figures. */
const NOT_IN_FIGURES = [
  'requestBudget',
  'queryLimitPerHour',
  'alertEveryMinutes',
  'alertNotifications',
  'extraAlertRules',
  'personEmailProperty',
  'personProperties',
] as const;
type FigureSettings = Omit<Settings, (typeof NOT_IN_FIGURES)[number]>;

/** The part of the settings the card's figures depend on (connection, key, schema, funnel, thresholds, segment). */
export function figureSettings(settings: Settings): FigureSettings {
  const rest: Record<string, unknown> = { ...settings };
  for (const name of NOT_IN_FIGURES) delete rest[name];
  return rest as FigureSettings;
}

const connectionOf = (s: Settings) => [s.host, s.host === 'custom' ? s.customHost : '', s.projectId, s.auth ?? 'key', s.apiKey];
const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

export interface SettingsChange {
  /** Cached figures were made under settings that no longer hold. */
  dropFigures: boolean;
  /** Another host, project or key: PostHog's Retry-After for the old one does not apply. */
  forgetRetryAfter: boolean;
  /** What the alert check reads changed: check again now rather than at the next alarm. */
  checkAlertsNow: boolean;
}

/** `before` and `after` as stored (unparsable or missing counts as different from anything configured). */
export function describeSettingsChange(before: unknown, after: unknown): SettingsChange {
  const [a, b] = [parseStoredSettings(before), parseStoredSettings(after)];
  if (a.status !== 'configured' || b.status !== 'configured') {
    const changed = a.status !== b.status || a.status === 'invalid';
    return { dropFigures: changed, forgetRetryAfter: changed, checkAlertsNow: changed };
  }
  const figures = !same(figureSettings(a.settings), figureSettings(b.settings));
  return {
    dropFigures: figures,
    forgetRetryAfter: !same(connectionOf(a.settings), connectionOf(b.settings)),
    checkAlertsNow: figures || !same(a.settings.extraAlertRules, b.settings.extraAlertRules),
  };
}

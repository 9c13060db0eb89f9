/**
 * Everything Tool Lens stores, declared once: where it lives, how a stored value is checked (a
 * value that fails reads as the fallback, never as a crash), and its version with migrations.
 *
 * storage.local (closed to content scripts: setAccessLevel TRUSTED_CONTEXTS) holds the settings
 * with the key, and what the worker keeps; storage.session holds only each enabled site's rules,
 * which the content script reads.
 */
import * as z from 'zod/mini';
import { alertStateSchema, type AlertState } from '../model/alerts';
import { parseSites, SITE_RULES_PREFIX, siteConfigSchema, storedAutoMapSchema, type SiteConfig, type StoredAutoMap } from '../matching/siteRegistration';
import type { Site } from '../matching/toolMatch';
import { toolFiguresAnswer } from '../protocol/messages';
import { cardPrefsSchema, type CardPrefs } from '../model/cardPrefs';
import { dashboardEntrySchema } from '../model/project';
import { parseStoredSettings, upgradeStoredSettings, type Settings, type SettingsState } from '../settings/settings';
import type { StoredFamily, StoredItem } from './store';

/** Reads with a zod schema: the parsed value, or the fallback. */
const checked =
  <T>(schema: z.ZodMiniType<T>, fallback: T) =>
  (raw: unknown): T => {
    const parsed = schema.safeParse(raw);
    return parsed.success ? parsed.data : fallback;
  };

/**
 * The connection (host, project, key) and every option. Version 2: budgets above the key's HogQL
 * query limit — older releases allowed 2,400 an hour — are lowered to it.
 */
export const settingsItem: StoredItem<SettingsState, Settings> = {
  key: 'local:settings',
  read: parseStoredSettings,
  version: 2,
  migrations: { 2: upgradeStoredSettings },
};

/** The sites Tool Lens runs on, with their rules. One bad entry does not take the others down. */
export const sitesItem: StoredItem<Site[]> = { key: 'local:sites', read: parseSites };

/** The project's page path → tool pairs (auto-mapping), with when and for which project they were read. */
export const autoMapItem: StoredItem<StoredAutoMap | null> = { key: 'local:autoMap', read: checked(storedAutoMapSchema, null) };

/** Where the card sits and whether it is hidden, per site (origin); at most CARD_PREFS_SITES sites. */
export const CARD_PREFS_SITES = 500;
export const cardPrefsItem: StoredItem<Record<string, CardPrefs>> = { key: 'local:cardPrefs', read: checked(z.record(z.string(), cardPrefsSchema), {}) };

/**
 * The organisation's policy as the worker last read it from managed storage (null: none), in force
 * after a restart until the browser answers the worker's new read (lib/policy/managed.ts). Its
 * values are checked where they are used, as the managed area's are (lib/policy/policy.ts parsePolicy).
 */
const policySnapshotSchema = z.object({ raw: z.union([z.null(), z.record(z.string(), z.unknown())]) });
export const policySnapshotItem: StoredItem<z.infer<typeof policySnapshotSchema> | undefined> = {
  key: 'local:policySnapshot',
  read: checked(z.optional(policySnapshotSchema), undefined),
};

/** The last alert check: the tools over a threshold, or why the check failed. */
export const alertsItem: StoredItem<AlertState | null> = { key: 'local:alerts', read: checked(alertStateSchema, null) };

/** The project's dashboards as last listed, for the popup to show at once. */
export const dashboardListSchema = z.object({ project: z.string(), at: z.number(), dashboards: z.array(dashboardEntrySchema) });
export const dashboardsItem: StoredItem<z.infer<typeof dashboardListSchema> | null> = { key: 'local:dashboards', read: checked(dashboardListSchema, null) };

/** Dashboards opened through Tool Lens, most recent first, per project. */
export const recentDashboardsSchema = z.array(z.object({ project: z.string(), id: z.number(), at: z.number() }));
export const recentDashboardsItem: StoredItem<z.infer<typeof recentDashboardsSchema>> = {
  key: 'local:recentDashboards',
  read: checked(recentDashboardsSchema, []),
};

/** The request budget's bucket, so a restarted worker goes on where it was. */
export const budgetStateSchema = z.object({ tokens: z.number().check(z.nonnegative()), at: z.number() });
export const budgetStateItem: StoredItem<z.infer<typeof budgetStateSchema> | null> = { key: 'local:budget:state', read: checked(budgetStateSchema, null) };
/** The bucket of another project a site names (staging, production): each project spends its own. */
export const projectBudgetStateItem = (project: string): StoredItem<z.infer<typeof budgetStateSchema> | null> => ({
  key: `local:budget:state:${project}`,
  read: checked(budgetStateSchema, null),
});

/** Until when PostHog asked Tool Lens to wait (epoch ms; 0: no wait). */
export const retryAfterItem: StoredItem<number> = { key: 'local:rate-limit:until', read: checked(z.number().check(z.nonnegative()), 0) };

/** The last figures per settings fingerprint, range and tool, with when they came. */
export const cachedFiguresSchema = z.object({ at: z.number(), response: toolFiguresAnswer });
export type CachedFigures = z.infer<typeof cachedFiguresSchema>;
export const cachedFigures: StoredFamily<CachedFigures> = { prefix: 'local:metrics:', read: checked(cachedFiguresSchema, null) };
/** When each cached figures entry was written, by id: the cache's bounds drop the oldest first (lib/card/figuresCache.ts). */
export const figuresIndexItem: StoredItem<Record<string, number>> = { key: 'local:figuresIndex', read: checked(z.record(z.string(), z.number()), {}) };

/**
 * Card queries PostHog is running as async queries, by the card's key: its id and when it was first
 * sent. A worker that stopped meanwhile (MV3 stops idle workers) polls it again rather than send it anew.
 */
export const pendingCardQueries: StoredFamily<{ id: string; at: number }> = {
  prefix: 'local:cardQuery:',
  read: checked(z.object({ id: z.string().check(z.minLength(1), z.maxLength(200)), at: z.number() }), null),
};

/** Each enabled site's rules and auto-mapping, published for the content script, by origin. */
export const siteRules: StoredFamily<SiteConfig> = { prefix: `session:${SITE_RULES_PREFIX}`, read: checked(siteConfigSchema, null) };

/** Tools the project is known to have, and the unknown ones each site had asked about recently (lib/card/newTools.ts). */
export const newToolsSchema = z.object({
  project: z.string(),
  known: z.array(z.string()),
  asked: z.record(z.string(), z.array(z.object({ tool: z.string(), at: z.number() }))),
});
export type NewToolsState = z.infer<typeof newToolsSchema>;
export const newToolsItem: StoredItem<NewToolsState | null> = { key: 'local:newTools', read: checked(newToolsSchema, null) };

export const storedSignInSchema = z.object({
  baseUrl: z.string(),
  clientId: z.string(),
  redirectUri: z.string(),
  accessToken: z.string().check(z.minLength(1)),
  refreshToken: z.nullable(z.string()),
  expiresAt: z.number(),
  scopes: z.array(z.string()),
  /** Projects the user gave Tool Lens at PostHog's consent screen; empty: all. */
  scopedTeams: z.array(z.number()),
  user: z.optional(z.string()),
  /** Made at each sign-in and kept across renewals: figures cached for one sign-in are never served to the next. */
  identity: z.optional(z.string()),
});
export type StoredSignIn = z.infer<typeof storedSignInSchema>;
/** "Sign in with PostHog" (lib/connection/signIn.ts): the tokens of the last sign-in (storage.local, closed to content scripts like the key). */
export const signInItem: StoredItem<StoredSignIn | null> = { key: 'local:signIn', read: checked(z.nullable(storedSignInSchema), null) };
/** Client ids this extension registered, by host and redirect URL: registering again is throttled (60 a minute per IP). */
export const oauthClientsItem: StoredItem<Record<string, string>> = { key: 'local:oauthClients', read: checked(z.record(z.string(), z.string()), {}) };

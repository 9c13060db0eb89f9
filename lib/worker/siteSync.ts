/**
 * Keeps the browser in step with the stored sites: the content scripts registered exactly where
 * the user enabled Tool Lens (and granted the permission), the matcher on the paths where a tool can
 * be and the watcher on the rest (siteRegistration.ts planScripts), and each site's rules and auto-mapping
 * published in storage.session for its content script. Auto-mapping is asked of PostHog at most
 * once a day per project.
 */
import { AUTO_MAP_MAX_AGE_MS, siteConfigs, syncRegistration, type RegistrationApi, type SiteConfig } from '../matching/siteRegistration';
import type { AutoMap } from '../matching/toolMatch';
import type { Site } from '../matching/siteSchema';
import { autoMapItem, siteRules, sitesItem } from '../storage/items';
import type { Store } from '../storage/store';

export const AUTO_MAP_ALARM = 'auto-map';

export interface SiteSyncDeps {
  store: Store;
  registration: RegistrationApi;
  /** The project's page path → tool pairs, and which project they are of (null: not configured, or PostHog failed). */
  autoMap: { project(): Promise<string | null>; fetchAutoMap(): Promise<{ map: AutoMap; settings: string } | null> };
  now?: () => number;
  warn?: (message: string, error: unknown) => void;
}

export type SiteSync = ReturnType<typeof createSiteSync>;

export function createSiteSync(deps: SiteSyncDeps) {
  const now = deps.now ?? Date.now;
  const warn = deps.warn ?? ((message, error) => console.warn(message, error));

  /** The stored table, if it is of the connection's project (of any age), and that project. */
  async function storedAutoMap() {
    const stored = await deps.store.get(autoMapItem);
    const project = await deps.autoMap.project();
    return { stored, project, map: project && stored?.settings === project ? stored.map : null };
  }

  /**
   * The auto-mapping table: reused for a day, asked of PostHog again after that or for another
   * project. When PostHog cannot answer (a revoked key, an outage) the last table of the same project
   * stays, so tool pages keep their card and it can say what is wrong.
   */
  async function autoMap(force: boolean, known: Awaited<ReturnType<typeof storedAutoMap>>): Promise<AutoMap | null> {
    const { stored, project, map } = known;
    if (!project) return null;
    if (!force && stored && map && now() - stored.at < AUTO_MAP_MAX_AGE_MS) return map;
    const fresh = await deps.autoMap.fetchAutoMap();
    if (!fresh) return map;
    await deps.store.set(autoMapItem, { at: now(), settings: fresh.settings, map: fresh.map });
    return fresh.map;
  }

  const register = (sites: Site[], map: AutoMap | null) =>
    syncRegistration(sites, map, deps.registration).catch((error) => warn('Tool Lens: content script registration failed', error));

  // One sync at a time, in order: a later one always sees what an earlier one wrote.
  let syncing: Promise<void> = Promise.resolve();
  /**
   * Brings the registration and the published rules in line with the stored sites. The scripts are
   * registered at once from the table already stored (none: the matcher on the whole of each host),
   * so a site just enabled has them before PostHog answers for a new table, and again once it has.
   */
  function sync(forceAutoMap = false): Promise<void> {
    // After a failed one too: each sync reads everything afresh.
    syncing = syncing
      .catch(() => undefined)
      .then(async () => {
        const sites = await deps.store.get(sitesItem);
        const wantsMap = sites.some((s) => s.autoMap);
        const known = await storedAutoMap();
        await register(sites, wantsMap ? known.map : null);
        const map = wantsMap ? await autoMap(forceAutoMap, known) : null;
        if (wantsMap && map !== known.map) await register(sites, map);
        const { entries, remove } = siteConfigs(sites, map, await deps.store.entryIds(siteRules));
        if (remove.length) await deps.store.removeEntries(siteRules, remove);
        await deps.store.setEntries(siteRules, entries);
      });
    return syncing;
  }

  /** A site's rules, after any pending sync; null when Tool Lens is not enabled there. */
  async function configFor(origin: string): Promise<SiteConfig | null> {
    await sync();
    const enabled = (await deps.store.get(sitesItem)).some((s) => s.origin === origin);
    return enabled ? deps.store.getEntry(siteRules, origin) : null;
  }

  /** Asks PostHog for the auto-mapping now; says whether there is one and how many paths it maps. */
  async function refreshAutoMap(): Promise<{ ok: boolean; paths: number }> {
    await sync(true);
    const stored = await deps.store.get(autoMapItem);
    return { ok: stored !== null, paths: stored ? Object.keys(stored.map).length : 0 };
  }

  return { sync, configFor, refreshAutoMap };
}

/**
 * Which sites Tool Lens looks for tool pages on, with the host permission each needs: what the popup's
 * "Enable on this site" and the options' sites editor both do. The worker follows the stored list with
 * its content script registration (lib/worker/siteSync.ts).
 *
 * Firefox accepts a permission request only while the user's click is being handled: every function
 * here asks first, before any `await` of its own, so calling it first in the click's handler is enough.
 */
import { requestOrigins, type PermissionsApi } from '../helpers/permissions';
import { matchPatternFor } from '../matching/siteRegistration';
import { newSite, type Site } from '../matching/toolMatch';
import { sitesItem } from '../storage/items';
import type { Store } from '../storage/store';

export interface SitePermissionsApi extends PermissionsApi {
  remove(permissions: { origins: string[] }): Promise<boolean>;
}

export type SiteAccess = ReturnType<typeof createSiteAccess>;

export interface SiteAccessDeps {
  /** Where the user's own sites are stored (what is written). */
  store: Store;
  permissions: SitePermissionsApi;
  /** Every site in force, an organisation's policy's included: a host permission they need is never given back. Default: the stored list. */
  sitesInForce?: () => Promise<Site[]>;
}

export function createSiteAccess({ store, permissions, sitesInForce }: SiteAccessDeps) {
  const patterns = (list: Site[]) => new Set(list.map((s) => matchPatternFor(s.origin)));

  /** Gives back the host permissions no remaining site needs (sites on one host's ports share one). */
  async function release(before: Set<string>, after: Set<string>) {
    const needed = sitesInForce ? patterns(await sitesInForce()) : after;
    const removed = [...before].filter((p) => !after.has(p) && !needed.has(p));
    // Loopback is granted by the manifest (the local PostHog): removing it fails, and that is fine.
    if (removed.length) await permissions.remove({ origins: removed }).catch(() => false);
  }

  /**
   * Stores a new site list: asks for the hosts it adds and gives back those no remaining site needs.
   * Null when saved, else what to tell the user (nothing is stored then).
   */
  async function save(previous: Site[], next: Site[]): Promise<string | null> {
    const before = patterns(previous);
    const after = patterns(next);
    const added = [...after].filter((p) => !before.has(p));
    if (added.length) {
      const problem = await requestOrigins(permissions, added, 'the site was not added');
      if (problem) return problem;
    }
    await store.set(sitesItem, next);
    await release(before, after);
    return null;
  }

  /** Adds one origin (the popup's tab): null when enabled, else what to tell the user. */
  async function enable(origin: string): Promise<string | null> {
    const problem = await requestOrigins(permissions, [matchPatternFor(origin)], `Tool Lens cannot look for tool pages on ${origin}`);
    if (problem) return problem;
    const sites = await store.get(sitesItem);
    if (!sites.some((s) => s.origin === origin)) await store.set(sitesItem, [...sites, newSite(origin)]);
    return null;
  }

  /** Removes one origin and, unless another site shares it, its host permission. */
  async function disable(origin: string): Promise<void> {
    const sites = await store.get(sitesItem);
    const remaining = sites.filter((s) => s.origin !== origin);
    await store.set(sitesItem, remaining);
    await release(patterns(sites), patterns(remaining));
  }

  return { save, enable, disable };
}

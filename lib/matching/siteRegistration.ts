/**
 * Sites where Tool Lens runs. The stored list is the source of truth: the background worker keeps
 * the content-script registration and the per-site configuration that content scripts read
 * (storage.session, no messaging) in step with it.
 */
import * as z from 'zod/mini';
import { autoMapSchema, siteSchema, type AutoMap, type Site } from './siteSchema';
import type { SiteConfig } from './siteConfig';

export const CONTENT_SCRIPT_ID = 'tool-lens-card';
export const AUTO_MAP_MAX_AGE_MS = 86_400_000;

export const sitesSchema = z.array(siteSchema).check(z.maxLength(200));

/** Valid sites only: one bad entry does not take the others down. Later duplicates of an origin are dropped. */
export function parseSites(raw: unknown): Site[] {
  if (!Array.isArray(raw)) return [];
  const seen = new Set<string>();
  const sites: Site[] = [];
  for (const entry of raw.slice(0, 200)) {
    const parsed = siteSchema.safeParse(entry);
    if (parsed.success && !seen.has(parsed.data.origin)) {
      seen.add(parsed.data.origin);
      sites.push(parsed.data);
    }
  }
  return sites;
}

/** Host permission / match pattern for an origin. Match patterns carry no port, so any port matches. */
export function matchPatternFor(origin: string): string {
  const url = new URL(origin);
  return `${url.protocol}//${url.hostname}/*`;
}

export { MATCHER_SCRIPT, SITE_RULES_PREFIX, siteConfigKey, type SiteConfig } from './siteConfig';
export const siteConfigSchema = z.object({ site: siteSchema, autoMap: z.nullable(autoMapSchema) });

export const storedAutoMapSchema = z.object({ at: z.number(), settings: z.string(), map: autoMapSchema });
export type StoredAutoMap = z.infer<typeof storedAutoMapSchema>;

export interface RegistrationApi {
  /** Match patterns of the current registration, or null when there is none. */
  registered(): Promise<string[] | null>;
  register(matches: string[]): Promise<void>;
  update(matches: string[]): Promise<void>;
  unregister(): Promise<void>;
  hasPermission(pattern: string): Promise<boolean>;
}

/** Registers the content script exactly on the enabled sites whose permission is granted. */
export async function syncRegistration(sites: Site[], api: RegistrationApi): Promise<string[]> {
  const patterns: string[] = [];
  for (const site of sites) {
    const pattern = matchPatternFor(site.origin);
    if (!patterns.includes(pattern) && (await api.hasPermission(pattern))) patterns.push(pattern);
  }
  const current = await api.registered();
  if (patterns.length === 0) {
    if (current) await api.unregister();
  } else if (!current) {
    await api.register(patterns);
  } else if (current.slice().sort().join() !== patterns.slice().sort().join()) {
    await api.update(patterns);
  }
  return patterns;
}

/** What content scripts read, by origin. Origins published before and no longer enabled are listed for removal. */
export function siteConfigs(sites: Site[], autoMap: AutoMap | null, publishedOrigins: string[]) {
  const entries: Record<string, SiteConfig> = {};
  for (const site of sites) entries[site.origin] = { site, autoMap: site.autoMap ? autoMap : null };
  const remove = publishedOrigins.filter((origin) => !Object.hasOwn(entries, origin));
  return { entries, remove };
}

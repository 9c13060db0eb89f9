/**
 * Sites where Tool Lens runs. The stored list is the source of truth: the background worker keeps
 * the content-script registration and the per-site configuration that content scripts read
 * (storage.session, no messaging) in step with it.
 */
import * as z from 'zod/mini';
import { autoMapSchema, siteSchema, type AutoMap, type Site } from './siteSchema';
import { MATCHER_SCRIPT, type SiteConfig } from './siteConfig';

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

/**
 * The two content scripts. The matcher (entrypoints/matcher.ts) reads the site's rules and names the
 * tool; it is registered only on the paths where the site's rules can name one. Every other page of
 * the site gets the watcher (entrypoints/watcher.ts), which uses no extension API until the page names
 * a tool by its marker or navigates in place, and then has the worker inject the matcher: most pages
 * of a site are not tool pages, and there reading the rules was most of the matcher's cost.
 */
export const WATCHER_SCRIPT_ID = 'tool-lens-watch';
export const WATCHER_SCRIPT = 'watcher.js';

/** A registered content script, as syncRegistration compares it. */
export interface ScriptRegistration {
  id: string;
  file: string;
  matches: string[];
  excludeMatches: string[];
}

export interface RegistrationApi {
  /** The scripts registered now (a script of another file or run time reads as matching nothing). */
  registered(): Promise<ScriptRegistration[]>;
  register(script: ScriptRegistration): Promise<void>;
  update(script: ScriptRegistration): Promise<void>;
  unregister(id: string): Promise<void>;
  hasPermission(pattern: string): Promise<boolean>;
}

/** More path prefixes than this on one host: the matcher goes on every page of it. */
export const MAX_TOOL_PREFIXES = 100;
/** A path segment a match pattern can carry as it is (RFC 3986 pchar): anything else, the matcher goes everywhere. */
const PLAIN_SEGMENT = /^[A-Za-z0-9._~!$&'()+,;=@%-]+$/;

/**
 * Where a site's rules can name a tool: the first path segment of each URL rule and each auto-mapped
 * path (`/tools/news-analyzer` → `/tools`), or 'all' when they can name one anywhere: a marker
 * selector of the site's own (it may match on any page, and only the matcher knows it), a regex rule,
 * a rule or path whose first segment is not fixed, or auto-mapping without its table yet. A prefix
 * covers more pages than the rules name; the matcher decides on those.
 */
export function toolPathPrefixes(site: Site, autoMap: AutoMap | null): string[] | 'all' {
  if (site.marker) return 'all';
  const prefixes = new Set<string>();
  const add = (path: string) => {
    const first = path.split('/')[1] ?? '';
    if (!PLAIN_SEGMENT.test(first) || first.startsWith(':')) return false;
    prefixes.add(`/${first}`);
    return true;
  };
  for (const rule of site.urlRules) if (rule.kind === 'regex' || !add(rule.value)) return 'all';
  if (site.autoMap) {
    if (!autoMap) return 'all';
    for (const path of Object.keys(autoMap)) if (!add(path)) return 'all';
  }
  return prefixes.size > MAX_TOOL_PREFIXES ? 'all' : [...prefixes].sort();
}

/**
 * The matcher and the watcher, by host: on a host where the rules can name a tool anywhere, the
 * matcher on all of it; else the matcher on its tool paths (`prefix*`: the path, its query and what
 * is under it) and the watcher on the rest. Match patterns carry no port: the sites of one host share
 * its registration, the union of their paths. `hosts` are the sites' permitted host patterns.
 */
export function planScripts(sites: Site[], autoMap: AutoMap | null, hosts: string[], wholeHosts = false): ScriptRegistration[] {
  const matcher: ScriptRegistration = { id: CONTENT_SCRIPT_ID, file: MATCHER_SCRIPT, matches: [], excludeMatches: [] };
  const watcher: ScriptRegistration = { id: WATCHER_SCRIPT_ID, file: WATCHER_SCRIPT, matches: [], excludeMatches: [] };
  for (const host of hosts) {
    const onHost = sites.filter((site) => matchPatternFor(site.origin) === host);
    let prefixes: Set<string> | 'all' = new Set();
    for (const site of onHost) {
      const paths = toolPathPrefixes(site, autoMap);
      if (paths === 'all') prefixes = 'all';
      if (prefixes === 'all') break;
      for (const path of paths) prefixes.add(path);
    }
    if (wholeHosts || (prefixes !== 'all' && prefixes.size > MAX_TOOL_PREFIXES)) prefixes = 'all';
    if (prefixes === 'all') {
      matcher.matches.push(host);
      continue;
    }
    const base = host.slice(0, -'/*'.length);
    const toolPages = [...prefixes].sort().map((prefix) => `${base}${prefix}*`);
    matcher.matches.push(...toolPages);
    watcher.matches.push(host);
    watcher.excludeMatches.push(...toolPages);
  }
  return [matcher, watcher].filter((script) => script.matches.length > 0);
}

const sameScript = (a: ScriptRegistration, b: ScriptRegistration) =>
  a.file === b.file && a.matches.join() === b.matches.join() && a.excludeMatches.join() === b.excludeMatches.join();

/**
 * Registers the matcher and the watcher exactly on the enabled sites whose permission is granted
 * (planScripts), updating only what changed. Returns the permitted host patterns. Should the browser
 * refuse a pattern made of the site's paths (they come from the project's events), the matcher goes
 * on the whole of each host instead, as it would without any path: the card is never lost to it.
 */
export async function syncRegistration(sites: Site[], autoMap: AutoMap | null, api: RegistrationApi): Promise<string[]> {
  try {
    return await registerPlan(sites, autoMap, api, false);
  } catch (error) {
    await registerPlan(sites, autoMap, api, true);
    throw error;
  }
}

async function registerPlan(sites: Site[], autoMap: AutoMap | null, api: RegistrationApi, wholeHosts: boolean): Promise<string[]> {
  const hosts: string[] = [];
  for (const site of sites) {
    const pattern = matchPatternFor(site.origin);
    if (!hosts.includes(pattern) && (await api.hasPermission(pattern))) hosts.push(pattern);
  }
  const next = planScripts(sites, autoMap, hosts, wholeHosts);
  const current = await api.registered();
  // What stays first, what goes last: a page loading in between gets both scripts (the second to start
  // finds the first's mark or the matcher's), never neither.
  for (const script of next) {
    const now = current.find((c) => c.id === script.id);
    if (!now) await api.register(script);
    else if (!sameScript(now, script)) await api.update(script);
  }
  for (const script of current) if (!next.some((n) => n.id === script.id)) await api.unregister(script.id);
  return hosts;
}

/** What content scripts read, by origin. Origins published before and no longer enabled are listed for removal. */
export function siteConfigs(sites: Site[], autoMap: AutoMap | null, publishedOrigins: string[]) {
  const entries: Record<string, SiteConfig> = {};
  for (const site of sites) entries[site.origin] = { site, autoMap: site.autoMap ? autoMap : null };
  const remove = publishedOrigins.filter((origin) => !Object.hasOwn(entries, origin));
  return { entries, remove };
}

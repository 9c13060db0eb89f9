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

/** More tool paths than this on one host: the matcher goes on every page of it. */
export const MAX_TOOL_PATHS = 100;
/** A path segment a match pattern can carry as it is (RFC 3986 pchar): anything else, the matcher goes everywhere. */
const PLAIN_SEGMENT = /^[A-Za-z0-9._~!$&'()+,;=@%-]+$/;

/**
 * Where a site's rules can name a tool, as the paths of match patterns: `/tools*` for each URL rule
 * or auto-mapped path whose first segment is `tools` (the path, its query and what is under it), `/`
 * and `/?*` for the home page. Or 'all' when they can name one anywhere: a marker selector of the
 * site's own (it may match on any page, and only the matcher knows it), a regex rule, a rule or path
 * whose first segment is not fixed, or auto-mapping without its table yet. A pattern covers more
 * pages than the rules name; the matcher decides on those.
 */
export function toolPathPatterns(site: Site, autoMap: AutoMap | null): string[] | 'all' {
  if (site.marker) return 'all';
  const paths = new Set<string>();
  const add = (path: string) => {
    const first = path.split('/')[1] ?? '';
    if (path === '/') {
      paths.add('/').add('/?*');
      return true;
    }
    if (!PLAIN_SEGMENT.test(first)) return false;
    paths.add(`/${first}*`);
    return true;
  };
  for (const rule of site.urlRules) if (rule.kind === 'regex' || !add(rule.value)) return 'all';
  if (site.autoMap) {
    if (!autoMap) return 'all';
    for (const path of Object.keys(autoMap)) if (!add(path)) return 'all';
  }
  return paths.size > MAX_TOOL_PATHS ? 'all' : [...paths].sort();
}

/**
 * The matcher and the watcher, by host: the matcher on the host's tool paths (toolPathPatterns) and
 * the watcher on the rest; the matcher on the whole host where the rules can name a tool anywhere, or
 * nowhere by the URL (only a page marker names them: every tool page there is one, and the matcher
 * reads it as the page loads). Paths with an empty segment (`//tools/x`, which the matcher reads as
 * `/tools/x`) go to the matcher too. Match patterns carry no port: the sites of one host share its
 * registration, the union of their paths. `hosts` are the sites' permitted host patterns.
 */
export function planScripts(sites: Site[], autoMap: AutoMap | null, hosts: string[], wholeHosts = false): ScriptRegistration[] {
  const matcher: ScriptRegistration = { id: CONTENT_SCRIPT_ID, file: MATCHER_SCRIPT, matches: [], excludeMatches: [] };
  const watcher: ScriptRegistration = { id: WATCHER_SCRIPT_ID, file: WATCHER_SCRIPT, matches: [], excludeMatches: [] };
  for (const host of hosts) {
    let paths: Set<string> | 'all' = new Set();
    for (const site of sites.filter((s) => matchPatternFor(s.origin) === host)) {
      const own = toolPathPatterns(site, autoMap);
      if (own === 'all') paths = 'all';
      if (paths === 'all') break;
      for (const path of own) paths.add(path);
    }
    if (wholeHosts || paths === 'all' || paths.size === 0 || paths.size > MAX_TOOL_PATHS) {
      matcher.matches.push(host);
      continue;
    }
    const base = host.slice(0, -'/*'.length);
    const toolPages = [...paths, '//*'].map((path) => `${base}${path}`);
    matcher.matches.push(...toolPages);
    watcher.matches.push(host);
    watcher.excludeMatches.push(...toolPages);
  }
  return [matcher, watcher]
    .filter((script) => script.matches.length > 0)
    .map((script) => ({ ...script, matches: sorted(script.matches), excludeMatches: sorted(script.excludeMatches) }));
}

/** As the browsers list a script's patterns (Chromium keeps them in a sorted set): compared as sets. */
const sorted = (patterns: string[]) => [...new Set(patterns)].sort();
const sameScript = (a: ScriptRegistration, b: ScriptRegistration) =>
  a.file === b.file && sorted(a.matches).join() === sorted(b.matches).join() && sorted(a.excludeMatches).join() === sorted(b.excludeMatches).join();

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
    await registerPlan(sites, autoMap, api, true).catch(() => undefined);
    throw error;
  }
}

/**
 * Every page keeps a script while the registration changes: the matcher first takes the union of
 * where it was and where it goes, then the watcher goes where it goes, then the matcher; a page that
 * loads in between gets one or both (the second to start finds the matcher's mark, or has it injected
 * to no effect), never neither.
 */
async function registerPlan(sites: Site[], autoMap: AutoMap | null, api: RegistrationApi, wholeHosts: boolean): Promise<string[]> {
  const hosts: string[] = [];
  for (const site of sites) {
    const pattern = matchPatternFor(site.origin);
    if (!hosts.includes(pattern) && (await api.hasPermission(pattern))) hosts.push(pattern);
  }
  const next = planScripts(sites, autoMap, hosts, wholeHosts);
  const current = await api.registered();
  const apply = async (id: string, to: ScriptRegistration | undefined) => {
    const now = current.find((c) => c.id === id);
    if (!to) {
      if (now) await api.unregister(id);
    } else if (!now) await api.register(to);
    else if (!sameScript(now, to)) await api.update(to);
    const at = current.findIndex((c) => c.id === id);
    if (at >= 0) current.splice(at, 1);
    if (to) current.push(to);
  };
  const matcherNow = current.find((c) => c.id === CONTENT_SCRIPT_ID);
  const matcherNext = next.find((n) => n.id === CONTENT_SCRIPT_ID);
  if (matcherNow?.file === MATCHER_SCRIPT && matcherNext)
    await apply(CONTENT_SCRIPT_ID, { ...matcherNext, matches: sorted([...matcherNow.matches, ...matcherNext.matches]) });
  else if (matcherNext) await apply(CONTENT_SCRIPT_ID, matcherNext);
  await apply(
    WATCHER_SCRIPT_ID,
    next.find((n) => n.id === WATCHER_SCRIPT_ID),
  );
  await apply(CONTENT_SCRIPT_ID, matcherNext);
  return hosts;
}

/** What content scripts read, by origin. Origins published before and no longer enabled are listed for removal. */
export function siteConfigs(sites: Site[], autoMap: AutoMap | null, publishedOrigins: string[]) {
  const entries: Record<string, SiteConfig> = {};
  for (const site of sites) entries[site.origin] = { site, autoMap: site.autoMap ? autoMap : null };
  const remove = publishedOrigins.filter((origin) => !Object.hasOwn(entries, origin));
  return { entries, remove };
}

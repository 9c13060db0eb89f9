/**
 * The content script's check of a site's stored rules (storage.session, written by the worker from
 * siteConfigSchema): plain code, not zod, since it runs on every page of an enabled site and must
 * cost next to nothing there. siteConfig.test.ts holds it to siteConfigSchema's verdicts.
 */
import type { AutoMap, Site, UrlRule } from './siteSchema';

/** A site's rules as the content script reads them (sites.ts siteConfigSchema). */
export interface SiteConfig {
  site: Site;
  autoMap: AutoMap | null;
}

/** The matcher's built file (entrypoints/matcher.ts): what the worker registers on the enabled sites and injects. */
export const MATCHER_SCRIPT = 'matcher.js';

/** The storage.session key of a site's rules (lib/storage/items.ts siteRules): what the content script reads. */
export const SITE_RULES_PREFIX = 'site:';
export const siteConfigKey = (origin: string) => `${SITE_RULES_PREFIX}${origin}`;

type Data = Record<string, unknown>;
const isObject = (x: unknown): x is Data => typeof x === 'object' && x !== null && !Array.isArray(x);
const isText = (x: unknown, min: number, max: number): x is string => typeof x === 'string' && x.length >= min && x.length <= max;
const ORIGIN = /^https?:\/\/[^/\s]+$/;
const PROJECT = /^\d{1,12}$/;

/** A record of text to text (each side at most `max` characters), copied; null when it is not one. */
function textRecord(x: unknown, max = Infinity): Record<string, string> | null {
  if (!isObject(x)) return null;
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(x)) {
    if (key.length > max || !isText(value, 0, max)) return null;
    out[key] = value;
  }
  return out;
}

function urlRule(x: unknown): UrlRule | null {
  if (!isObject(x) || (x.kind !== 'pattern' && x.kind !== 'regex') || !isText(x.value, 1, 300)) return null;
  const map = textRecord(x.map, 200);
  return map && { kind: x.kind, value: x.value, map };
}

function site(x: unknown): Site | null {
  if (!isObject(x) || typeof x.origin !== 'string' || !ORIGIN.test(x.origin) || typeof x.autoMap !== 'boolean') return null;
  let marker: Site['marker'] = null;
  if (x.marker !== null) {
    const m = x.marker;
    if (!isObject(m) || !isText(m.selector, 1, 300) || !isText(m.attribute, 0, 100)) return null;
    marker = { selector: m.selector, attribute: m.attribute };
  }
  if (!Array.isArray(x.urlRules) || x.urlRules.length > 50) return null;
  const urlRules: UrlRule[] = [];
  for (const raw of x.urlRules) {
    const rule = urlRule(raw);
    if (!rule) return null;
    urlRules.push(rule);
  }
  if (x.project !== undefined && (typeof x.project !== 'string' || !PROJECT.test(x.project))) return null;
  return { origin: x.origin, marker, urlRules, autoMap: x.autoMap, ...(x.project !== undefined ? { project: x.project } : {}) };
}

/** The stored rules as siteConfigSchema would parse them (unknown keys dropped), or null when it would refuse them. */
export function parseSiteConfig(raw: unknown): SiteConfig | null {
  if (!isObject(raw)) return null;
  const parsedSite = site(raw.site);
  if (!parsedSite) return null;
  let autoMap: AutoMap | null = null;
  if (raw.autoMap !== null) {
    autoMap = textRecord(raw.autoMap);
    if (!autoMap) return null;
  }
  return { site: parsedSite, autoMap };
}

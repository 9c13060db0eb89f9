/**
 * An organisation's policy: what an admin sets for every browser (Chrome's `storage.managed` from the
 * 3rdparty extension policy, Firefox's policies.json `3rdparty.Extensions`). A value set by policy is
 * used as is and shown locked in the options; what it leaves open stays the user's. Every key is
 * checked on its own: an unknown or invalid one is reported and ignored, never fatal.
 */
import * as z from 'zod/mini';
import { siteSchema, type Site } from '../matching/siteSchema';
import { parseSites } from '../matching/siteRegistration';
import { checkCustomHost, HOSTS, metricsOptionsSchema, parseStoredSettings, type HostKind, type SettingsState } from '../settings/settings';

/** `us`, `eu`, or the URL of a self-hosted PostHog (https, or http on this machine). */
const hostPolicy = z.pipe(
  z.string().check(z.trim(), z.minLength(1), z.maxLength(500)),
  z.transform((value: string, ctx): { host: HostKind; customHost: string } => {
    if (value === 'us' || value === 'eu') return { host: value, customHost: '' };
    const bare = value.replace(/\/+$/, '');
    if (bare === HOSTS.us.url) return { host: 'us', customHost: '' };
    if (bare === HOSTS.eu.url) return { host: 'eu', customHost: '' };
    const problem = checkCustomHost(value);
    if (problem) ctx.issues.push({ code: 'custom', message: problem, input: value });
    return { host: 'custom', customHost: bare };
  }),
);

const projectId = z.pipe(
  z.pipe(z.union([z.string().check(z.trim()), z.int().check(z.nonnegative())]), z.transform(String)),
  z.string().check(z.regex(/^\d{1,12}$/, 'a project id is a number, e.g. 12345')),
);

/** The check of an option without its default: a policy either sets the value or leaves it out. */
const inner = <T extends z.ZodMiniType>(schema: z.ZodMiniDefault<T>): T => schema.def.innerType;

/** Each policy key and its check; the options' own rules, so a policy can set nothing a user could not. */
export const POLICY_KEYS = {
  host: hostPolicy,
  projectId,
  /** Only "Sign in with PostHog": no pasted personal API key. */
  signInOnly: z.boolean(),
  /** The sites Tool Lens runs on, with their tool rules: added to the user's, locked. */
  sites: z.array(z.unknown()).check(z.maxLength(200)),
  thresholds: inner(metricsOptionsSchema.shape.thresholds),
  extraAlertRules: inner(metricsOptionsSchema.shape.extraAlertRules),
  alertEveryMinutes: inner(metricsOptionsSchema.shape.alertEveryMinutes),
  schema: inner(metricsOptionsSchema.shape.schema),
  requestBudget: inner(metricsOptionsSchema.shape.requestBudget),
  queryLimitPerHour: inner(metricsOptionsSchema.shape.queryLimitPerHour),
} as const;
export type PolicyKey = keyof typeof POLICY_KEYS;

export interface Policy {
  connection?: { host: HostKind; customHost: string };
  projectId?: string;
  signInOnly?: boolean;
  sites?: Site[];
  options: Partial<
    Pick<z.output<typeof metricsOptionsSchema>, 'thresholds' | 'extraAlertRules' | 'alertEveryMinutes' | 'schema' | 'requestBudget' | 'queryLimitPerHour'>
  >;
}
export interface ParsedPolicy {
  policy: Policy;
  /** One line per unknown or invalid value, each ignored. */
  problems: string[];
}
export const NO_POLICY: ParsedPolicy = { policy: { options: {} }, problems: [] };

const isRecord = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x);

/** The policy from what the browser's managed storage holds (anything: it is an admin's JSON). */
export function parsePolicy(raw: unknown): ParsedPolicy {
  if (raw === undefined || raw === null) return NO_POLICY;
  if (!isRecord(raw)) return { ...NO_POLICY, problems: ['The policy is not an object of Tool Lens keys: ignored'] };
  const policy: Policy = { options: {} };
  const problems: string[] = [];
  for (const [key, value] of Object.entries(raw)) {
    if (!(key in POLICY_KEYS)) {
      problems.push(`${key}: not a Tool Lens policy key, ignored`);
      continue;
    }
    const parsed = POLICY_KEYS[key as PolicyKey].safeParse(value);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      problems.push(`${[key, ...(issue?.path ?? [])].join('.')}: ${issue?.message ?? 'invalid'}, ignored`);
      continue;
    }
    const data = parsed.data as never;
    if (key === 'host') policy.connection = data;
    else if (key === 'projectId') policy.projectId = data;
    else if (key === 'signInOnly') policy.signInOnly = data;
    else if (key === 'sites') policy.sites = policySites(data, problems);
    else (policy.options as Record<string, unknown>)[key] = data;
  }
  return { policy, problems };
}

/** Each site on its own: a bad one is reported and left out, the others kept. */
function policySites(entries: unknown[], problems: string[]): Site[] {
  // Chrome drops null values from a policy: a site without a marker, rules or auto-mapping has none.
  const withDefaults = entries.map((entry) => (isRecord(entry) ? { marker: null, urlRules: [], autoMap: false, ...entry } : entry));
  const good = withDefaults.filter((entry, i) => {
    const parsed = siteSchema.safeParse(entry);
    if (!parsed.success)
      problems.push(
        `sites.${i}${parsed.error.issues[0]?.path.length ? `.${parsed.error.issues[0].path.join('.')}` : ''}: ${parsed.error.issues[0]?.message ?? 'invalid'}, ignored`,
      );
    return parsed.success;
  });
  return parseSites(good);
}

/** The settings fields a policy fixes, as the options page names them (locked there). */
export function lockedFields(policy: Policy): Set<string> {
  const locked = new Set<string>(Object.keys(policy.options));
  if (policy.connection) locked.add('host').add('customHost');
  if (policy.projectId) locked.add('projectId');
  if (policy.signInOnly) locked.add('auth').add('apiKey');
  return locked;
}

/**
 * Stored settings (raw) with the policy's values over them. Nothing stored: a policy that names the
 * host and project (and sign-in only) is a connection by itself, waiting only for the sign-in.
 */
export function withPolicy(stored: unknown, policy: Policy): unknown {
  const hasPolicy = Object.keys(policy.options).length > 0 || policy.connection || policy.projectId || policy.signInOnly;
  if (!hasPolicy) return stored;
  if (!isRecord(stored) && !(policy.connection && policy.projectId)) return stored;
  const base: Record<string, unknown> = isRecord(stored) ? { ...stored } : { host: 'us', customHost: '', projectId: '', apiKey: '' };
  if (policy.connection) Object.assign(base, policy.connection);
  if (policy.projectId) base.projectId = policy.projectId;
  // Sign-in only: a pasted key is neither used nor kept in the settings the worker reads.
  if (policy.signInOnly) Object.assign(base, { auth: 'signIn', apiKey: '' });
  return { ...base, ...policy.options };
}

/** The settings the worker uses: stored, with the policy over them. Nothing usable stored or set: missing. */
export function effectiveSettings(stored: unknown, policy: Policy): SettingsState {
  const merged = withPolicy(stored, policy);
  const state = parseStoredSettings(merged);
  // Nothing stored and the policy alone is not a connection (a key is still to paste): the first run.
  return stored === undefined && state.status === 'invalid' ? { status: 'missing' } : state;
}

/** The policy's sites first (locked), then the user's on other origins. */
export function effectiveSites(stored: Site[], policy: Policy): Site[] {
  if (!policy.sites) return stored;
  const fixed = new Set(policy.sites.map((s) => s.origin));
  return [...policy.sites, ...stored.filter((s) => !fixed.has(s.origin))];
}

/** Settings export and import: JSON, validated, never carrying the API key. */
import * as z from 'zod/mini';
import { checkBudgetWithinLimit, checkCustomHost, metricsOptionsSchema, postHogBaseUrl, settingsSchema, type Settings } from './settings';
import { siteSchema, type Site } from '../matching/siteSchema';
import { compileRule } from '../matching/toolMatch';

export const MAX_IMPORT_BYTES = 256 * 1024;

const exportSchema = z
  .object({
    toolLens: z.literal(1, 'Not a Tool Lens settings file (missing "toolLens": 1)'),
    connection: z.object({
      host: z.enum(['us', 'eu', 'custom']),
      customHost: z.string().check(z.maxLength(500)),
      projectId: z.string().check(z.regex(/^\d{0,12}$/, 'Project id is a number')),
    }),
    options: metricsOptionsSchema,
    sites: z.array(siteSchema).check(z.maxLength(200)),
  })
  .check(
    z.superRefine((file, ctx) => {
      checkBudgetWithinLimit(file.options, ctx, ['options']);
      // The same rule as the options' own field: a file must not point Tool Lens anywhere the options would refuse.
      const hostProblem = file.connection.host === 'custom' ? checkCustomHost(file.connection.customHost) : null;
      if (hostProblem) ctx.addIssue({ code: 'custom', path: ['connection', 'customHost'], message: hostProblem });
      // Rules the matcher would ignore are refused here, where the file's author can be told why.
      file.sites.forEach((site, s) =>
        site.urlRules.forEach((rule, r) => {
          const problem = compileRule(rule);
          if (typeof problem === 'string') ctx.addIssue({ code: 'custom', path: ['sites', s, 'urlRules', r, 'value'], message: problem });
        }),
      );
    }),
  );

export function exportSettings(settings: Settings | null, sites: Site[]): string {
  const {
    apiKey: _key,
    auth: _auth,
    host,
    customHost,
    projectId,
    ...options
  } = settings ?? settingsSchema.parse({ host: 'us', customHost: '', projectId: '0', apiKey: 'x' });
  return JSON.stringify({ toolLens: 1, connection: { host, customHost, projectId: settings ? projectId : '' }, options, sites }, null, 2);
}

export type ImportResult = { ok: true; settings: Omit<Settings, 'apiKey' | 'auth'>; sites: Site[] } | { ok: false; errors: string[] };

/** Parses an exported file; every problem is reported with where it is. What happens to the key is planImport's. */
export function importSettings(text: string): ImportResult {
  if (new TextEncoder().encode(text).length > MAX_IMPORT_BYTES)
    return { ok: false, errors: [`The file is larger than ${MAX_IMPORT_BYTES / 1024} KB: not a settings file`] };
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    return { ok: false, errors: [`Not valid JSON: ${(error as Error).message}`] };
  }
  if (typeof raw !== 'object' || raw === null || (raw as { toolLens?: unknown }).toolLens !== 1) {
    return { ok: false, errors: ['Not a Tool Lens settings file (missing "toolLens": 1)'] };
  }
  const parsed = exportSchema.safeParse(raw);
  if (!parsed.success) {
    return { ok: false, errors: parsed.error.issues.slice(0, 10).map((issue) => `${issue.path.join('.') || 'file'}: ${issue.message}`) };
  }
  const { connection, options, sites } = parsed.data;
  const origins = new Set<string>();
  for (const site of sites) {
    if (origins.has(site.origin)) return { ok: false, errors: [`sites: ${site.origin} is listed twice`] };
    origins.add(site.origin);
  }
  return { ok: true, settings: { ...connection, ...options }, sites };
}

type Connection = Pick<Settings, 'host' | 'customHost' | 'projectId'>;
const describeConnection = (c: Connection) => `${postHogBaseUrl(c)} (project ${c.projectId})`;

export interface ImportPlan {
  /** What to store: the file's settings, with the stored key and sign-in only if the connection stays. */
  settings: Omit<Settings, 'auth'> & { auth?: 'signIn' };
  /** The connection the file changes to, when it differs from the stored one (the key and sign-in are then dropped). */
  changed: { from: string; to: string } | null;
  sites: Site[];
}

/**
 * What an import stores. A key or a sign-in works for one host and project: a file naming another
 * (a shared "team settings" file, say) would otherwise send the stored key there at the next request.
 * So when host, region or project differ, neither is kept, and the caller says so, naming the new host.
 */
export function planImport(stored: unknown, imported: Extract<ImportResult, { ok: true }>): ImportPlan {
  const raw = (typeof stored === 'object' && stored !== null ? stored : {}) as Partial<
    Record<'host' | 'customHost' | 'projectId' | 'apiKey' | 'auth', unknown>
  >;
  const next = imported.settings;
  const hadCredential = (typeof raw.apiKey === 'string' && raw.apiKey !== '') || raw.auth === 'signIn';
  const before = { host: raw.host, customHost: raw.customHost, projectId: raw.projectId } as Connection;
  const known = raw.host === 'us' || raw.host === 'eu' || raw.host === 'custom';
  const same =
    known &&
    typeof raw.customHost === 'string' &&
    typeof raw.projectId === 'string' &&
    postHogBaseUrl(before) === postHogBaseUrl(next) &&
    raw.projectId === next.projectId;
  if (!same)
    return {
      settings: { ...next, apiKey: '' },
      changed: hadCredential ? { from: known ? describeConnection(before) : 'the stored connection', to: describeConnection(next) } : null,
      sites: imported.sites,
    };
  return {
    settings: { ...next, apiKey: typeof raw.apiKey === 'string' ? raw.apiKey : '', ...(raw.auth === 'signIn' ? { auth: 'signIn' as const } : {}) },
    changed: null,
    sites: imported.sites,
  };
}

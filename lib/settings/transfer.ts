/** Settings export and import: JSON, validated, never carrying the API key. */
import { z } from 'zod';
import { checkBudgetWithinLimit, metricsOptionsSchema, settingsSchema, type Settings } from './settings';
import { siteSchema, type Site } from '../matching/siteSchema';
import { compileRule } from '../matching/toolMatch';

export const MAX_IMPORT_BYTES = 256 * 1024;

const exportSchema = z.object({
  toolLens: z.literal(1, 'Not a Tool Lens settings file (missing "toolLens": 1)'),
  connection: z.object({ host: z.enum(['us', 'eu', 'custom']), customHost: z.string().max(500), projectId: z.string().regex(/^\d{0,12}$/, 'Project id is a number') }),
  options: metricsOptionsSchema,
  sites: z.array(siteSchema).max(200),
}).superRefine((file, ctx) => {
  checkBudgetWithinLimit(file.options, ctx, ['options']);
  // Rules the matcher would ignore are refused here, where the file's author can be told why.
  file.sites.forEach((site, s) =>
    site.urlRules.forEach((rule, r) => {
      const problem = compileRule(rule);
      if (typeof problem === 'string') ctx.addIssue({ code: 'custom', path: ['sites', s, 'urlRules', r, 'value'], message: problem });
    }),
  );
});

export function exportSettings(settings: Settings | null, sites: Site[]): string {
  const { apiKey: _key, auth: _auth, host, customHost, projectId, ...options } = settings ?? settingsSchema.parse({ host: 'us', customHost: '', projectId: '0', apiKey: 'x' });
  return JSON.stringify({ toolLens: 1, connection: { host, customHost, projectId: settings ? projectId : '' }, options, sites }, null, 2);
}

export type ImportResult = { ok: true; settings: Omit<Settings, 'apiKey' | 'auth'>; sites: Site[] } | { ok: false; errors: string[] };

/** Parses an exported file; every problem is reported with where it is. The current key is kept by the caller. */
export function importSettings(text: string): ImportResult {
  if (new TextEncoder().encode(text).length > MAX_IMPORT_BYTES) return { ok: false, errors: [`The file is larger than ${MAX_IMPORT_BYTES / 1024} KB: not a settings file`] };
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

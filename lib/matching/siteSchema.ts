/**
 * The schemas of a site's rules, for storage, settings import and the options page. Apart from the
 * matcher (toolMatch.ts), which runs on every page of an enabled site and so carries no zod: the
 * content script checks the stored rules with siteConfig.ts's plain guard instead.
 */
import * as z from 'zod/mini';

export const urlRuleSchema = z.object({
  kind: z.enum(['pattern', 'regex']),
  value: z.string().check(z.minLength(1), z.maxLength(300)),
  /** Captured value → tool name, for products whose URLs do not spell the tool's event name. */
  map: z.record(z.string().check(z.maxLength(200)), z.string().check(z.maxLength(200))),
});
export type UrlRule = z.infer<typeof urlRuleSchema>;

export const siteSchema = z.object({
  origin: z.string().check(z.regex(/^https?:\/\/[^/\s]+$/, 'An origin looks like https://tools.example.com')),
  marker: z.nullable(z.object({ selector: z.string().check(z.minLength(1), z.maxLength(300)), attribute: z.string().check(z.maxLength(100)) })),
  urlRules: z.array(urlRuleSchema).check(z.maxLength(50)),
  autoMap: z.boolean(),
  /** The project this site's pages show (staging's, production's); unset: the connection's own. */
  project: z.optional(z.string().check(z.regex(/^\d{1,12}$/, 'A project id is a number, e.g. 12345'))),
});
export type Site = z.infer<typeof siteSchema>;

export const autoMapSchema = z.record(z.string(), z.string());
export type AutoMap = z.infer<typeof autoMapSchema>;

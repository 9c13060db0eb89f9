import { describe, expect, it } from 'vitest';
import { parseSiteConfig } from './siteConfig';
import { siteConfigSchema } from './siteRegistration';

const site = {
  origin: 'https://tools.example.com',
  marker: { selector: 'meta[name=tool]', attribute: 'content' },
  urlRules: [{ kind: 'pattern', value: '/tools/:tool', map: { pdf: 'pdf-to-text' } }],
  autoMap: true,
};
const good = { site, autoMap: { '/tools/pdf': 'pdf-to-text' } };

// Each case changes one thing of a good config: the plain guard must reach zod's verdict, and the same data.
const cases: Array<[string, unknown]> = [
  ['good', good],
  ['no marker, no auto-map', { site: { ...site, marker: null, autoMap: false }, autoMap: null }],
  ['extra keys are dropped', { ...good, extra: 1, site: { ...site, extra: 2, urlRules: [{ ...site.urlRules[0], extra: 3 }] } }],
  ['http origin with a port', { ...good, site: { ...site, origin: 'http://localhost:5173' } }],
  ['origin with a path', { ...good, site: { ...site, origin: 'https://a.example/x' } }],
  ['origin not http', { ...good, site: { ...site, origin: 'ftp://a.example' } }],
  ['origin missing', { ...good, site: { ...site, origin: undefined } }],
  ['marker selector empty', { ...good, site: { ...site, marker: { selector: '', attribute: '' } } }],
  ['marker attribute too long', { ...good, site: { ...site, marker: { selector: 'x', attribute: 'a'.repeat(101) } } }],
  ['marker missing', { ...good, site: { ...site, marker: undefined } }],
  ['rule kind unknown', { ...good, site: { ...site, urlRules: [{ kind: 'glob', value: '/x', map: {} }] } }],
  ['rule value empty', { ...good, site: { ...site, urlRules: [{ kind: 'regex', value: '', map: {} }] } }],
  ['rule value too long', { ...good, site: { ...site, urlRules: [{ kind: 'regex', value: 'a'.repeat(301), map: {} }] } }],
  ['rule map value not text', { ...good, site: { ...site, urlRules: [{ kind: 'regex', value: 'a', map: { a: 1 } }] } }],
  ['rule map key too long', { ...good, site: { ...site, urlRules: [{ kind: 'regex', value: 'a', map: { ['k'.repeat(201)]: 'x' } }] } }],
  ['51 rules', { ...good, site: { ...site, urlRules: Array.from({ length: 51 }, () => site.urlRules[0]) } }],
  ['50 rules', { ...good, site: { ...site, urlRules: Array.from({ length: 50 }, () => site.urlRules[0]) } }],
  ['a project of its own', { ...good, site: { ...site, project: '12346' } }],
  ['project not a number', { ...good, site: { ...site, project: 'staging' } }],
  ['project a JSON number', { ...good, site: { ...site, project: 12346 } }],
  ['autoMap flag not boolean', { ...good, site: { ...site, autoMap: 'yes' } }],
  ['auto-map value not text', { ...good, autoMap: { '/a': 2 } }],
  ['auto-map an array', { ...good, autoMap: ['x'] }],
  ['auto-map missing', { site }],
  ['site an array', { site: [site], autoMap: null }],
  ['not an object', 'site:https://tools.example.com'],
  ['null', null],
];

describe('parseSiteConfig', () => {
  it.each(cases)('%s: agrees with siteConfigSchema', (_name, raw) => {
    const zod = siteConfigSchema.safeParse(raw);
    expect(parseSiteConfig(raw)).toEqual(zod.success ? zod.data : null);
  });
  it('accepts the good config and refuses a broken one (the cases above are not all refusals)', () => {
    expect(parseSiteConfig(good)).toEqual(good);
    expect(parseSiteConfig({ ...good, site: { ...site, origin: 'nope' } })).toBeNull();
  });
});

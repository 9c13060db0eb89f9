import { describe, expect, it } from 'vitest';
import { buildAutoMap, compilePattern, compileRegex, isIdSegment, newSite, normalizePath, originOf, readMarker, resolveTool, type Site } from './toolMatch';

const site = (extra: Partial<Site> = {}): Site => ({ ...newSite('https://tools.example.com'), ...extra });
const rule = (value: string, map: Record<string, string> = {}, kind: 'pattern' | 'regex' = 'pattern') => ({ kind, value, map });
const resolve = (url: string, s: Site | null = site(), autoMap: Record<string, string> | null = null, marker: string | null = null) =>
  resolveTool({ url, marker, site: s, autoMap });

describe('URL patterns', () => {
  it('captures :tool, allows a trailing slash, * for the rest', () => {
    const s = site({ urlRules: [rule('/tools/:tool'), rule('/app/:tool/*')] });
    expect(resolve('https://tools.example.com/tools/pdf-to-text', s)).toEqual({ tool: 'pdf-to-text', rule: 'url-rule', detail: 'URL rule /tools/:tool' });
    expect(resolve('https://tools.example.com/tools/pdf-to-text/?x=1#top', s)?.tool).toBe('pdf-to-text');
    expect(resolve('https://tools.example.com/app/ocr/jobs/123', s)?.tool).toBe('ocr');
    expect(resolve('https://tools.example.com/tools/', s)).toBeNull();
    expect(resolve('https://tools.example.com/tools/a/b', s)).toBeNull();
  });

  it('maps captured values to tool names', () => {
    const s = site({ urlRules: [rule('/t/:tool', { pdf2txt: 'pdf-to-text' })] });
    expect(resolve('https://tools.example.com/t/pdf2txt', s)?.tool).toBe('pdf-to-text');
    expect(resolve('https://tools.example.com/t/other', s)?.tool).toBe('other');
  });

  it("maps only the rule's own values: /tools/constructor is the tool constructor, not Object's", () => {
    const s = site({ urlRules: [rule('/tools/:tool', { pdf2txt: 'pdf-to-text' })] });
    for (const name of ['constructor', '__proto__', 'toString', 'hasOwnProperty', 'valueOf']) {
      expect(resolve(`https://tools.example.com/tools/${name}`, s)).toEqual({ tool: name, rule: 'url-rule', detail: 'URL rule /tools/:tool' });
    }
  });

  it('refuses patterns without :tool or a leading slash', () => {
    expect(compilePattern('tools/:tool')).toMatch(/starts with \//);
    expect(compilePattern('/tools/:name')).toMatch(/needs :tool/);
  });

  it('treats regex characters in a pattern literally', () => {
    const s = site({ urlRules: [rule('/a.b/:tool')] });
    expect(resolve('https://tools.example.com/a.b/x', s)?.tool).toBe('x');
    expect(resolve('https://tools.example.com/aXb/x', s)).toBeNull();
  });
});

describe('regex rules', () => {
  it('uses the named group tool, else the first group', () => {
    expect(resolve('https://tools.example.com/x/news', site({ urlRules: [rule('^/x/(?<tool>[a-z]+)$', {}, 'regex')] }))?.tool).toBe('news');
    expect(resolve('https://tools.example.com/y/news', site({ urlRules: [rule('^/y/([a-z]+)$', {}, 'regex')] }))?.tool).toBe('news');
  });

  it('refuses what a linear-time matcher cannot run, and invalid regexes', () => {
    expect(compileRegex('^(a|b)\\1$')).toMatch(/Backreferences/);
    expect(compileRegex('^/(?=x)(\\w+)')).toMatch(/Lookahead/);
    expect(compileRegex('^([')).toMatch(/Not a valid regex/);
    expect(typeof compileRegex('[(a+)+]')).toBe('object');
    expect(typeof compileRegex('^/t/(?<tool>[a-z-]+)/?$')).toBe('object');
  });

  it('answers at once on hostile paths, even for rules a backtracking engine takes hours over', () => {
    const s = site({ urlRules: [rule('^/(\\w|\\d)+$', {}, 'regex'), rule('^/tools/(.*)-(.*)-(.*)-(.*)-x$', {}, 'regex'), rule('^/(a+)+$', {}, 'regex')] });
    expect(resolve(`https://tools.example.com/${'a'.repeat(200)}!`, s)).toBeNull();
    expect(resolve(`https://tools.example.com/tools/${'-'.repeat(2000)}y`, s)).toBeNull();
    expect(resolve(`https://tools.example.com/${'a'.repeat(2000)}!`, s)).toBeNull();
    // …and still names the tool where they match.
    expect(resolve('https://tools.example.com/tools/pdf-to-text-x', site({ urlRules: [rule('^/tools/(.*)-(.*)-(.*)-x$', {}, 'regex')] }))?.tool).toBe('pdf');
  });

  it('does not run URL rules on paths longer than 2048 characters', () => {
    const s = site({ urlRules: [rule('/tools/:tool'), rule('^/long/(?<tool>[a-z]+)/.*$', {}, 'regex')] });
    expect(resolve(`https://tools.example.com/long/ocr/${'x'.repeat(2048 - 10)}`, s)?.tool).toBe('ocr');
    expect(resolve(`https://tools.example.com/long/ocr/${'x'.repeat(2048)}`, s)).toBeNull();
    expect(resolve(`https://tools.example.com/tools/${'y'.repeat(3000)}`, s)).toBeNull();
  });
});

describe('auto-mapping', () => {
  it('normalises paths: no query or hash, no trailing slash, ids as :id', () => {
    expect(normalizePath('/tools/pdf-to-text/?a=1#b')).toBe('/tools/pdf-to-text');
    expect(normalizePath('/jobs/12345/result')).toBe('/jobs/:id/result');
    expect(normalizePath('/j/3f2b8c1e-9a0d-4c1e-8b7a-1234567890ab')).toBe('/j/:id');
    expect(normalizePath('/r/9f86d081884c7d65')).toBe('/r/:id');
    expect(normalizePath('/')).toBe('/');
    expect(normalizePath('/tools/news-analyzer')).toBe('/tools/news-analyzer');
  });

  it('finds id-like segments exactly as the four regexes it stands for would', () => {
    const REFERENCE = [/^\d+$/, /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i, /^[0-9a-f]{12,}$/i, /^(?=.*\d)[A-Za-z0-9_-]{20,}$/];
    const byRegex = (s: string) => REFERENCE.some((r) => r.test(s));
    // Segments near each rule's edges, then random ones (a fixed seed) from an alphabet that crosses every class.
    const uuid = '3f2b8c1e-9a0d-4c1e-8b7a-1234567890ab';
    const crafted = [
      '',
      '0',
      '٣',
      '123',
      '12a',
      'deadbeefcafe',
      'deadbeefcaf',
      'DEADBEEFCAFE0',
      'deadbeefcafg',
      uuid,
      uuid.toUpperCase(),
      uuid.replace(/-/g, 'a').slice(0, 36),
      `${uuid.slice(0, 8)}x${uuid.slice(9)}`,
      `${uuid}0`,
      uuid.slice(1),
      'abcdefab-abcd-abcd-abcd-abcdefabcdef',
      'x'.repeat(20),
      'x'.repeat(19) + '1',
      'xyz_-'.repeat(4),
      'a'.repeat(19) + '1',
      'a'.repeat(20),
      'a'.repeat(19) + '_1',
      'a_b-c'.repeat(4) + '9',
      'a'.repeat(25) + '.1',
      'a'.repeat(25) + '\n1',
      `${'a'.repeat(22)}é1`,
    ];
    const alphabet = '0123456789abcdefABCDEFgGxyzXYZ-_.%~é٣\n ';
    // mulberry32: 32-bit integer steps, so no precision is lost as it runs.
    let seed = 42;
    const next = () => {
      seed = (seed + 0x6d2b79f5) | 0;
      let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
      t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
      return (t ^ (t >>> 14)) >>> 0;
    };
    const random = Array.from({ length: 5000 }, () => Array.from({ length: next() % 40 }, () => alphabet[next() % alphabet.length]).join(''));
    // uuid-shaped, mostly without digits: one with a digit is a long token too.
    const shapes = Array.from({ length: 2000 }, (_, i) => {
      const chars = i % 2 ? 'abcdefABCDEFgG' : 'abcdefABCDEFgG0';
      return [8, 4, 4, 4, 12].map((n) => Array.from({ length: n }, () => chars[next() % chars.length]).join('')).join('-');
    });
    const all = [...crafted, ...random, ...shapes];
    expect(all.filter((s) => isIdSegment(s) !== byRegex(s))).toEqual([]);
    // The corpus reaches both answers of every rule.
    expect(REFERENCE.map((r) => [all.some((s) => r.test(s)), all.some((s) => !r.test(s))])).toEqual(REFERENCE.map(() => [true, true]));
  });

  it('builds the table from the data, the most viewed tool winning a path', () => {
    const map = buildAutoMap([
      { path: '/tools/pdf', tool: 'pdf-to-text', views: 10 },
      { path: '/tools/pdf/', tool: 'legacy', views: 2 },
      { path: '/jobs/1', tool: 'jobs', views: 3 },
      { path: '/x', tool: '<script>', views: 99 },
      { path: '/y', tool: 'two\nlines', views: 99 },
    ]);
    // A name with markup is a name (shown as text); one no event could carry as text is not.
    expect(map).toEqual({ '/tools/pdf': 'pdf-to-text', '/jobs/:id': 'jobs', '/x': '<script>' });
  });

  it('finds the tool with no rules at all, and nothing on other pages', () => {
    const map = buildAutoMap([
      { path: '/tools/pdf-to-text', tool: 'pdf-to-text', views: 1 },
      { path: '/jobs/1', tool: 'jobs', views: 1 },
    ]);
    expect(resolve('https://tools.example.com/tools/pdf-to-text/', site(), map)).toEqual({ tool: 'pdf-to-text', rule: 'auto-map', detail: 'auto-mapping' });
    expect(resolve('https://tools.example.com/jobs/987', site(), map)?.tool).toBe('jobs');
    expect(resolve('https://tools.example.com/about', site(), map)).toBeNull();
    expect(resolve('https://tools.example.com/tools/pdf-to-text', site({ autoMap: false }), map)).toBeNull();
    expect(resolve('https://tools.example.com/constructor', site(), map)).toBeNull();
  });
});

describe('priority and markers', () => {
  const map = { '/tools/a': 'from-data' };
  const s = site({ urlRules: [rule('/tools/:tool')] });
  it('marker, then URL rules, then auto-mapping', () => {
    expect(resolve('https://tools.example.com/tools/a', s, map, 'from-marker')).toMatchObject({ tool: 'from-marker', rule: 'marker' });
    expect(resolve('https://tools.example.com/tools/a', s, map)).toMatchObject({ tool: 'a', rule: 'url-rule' });
    expect(resolve('https://tools.example.com/tools/a', site(), map)).toMatchObject({ tool: 'from-data', rule: 'auto-map' });
  });

  it('ignores an unusable marker and falls back', () => {
    expect(resolve('https://tools.example.com/tools/a', s, null, 'two\nlines')).toMatchObject({ tool: 'a', rule: 'url-rule' });
    expect(resolve('https://tools.example.com/tools/a', s, null, '   ')).toMatchObject({ rule: 'url-rule' });
  });

  it('reads the meta marker, else the site selector (attribute or text)', () => {
    document.head.innerHTML = '';
    document.body.innerHTML = '<div data-tool="ocr" class="t">  text-tool </div>';
    expect(readMarker(document, site({ marker: { selector: '[data-tool]', attribute: 'data-tool' } }))).toBe('ocr');
    expect(readMarker(document, site({ marker: { selector: '.t', attribute: '' } }))?.trim()).toBe('text-tool');
    expect(readMarker(document, site({ marker: { selector: '[[[', attribute: '' } }))).toBeNull();
    document.head.innerHTML = '<meta name="tool-lens:tool" content="meta-tool">';
    expect(readMarker(document, site({ marker: { selector: '[data-tool]', attribute: 'data-tool' } }))).toBe('meta-tool');
    expect(readMarker(document, null)).toBe('meta-tool');
  });
});

describe('names as the events spell them', () => {
  it("accepts quotes, braces and markup in a tool's name, from the marker, a URL rule or auto-mapping", () => {
    const name = `o'reilly "quote" {tool}`;
    const s = site({ urlRules: [rule('/tools/:tool')] });
    expect(resolve('https://tools.example.com/x', s, {}, name)?.tool).toBe(name);
    expect(resolve(`https://tools.example.com/tools/${encodeURIComponent(name)}`, s)?.tool).toBe(name);
    expect(
      buildAutoMap([
        { path: '/t/quoted', tool: name, views: 3 },
        { path: '/t/markup', tool: '<b class="x">', views: 1 },
      ]),
    ).toEqual({ '/t/quoted': name, '/t/markup': '<b class="x">' });
  });
});

describe('hostile input', () => {
  it('handles unicode, bad encoding, huge paths and non-URLs', () => {
    const s = site({ urlRules: [rule('/tools/:tool')] });
    expect(resolve('https://tools.example.com/tools/caf%C3%A9', s)?.tool).toBe('café');
    expect(resolve('https://tools.example.com/tools/%E0%A4%A', s)).toBeNull();
    // A name is data: markup and quotes are kept (the card shows text; queries take placeholders).
    expect(resolve('https://tools.example.com/tools/a%22%3E%3Cscript%3E', s)?.tool).toBe('a"><script>');
    expect(resolve(`https://tools.example.com/tools/${'x'.repeat(200)}`, s)?.tool).toHaveLength(200);
    expect(resolve(`https://tools.example.com/tools/${'x'.repeat(201)}`, s)).toBeNull();
    expect(resolve('https://tools.example.com/tools/a%0Ab', s)).toBeNull();
    expect(resolve('https://tools.example.com/tools/%20x', s)).toBeNull();
    expect(resolve(`https://tools.example.com/${'a/'.repeat(200_000)}`, s, { '/a': 'x' })).toBeNull();
    expect(resolve('not a url', s)).toBeNull();
    expect(originOf('javascript:alert(1)')).toBeNull();
    expect(originOf('https://a.example:8443/x?y')).toBe('https://a.example:8443');
  });
});

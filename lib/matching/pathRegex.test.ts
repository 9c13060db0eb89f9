import { describe, expect, it } from 'vitest';
import { compilePathRegex, MAX_PROGRAM, type PathRegex } from './pathRegex';

const compiled = (source: string): PathRegex => {
  const out = compilePathRegex(source);
  if (typeof out === 'string') throw new Error(`${source}: ${out}`);
  return out;
};
/** What a rule reads from RegExp.prototype.exec: the `tool` group, else group 1. */
const native = (source: string, path: string) => {
  const m = new RegExp(source, 'u').exec(path);
  return m ? { capture: m.groups?.tool ?? m[1] } : null;
};

describe('URL rule regexes run in linear time', () => {
  // Each of these takes JavaScript's backtracking engine seconds to hours on these paths.
  const CATASTROPHIC = ['^/(\\w|\\d)+$', '^/tools/(.*)-(.*)-(.*)-(.*)-x$', '^(a+)+$', '^/(a|a)*$', '^/((ab)*c)+$', '^/(\\w*)*x', '^/([a-z]+-?)*$', '(x+x+)+y'];
  const HOSTILE = ['/' + 'a'.repeat(2047) + '!', '/tools/' + '-'.repeat(2000) + 'y', '/' + 'ab'.repeat(1000) + '!', '/' + '1a'.repeat(1000) + '%'];

  it('answers every catastrophic pattern on 2 KB hostile paths within (length + 1) × 2 × program steps', () => {
    for (const source of CATASTROPHIC) {
      const regex = compiled(source);
      for (const path of HOSTILE) {
        const stats = { steps: 0 };
        expect(regex.exec(path, stats), `${source} on ${path.slice(0, 20)}…`).toBeNull();
        expect(stats.steps).toBeLessThanOrEqual((path.length + 1) * 2 * regex.size);
      }
    }
  });

  it('still matches what those patterns should match, capturing as JavaScript does', () => {
    const cases: Array<[string, string]> = [
      ['^/(\\w|\\d)+$', '/abc123'],
      ['^/tools/(.*)-(.*)-(.*)-(.*)-x$', '/tools/a-b-c-d-e-x'],
      ['^(a+)+$', 'aaaa'],
      ['^/((ab)*c)+$', '/abcabc'],
      ['^/([a-z]+-?)*$', '/pdf-to-text'],
    ];
    for (const [source, path] of cases) expect(compiled(source).exec(path), source).toEqual(native(source, path));
  });

  it('keeps its work per character bounded: the program may not grow past MAX_PROGRAM', () => {
    expect(compilePathRegex('^/(a{1,500}){1,500}$')).toMatch(/too large/);
    expect(compilePathRegex('^/[a-z]{2000}$')).toMatch(/Repeat counts above 600 are not allowed/);
    expect(compiled('^/[a-z]{1,100}/(?<tool>[^/]+)$').size).toBeLessThanOrEqual(MAX_PROGRAM);
  });
});

describe('the rule language', () => {
  it('refuses what only backtracking can run, and invalid syntax, saying why', () => {
    expect(compilePathRegex('^(a|b)\\1$')).toMatch(/Backreferences/);
    expect(compilePathRegex('^(?<x>a)\\k<x>$')).toMatch(/Backreferences/);
    expect(compilePathRegex('^/(?=tools)(\\w+)')).toMatch(/Lookahead and lookbehind/);
    expect(compilePathRegex('^/(?!x)(\\w+)')).toMatch(/Lookahead and lookbehind/);
    expect(compilePathRegex('(?<=/t/)(\\w+)')).toMatch(/Lookahead and lookbehind/);
    expect(compilePathRegex('(?<!/t/)(\\w+)')).toMatch(/Lookahead and lookbehind/);
    expect(compilePathRegex('^/(\\p{L}+)$')).toMatch(/property escapes/);
    expect(compilePathRegex('^([')).toMatch(/Not a valid regex/);
    expect(compilePathRegex('^/x{')).toMatch(/Not a valid regex/);
    expect(compilePathRegex('x'.repeat(301))).toMatch(/under 300/);
  });

  it('captures what RegExp.prototype.exec captures, over a corpus of rules and paths', () => {
    const rules = [
      '^/t/(?<tool>[a-z-]+)/?$',
      '^/y/([a-z]+)$',
      '^/app/(?<tool>[^/]+)(?:/.*)?$',
      '/tools/([^/?#]+)',
      '^/(?:en|de)/tools/(?<tool>[\\w-]+)',
      '^/([a-z]+)/(?<tool>[a-z]+)$',
      '^/x/(a|ab)(c|bcd)(d*)$',
      '^/(a*?)(a*)$',
      '^/(.+?)-(.+)$',
      '^/(.+)-(.+?)$',
      '^/(?:(a)|b)+$',
      '^/((a)|b)+$',
      '\\b(\\w+)\\b$',
      '^/\\B(\\w+)',
      '^/(\\d{2,4})(\\d*)$',
      '^/([^\\d\\s]{1,3}?)(.*)$',
      '^/(\\u{1F600}|\\uD83D\\uDE01)(.*)$',
      '^/(\\x41|\\u0042|\\cJ|\\t)?(.*)$',
      '^/tools/(?<tool>[a-z0-9-]+)(?:\\.html)?$',
      '(\\.)(\\/)([\\-\\]])',
      '^/([.])(\\S+)$',
      '^/()(x?)$',
      '^/(a|)+b$',
      '^/(?:a|(b))*$',
      '(?<tool>[^/]+)$',
      '^/(x)(?<tool>y)?$',
    ];
    const paths = [
      '/t/pdf-to-text',
      '/t/pdf-to-text/',
      '/y/news',
      '/app/ocr/jobs/1',
      '/app/ocr',
      '/tools/news?x',
      '/de/tools/pdf_2',
      '/en/tools/x-y',
      '/abc/def',
      '/x/abcd',
      '/x/abcdd',
      '/aaa',
      '/a-b-c',
      '/ab',
      '/aab',
      '/ba',
      '/b',
      '/',
      '/12345',
      '/1',
      '/ab12',
      '/😀tail',
      '/😁',
      '/A.',
      '/\ttab',
      '/x',
      '/xy',
      '/a.b/c',
      './-',
      './]',
      '/.dots',
      '/bbab',
      '/aab',
      '/é/ü',
      '/%E2%82%AC',
    ];
    for (const rule of rules) {
      const regex = compiled(rule);
      for (const path of paths) expect(regex.exec(path), `${rule} on ${path}`).toEqual(native(rule, path));
    }
  });
});

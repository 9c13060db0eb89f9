import { describe, expect, it } from 'vitest';
import { matchPatternFor, MAX_TOOL_PATHS, parseSites, planScripts, siteConfigs, syncRegistration, toolPathPatterns } from './siteRegistration';
import { fakeRegistration } from '../testing/registration';
import type { RegistrationApi } from './siteRegistration';
import type { AutoMap, Site } from './siteSchema';
import { newSite } from './toolMatch';

describe('sites', () => {
  it('keeps valid, unique sites and drops the rest', () => {
    const sites = parseSites([
      newSite('https://a.example'),
      { origin: 'javascript:alert(1)' },
      newSite('https://a.example'),
      'x',
      newSite('http://127.0.0.1:8020'),
    ]);
    expect(sites.map((s) => s.origin)).toEqual(['https://a.example', 'http://127.0.0.1:8020']);
    expect(parseSites('nope')).toEqual([]);
  });

  it('asks for and matches the host on any port', () => {
    expect(matchPatternFor('http://127.0.0.1:8020')).toBe('http://127.0.0.1/*');
    expect(matchPatternFor('https://tools.example.com')).toBe('https://tools.example.com/*');
  });

  it('registers on permitted sites only, updates on change and unregisters when none is left', async () => {
    const { api, calls } = fakeRegistration(['https://a.example/*', 'https://b.example/*']);
    const anywhere = { ...newSite('https://a.example'), autoMap: false, marker: { selector: '[data-tool]', attribute: 'data-tool' } };
    await syncRegistration([anywhere, newSite('https://nope.example')], null, api);
    await syncRegistration([anywhere, newSite('https://nope.example')], null, api);
    await syncRegistration([anywhere, { ...anywhere, origin: 'https://b.example' }], null, api);
    await syncRegistration([], null, api);
    expect(calls).toEqual([
      'register tool-lens-card https://a.example/*',
      'update tool-lens-card https://a.example/* https://b.example/*',
      'unregister tool-lens-card',
    ]);
  });

  it("registers the matcher on the paths where the rules can name a tool and the watcher on the rest, and follows the auto-map's changes", async () => {
    const { api, calls, current } = fakeRegistration(['https://a.example/*']);
    const site = { ...newSite('https://a.example'), urlRules: [{ kind: 'pattern' as const, value: '/app/:tool', map: {} }] };
    await syncRegistration([site], { '/tools/news-analyzer': 'news-analyzer', '/tools/pdf/:id': 'pdf-to-text', '/convert': 'converter' }, api);
    const toolPages = ['https://a.example//*', 'https://a.example/app*', 'https://a.example/convert*', 'https://a.example/tools*'];
    expect(Object.fromEntries(current)).toEqual({
      'tool-lens-card': { id: 'tool-lens-card', file: 'matcher.js', matches: toolPages, excludeMatches: [] },
      'tool-lens-watch': { id: 'tool-lens-watch', file: 'watcher.js', matches: ['https://a.example/*'], excludeMatches: toolPages },
    });
    // Same table again, in another order: nothing to do. A new tool path: the matcher takes it, then the watcher leaves it.
    await syncRegistration([site], { '/convert': 'converter', '/app/x': 'x', '/tools/a': 'a' }, api);
    expect(calls).toHaveLength(2);
    await syncRegistration([site], { '/convert': 'converter', '/tools/a': 'a', '/reports/z': 'z' }, api);
    expect(calls.slice(2)).toEqual([
      'update tool-lens-card https://a.example//* https://a.example/app* https://a.example/convert* https://a.example/reports* https://a.example/tools*',
      'update tool-lens-watch https://a.example/* -https://a.example//* -https://a.example/app* -https://a.example/convert* -https://a.example/reports* -https://a.example/tools*',
    ]);
    // No auto-map table yet (PostHog not asked, or failing): the matcher on every page, the watcher gone.
    await syncRegistration([site], null, api);
    expect(calls.slice(4)).toEqual([
      'update tool-lens-card https://a.example/* https://a.example//* https://a.example/app* https://a.example/convert* https://a.example/reports* https://a.example/tools*',
      'unregister tool-lens-watch',
      'update tool-lens-card https://a.example/*',
    ]);
  });

  it('leaves no page of an enabled site without a script at any step of a change, whichever way the tool paths move', async () => {
    const { api, current } = fakeRegistration(['https://a.example/*', 'https://b.example/*']);
    const pages = ['/', '/?q=1', '/about', '/tools/a', '/tools', '/reports/z?x=1', '//tools/a', '/app/x', '/home/tools'].flatMap((path) => [
      `https://a.example${path}`,
      `https://b.example${path}`,
    ]);
    /** Chromium's and Firefox's match patterns on a URL: the scheme and host exact, `*` anything in the path and query. */
    const matches = (pattern: string, url: string) => {
      const [, scheme, host, path] = /^(\w+):\/\/([^/]+)(\/.*)$/.exec(pattern)!;
      const u = new URL(url);
      const glob = new RegExp(
        `^${path!
          .split('*')
          .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
          .join('.*')}$`,
      );
      return u.protocol === `${scheme}:` && u.hostname === host && glob.test(u.pathname + u.search);
    };
    const a = newSite('https://a.example');
    const b = newSite('https://b.example');
    const uncovered: string[] = [];
    /** The hosts enabled both before and after the change under way: their pages must keep a script throughout. */
    let kept: string[] = [];
    const check = (step: string) => {
      for (const url of pages) {
        if (!kept.includes(new URL(url).hostname)) continue;
        const covered = [...current.values()].some((s) => s.matches.some((m) => matches(m, url)) && !s.excludeMatches.some((m) => matches(m, url)));
        if (!covered) uncovered.push(`${step}: ${url}`);
      }
    };
    const watched: RegistrationApi = {
      ...api,
      register: async (s) => (await api.register(s), check(`register ${s.id}`)),
      update: async (s) => (await api.update(s), check(`update ${s.id}`)),
      unregister: async (id) => (await api.unregister(id), check(`unregister ${id}`)),
    };
    const steps: Array<[Site[], AutoMap | null]> = [
      [[a], null],
      [[a], { '/tools/a': 'a' }],
      [[a, b], { '/reports/z': 'z' }],
      [[a, b], { '/': 'home', '/app/x': 'x' }],
      [[{ ...a, marker: { selector: 'h1', attribute: '' } }, b], { '/tools/a': 'a' }],
      [[a, b], { '/tools/a': 'a' }],
      [[b], {}],
      [[a], { '/tools/a': 'a', '/reports/z': 'z' }],
    ];
    let before: Site[] = [];
    for (const [sites, map] of steps) {
      kept = sites.filter((s) => before.some((o) => o.origin === s.origin)).map((s) => new URL(s.origin).hostname);
      await syncRegistration(sites, map, watched);
      before = sites;
    }

    expect(uncovered).toEqual([]);
    expect(current.size).toBe(2);
  });

  it('puts the matcher on the whole host when the browser refuses a pattern made of the paths, and says why', async () => {
    const { api, calls } = fakeRegistration(['https://a.example/*']);
    const refusing = {
      ...api,
      register: (s: Parameters<typeof api.register>[0]) =>
        s.matches.some((m) => m.includes('tools')) ? Promise.reject(new Error('Invalid url pattern')) : api.register(s),
    };
    await expect(syncRegistration([newSite('https://a.example')], { '/tools/a': 'a' }, refusing)).rejects.toThrow('Invalid url pattern');
    expect(calls).toEqual(['register tool-lens-card https://a.example/*']);
  });

  it('puts the matcher on every page of a host where a tool can be named anywhere, or only by a marker', () => {
    const site = newSite('https://a.example');
    const map = { '/tools/a': 'a' };
    expect(toolPathPatterns(site, map)).toEqual(['/tools*']);
    expect(toolPathPatterns(site, { '/': 'home', '/tools/a': 'a' })).toEqual(['/', '/?*', '/tools*']);
    expect(toolPathPatterns({ ...site, autoMap: false }, map)).toEqual([]);
    // The site's own marker selector, a regex rule, a rule or path without a fixed first segment, or not yet any table.
    expect(toolPathPatterns({ ...site, marker: { selector: 'h1', attribute: '' } }, map)).toBe('all');
    expect(toolPathPatterns({ ...site, urlRules: [{ kind: 'regex', value: '^/t/(?<tool>[^/]+)$', map: {} }] }, map)).toBe('all');
    expect(toolPathPatterns({ ...site, urlRules: [{ kind: 'pattern', value: '/:tool', map: {} }] }, map)).toBe('all');
    expect(toolPathPatterns({ ...site, urlRules: [{ kind: 'pattern', value: '/*/:tool', map: {} }] }, map)).toBe('all');
    expect(toolPathPatterns(site, { '/:id/edit': 'editor' })).toBe('all');
    expect(toolPathPatterns(site, { '/caf\u00e9/x': 'x' })).toBe('all');
    expect(toolPathPatterns(site, null)).toBe('all');
    expect(toolPathPatterns(site, Object.fromEntries(Array.from({ length: MAX_TOOL_PATHS + 1 }, (_, i) => [`/t${i}`, 'x'])))).toBe('all');
    expect(toolPathPatterns(site, Object.fromEntries(Array.from({ length: MAX_TOOL_PATHS }, (_, i) => [`/t${i}`, 'x'])))).toHaveLength(MAX_TOOL_PATHS);

    // Sites of one host (ports apart) share its registration: one that needs every page has it for both.
    const hosts = ['http://127.0.0.1/*'];
    const one = newSite('http://127.0.0.1:8020');
    const two = { ...newSite('http://127.0.0.1:8030'), autoMap: false, urlRules: [{ kind: 'pattern' as const, value: '/app/:tool', map: {} }] };
    expect(planScripts([one, two], map, hosts).map((s) => [s.id, s.matches, s.excludeMatches])).toEqual([
      ['tool-lens-card', ['http://127.0.0.1//*', 'http://127.0.0.1/app*', 'http://127.0.0.1/tools*'], []],
      ['tool-lens-watch', ['http://127.0.0.1/*'], ['http://127.0.0.1//*', 'http://127.0.0.1/app*', 'http://127.0.0.1/tools*']],
    ]);
    expect(planScripts([one, { ...two, marker: { selector: 'h1', attribute: '' } }], map, hosts).map((s) => [s.id, s.matches])).toEqual([
      ['tool-lens-card', ['http://127.0.0.1/*']],
    ]);
    // A host with no tool path at all (only the page marker names them, on every tool page): the matcher on all of it.
    expect(planScripts([{ ...one, autoMap: false }], map, hosts).map((s) => [s.id, s.matches])).toEqual([['tool-lens-card', ['http://127.0.0.1/*']]]);
  });

  it('publishes each site its rules, with the auto-map only where enabled, and clears removed ones', () => {
    const map = { '/tools/a': 'a' };
    const { entries, remove } = siteConfigs([newSite('https://a.example'), { ...newSite('https://b.example'), autoMap: false }], map, [
      'https://old.example',
      'https://a.example',
    ]);
    expect(entries['https://a.example']?.autoMap).toEqual(map);
    expect(entries['https://b.example']?.autoMap).toBeNull();
    expect(remove).toEqual(['https://old.example']);
  });
});

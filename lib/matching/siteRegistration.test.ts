import { describe, expect, it } from 'vitest';
import { matchPatternFor, MAX_TOOL_PREFIXES, parseSites, planScripts, siteConfigs, syncRegistration, toolPathPrefixes } from './siteRegistration';
import { fakeRegistration } from '../testing/registration';
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
    expect(Object.fromEntries(current)).toEqual({
      'tool-lens-card': {
        id: 'tool-lens-card',
        file: 'matcher.js',
        matches: ['https://a.example/app*', 'https://a.example/convert*', 'https://a.example/tools*'],
        excludeMatches: [],
      },
      'tool-lens-watch': {
        id: 'tool-lens-watch',
        file: 'watcher.js',
        matches: ['https://a.example/*'],
        excludeMatches: ['https://a.example/app*', 'https://a.example/convert*', 'https://a.example/tools*'],
      },
    });
    // Same table again: nothing to do. A new tool path: both scripts follow it.
    await syncRegistration([site], { '/convert': 'converter', '/app/x': 'x', '/tools/a': 'a' }, api);
    expect(calls).toHaveLength(2);
    await syncRegistration([site], { '/convert': 'converter', '/tools/a': 'a', '/reports/z': 'z' }, api);
    expect(calls.slice(2)).toEqual([
      'update tool-lens-card https://a.example/app* https://a.example/convert* https://a.example/reports* https://a.example/tools*',
      'update tool-lens-watch https://a.example/* -https://a.example/app* -https://a.example/convert* -https://a.example/reports* -https://a.example/tools*',
    ]);
    // No auto-map table yet (PostHog not asked, or failing): the matcher on every page, the watcher gone.
    await syncRegistration([site], null, api);
    expect(calls.slice(4)).toEqual(['update tool-lens-card https://a.example/*', 'unregister tool-lens-watch']);
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

  it('puts the matcher on every page of a host where a tool can be named anywhere', () => {
    const site = newSite('https://a.example');
    const map = { '/tools/a': 'a' };
    expect(toolPathPrefixes(site, map)).toEqual(['/tools']);
    expect(toolPathPrefixes({ ...site, autoMap: false }, map)).toEqual([]);
    // The site's own marker selector, a regex rule, a rule or path without a fixed first segment, or not yet any table.
    expect(toolPathPrefixes({ ...site, marker: { selector: 'h1', attribute: '' } }, map)).toBe('all');
    expect(toolPathPrefixes({ ...site, urlRules: [{ kind: 'regex', value: '^/t/(?<tool>[^/]+)$', map: {} }] }, map)).toBe('all');
    expect(toolPathPrefixes({ ...site, urlRules: [{ kind: 'pattern', value: '/:tool', map: {} }] }, map)).toBe('all');
    expect(toolPathPrefixes({ ...site, urlRules: [{ kind: 'pattern', value: '/*/:tool', map: {} }] }, map)).toBe('all');
    expect(toolPathPrefixes(site, { '/': 'home' })).toBe('all');
    expect(toolPathPrefixes(site, { '/:id/edit': 'editor' })).toBe('all');
    expect(toolPathPrefixes(site, { '/caf\u00e9/x': 'x' })).toBe('all');
    expect(toolPathPrefixes(site, null)).toBe('all');
    expect(toolPathPrefixes(site, Object.fromEntries(Array.from({ length: MAX_TOOL_PREFIXES + 1 }, (_, i) => [`/t${i}`, 'x'])))).toBe('all');
    expect(toolPathPrefixes(site, Object.fromEntries(Array.from({ length: MAX_TOOL_PREFIXES }, (_, i) => [`/t${i}`, 'x'])))).toHaveLength(MAX_TOOL_PREFIXES);

    // Sites of one host (ports apart) share its registration: one that needs every page has it for both.
    const hosts = ['http://127.0.0.1/*'];
    const one = newSite('http://127.0.0.1:8020');
    const two = { ...newSite('http://127.0.0.1:8030'), autoMap: false, urlRules: [{ kind: 'pattern' as const, value: '/app/:tool', map: {} }] };
    expect(planScripts([one, two], map, hosts).map((s) => [s.id, s.matches, s.excludeMatches])).toEqual([
      ['tool-lens-card', ['http://127.0.0.1/app*', 'http://127.0.0.1/tools*'], []],
      ['tool-lens-watch', ['http://127.0.0.1/*'], ['http://127.0.0.1/app*', 'http://127.0.0.1/tools*']],
    ]);
    expect(planScripts([one, { ...two, marker: { selector: 'h1', attribute: '' } }], map, hosts).map((s) => [s.id, s.matches])).toEqual([
      ['tool-lens-card', ['http://127.0.0.1/*']],
    ]);
    // A host with no tool path at all (only the page marker can name one): the watcher alone.
    expect(planScripts([{ ...one, autoMap: false }], map, hosts).map((s) => [s.id, s.matches, s.excludeMatches])).toEqual([
      ['tool-lens-watch', ['http://127.0.0.1/*'], []],
    ]);
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

import { describe, expect, it } from 'vitest';
import { matchPatternFor, parseSites, siteConfigs, syncRegistration } from './siteRegistration';
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
    await syncRegistration([newSite('https://a.example'), newSite('https://nope.example')], api);
    await syncRegistration([newSite('https://a.example'), newSite('https://nope.example')], api);
    await syncRegistration([newSite('https://a.example'), newSite('https://b.example')], api);
    await syncRegistration([], api);
    expect(calls).toEqual(['register https://a.example/*', 'update https://a.example/* https://b.example/*', 'unregister']);
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

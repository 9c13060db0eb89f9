import { describe, expect, it } from 'vitest';
import { newSite } from '../matching/toolMatch';
import { sitesItem } from '../storage/items';
import { memoryStore } from '../storage/store';
import { createSiteAccess } from './siteAccess';

/** The browser's permissions as a set of granted patterns; `grant` says what the user answers. */
function permissions(grant = true) {
  const granted = new Set<string>(['http://localhost/*']);
  const asked: string[][] = [];
  return {
    granted,
    asked,
    api: {
      request: async ({ origins = [] }: { origins?: string[] }) => {
        asked.push(origins);
        if (grant) origins.forEach((o) => granted.add(o));
        return grant;
      },
      remove: async ({ origins }: { origins: string[] }) => origins.every((o) => granted.delete(o)),
    },
  };
}

describe('site access', () => {
  it('enables a site with its host permission, and gives the permission back when no site needs it', async () => {
    const store = memoryStore();
    const perms = permissions();
    const access = createSiteAccess({ store, permissions: perms.api });
    expect(await access.enable('https://tools.example.com')).toBeNull();
    expect(await access.enable('https://tools.example.com:8443')).toBeNull();
    expect((await store.get(sitesItem)).map((s) => s.origin)).toEqual(['https://tools.example.com', 'https://tools.example.com:8443']);
    expect(perms.granted.has('https://tools.example.com/*')).toBe(true);
    // Both ports share one pattern: it stays until the last of them goes.
    await access.disable('https://tools.example.com');
    expect(perms.granted.has('https://tools.example.com/*')).toBe(true);
    await access.disable('https://tools.example.com:8443');
    expect(perms.granted.has('https://tools.example.com/*')).toBe(false);
    expect(await store.get(sitesItem)).toEqual([]);
  });

  it('stores nothing when the permission is refused, and says so', async () => {
    const store = memoryStore();
    const access = createSiteAccess({ store, permissions: permissions(false).api });
    expect(await access.enable('https://tools.example.com')).toMatch(
      /Permission for https:\/\/tools\.example\.com\/\* was not granted, so Tool Lens cannot look for tool pages/,
    );
    expect(await access.save([], [newSite('https://a.example.com')])).toMatch(/was not granted, so the site was not added/);
    expect(await store.get(sitesItem)).toEqual([]);
  });

  it('saves a list: asks only for the hosts it adds, releases the ones it drops', async () => {
    const store = memoryStore();
    const perms = permissions();
    const access = createSiteAccess({ store, permissions: perms.api });
    const a = newSite('https://a.example.com');
    const b = newSite('https://b.example.com');
    expect(await access.save([], [a])).toBeNull();
    expect(await access.save([a], [a, b])).toBeNull();
    expect(perms.asked).toEqual([['https://a.example.com/*'], ['https://b.example.com/*']]);
    expect(await access.save([a, b], [b])).toBeNull();
    expect([...perms.granted].sort()).toEqual(['http://localhost/*', 'https://b.example.com/*']);
    expect((await store.get(sitesItem)).map((s) => s.origin)).toEqual(['https://b.example.com']);
  });

  it("keeps a host permission a site in force still needs (an organisation's policy lists its own sites)", async () => {
    const store = memoryStore();
    const perms = permissions();
    const policySite = newSite('https://tools.example.com:8443');
    const access = createSiteAccess({ store, permissions: perms.api, sitesInForce: async () => [...(await store.get(sitesItem)), policySite] });
    expect(await access.enable('https://tools.example.com')).toBeNull();
    await access.disable('https://tools.example.com');
    // The user's own list is empty again, but the policy's site on the same host keeps the pattern.
    expect(await store.get(sitesItem)).toEqual([]);
    expect(perms.granted.has('https://tools.example.com/*')).toBe(true);
  });
});

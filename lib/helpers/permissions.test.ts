import { describe, expect, it, vi } from 'vitest';
import { requestOrigins, requestPermission } from './permissions';

describe('permission requests', () => {
  it('says nothing when granted, and names the hosts and what needs them when not', async () => {
    expect(await requestOrigins({ request: async () => true }, ['https://a.example/*'], 'the site was not added')).toBeNull();
    expect(await requestOrigins({ request: async () => false }, ['https://a.example/*', 'https://b.example/*'], 'the site was not added')).toBe(
      'Permission for https://a.example/*, https://b.example/* was not granted, so the site was not added.',
    );
  });

  it('turns a refused request (Firefox: an undeclared origin, no user gesture) into a message', async () => {
    const request = vi.fn(async () => {
      throw new Error('Cannot request origin permission for http://x/* since it was not declared in the manifest');
    });
    expect(await requestOrigins({ request }, ['http://x/*'], 'the settings were not saved')).toMatch(
      /^Tool Lens could not ask for permission for http:\/\/x\/\* \(Cannot request origin permission .*\), so the settings were not saved\.$/,
    );
    expect(await requestPermission({ request }, 'notifications', 'notifications stay off')).toMatch(
      /could not ask for the notifications permission .*, so notifications stay off\.$/,
    );
  });

  it('asks at once, in the same turn as the click that called it', () => {
    const request = vi.fn(async () => true);
    void requestOrigins({ request }, ['https://a.example/*'], 'x');
    expect(request).toHaveBeenCalledWith({ origins: ['https://a.example/*'] });
  });
});

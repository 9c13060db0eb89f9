// @vitest-environment node
/**
 * The sign-in's tokens as the worker keeps them: a renewal never writes back tokens the user signed
 * out of, a 429 from PostHog is a wait (not the end of the sign-in), and the token request follows no
 * redirect (it carries the refresh token).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { signInItem, type StoredSignIn } from '../storage/items';
import { memoryStore } from '../storage/store';
import { BASE, mockPostHog } from '../testing/mockPostHog';
import { createSignIn } from './signIn';

let mock = mockPostHog();
afterEach(async () => {
  await mock.agent.close();
  mock = mockPostHog();
});

const NOW = 1_000_000_000;
const held: StoredSignIn = {
  baseUrl: BASE,
  clientId: 'client-1',
  redirectUri: 'https://ext.chromiumapp.org/',
  accessToken: 'pha_old',
  refreshToken: 'phr_old',
  expiresAt: NOW + 30_000, // within the minute before it ends: the next request renews it
  scopes: ['query:read'],
  scopedTeams: [],
  identity: 'sign-in-1',
};
const TOKEN = { path: '/oauth/token/', method: 'POST' } as const;
const REVOKE = { path: '/oauth/revoke/', method: 'POST' } as const;
const renewed = { access_token: 'pha_new', token_type: 'Bearer', expires_in: 3600, refresh_token: 'phr_new', scope: 'query:read' };

function setUp(fetch: typeof globalThis.fetch = mock.fetch) {
  const store = memoryStore();
  const service = createSignIn({ store, fetch, launchWebAuthFlow: async () => undefined, redirectUrl: () => held.redirectUri, now: () => NOW });
  return { store, service };
}

describe('renewing the sign-in', () => {
  it('writes back no tokens when the user signed out while the renewal was on its way, and revokes the new ones', async () => {
    // The token request waits until the test lets it go: sign-out happens while it is in flight.
    let sent!: () => void;
    const inFlight = new Promise<void>((resolve) => (sent = resolve));
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const fetch = (async (input: RequestInfo | URL, init?: RequestInit) => {
      if (String(input).endsWith('/oauth/token/')) {
        sent();
        await gate;
      }
      return mock.fetch(input, init);
    }) as typeof globalThis.fetch;
    const revoked: string[] = [];
    mock.pool.intercept(TOKEN).reply(200, renewed);
    mock.pool
      .intercept(REVOKE)
      .reply(200, (request) => (revoked.push(new URLSearchParams(String(request.body)).get('token') ?? ''), {}))
      .times(2);
    const { store, service } = setUp(fetch);
    await store.set(signInItem, held);

    const asked = service.accessToken(BASE);
    await inFlight;
    await service.signOut();
    release();
    const answer = await asked;

    expect(answer.ok).toBe(false);
    expect(await store.get(signInItem)).toBeNull();
    expect(revoked).toEqual(['phr_old', 'phr_new']);
  });

  it('keeps a newer sign-in made meanwhile: a renewal of the old one does not overwrite it', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let sent!: () => void;
    const inFlight = new Promise<void>((resolve) => (sent = resolve));
    const fetch = (async (input: RequestInfo | URL, init?: RequestInit) => {
      if (String(input).endsWith('/oauth/token/')) {
        sent();
        await gate;
      }
      return mock.fetch(input, init);
    }) as typeof globalThis.fetch;
    mock.pool.intercept(TOKEN).reply(200, renewed);
    mock.pool.intercept(REVOKE).reply(200, {});
    const { store, service } = setUp(fetch);
    await store.set(signInItem, held);
    const asked = service.accessToken(BASE);
    await inFlight;
    const other = { ...held, accessToken: 'pha_other_user', refreshToken: 'phr_other_user', expiresAt: NOW + 3_600_000, identity: 'sign-in-2' };
    await store.set(signInItem, other);
    release();
    await asked;
    expect(await store.get(signInItem)).toEqual(other);
  });

  it('keeps the new tokens, and renews from them next, when nothing changed meanwhile', async () => {
    mock.pool.intercept(TOKEN).reply(200, renewed);
    const { store, service } = setUp();
    await store.set(signInItem, held);
    expect(await service.accessToken(BASE)).toMatchObject({ ok: true, token: 'pha_new' });
    expect(await store.get(signInItem)).toMatchObject({ accessToken: 'pha_new', refreshToken: 'phr_new', identity: 'sign-in-1' });
  });

  it('takes a 429 as a wait: the sign-in stays, nothing is revoked, and the wait is said', async () => {
    mock.pool.intercept(TOKEN).reply(429, { detail: 'Request was throttled. Expected available in 30 seconds.' });
    const { store, service } = setUp();
    await store.set(signInItem, held);
    const answer = await service.accessToken(BASE);
    expect(answer).toMatchObject({ ok: false, error: { kind: 'rate_limited', retryInMs: 30_000 } });
    expect(await store.get(signInItem)).toEqual(held);
    // Later, PostHog renews it.
    mock.pool.intercept(TOKEN).reply(200, renewed);
    expect(await service.accessToken(BASE)).toMatchObject({ ok: true, token: 'pha_new' });
  });

  it('ends the sign-in when PostHog refuses the refresh token (invalid_grant)', async () => {
    mock.pool.intercept(TOKEN).reply(400, { error: 'invalid_grant' });
    const { store, service } = setUp();
    await store.set(signInItem, held);
    expect(await service.accessToken(BASE)).toMatchObject({
      ok: false,
      error: { kind: 'unauthorized', message: expect.stringContaining('has ended (invalid_grant)') },
    });
    expect(await store.get(signInItem)).toBeNull();
  });

  it('follows no redirect with the refresh token: the other host never sees it, and the sign-in stays', async () => {
    const elsewhere: string[] = [];
    mock.pool.intercept(TOKEN).reply(307, '', { headers: { location: 'https://collector.test/steal' } });
    mock.agent
      .get('https://collector.test')
      .intercept({ path: '/steal', method: 'POST', body: (b) => (elsewhere.push(b), true) })
      .reply(200, renewed);
    const { store, service } = setUp();
    await store.set(signInItem, held);
    const answer = await service.accessToken(BASE);
    expect(answer.ok).toBe(false);
    expect(elsewhere).toEqual([]);
    expect(await store.get(signInItem)).toEqual(held);
  });
});

/**
 * "Sign in with PostHog" against the local server's OAuth side, held to PostHog's rules:
 * posthog/api/oauth/dcr.py (anonymous registration, public clients), posthog/models/oauth.py
 * (_validate_redirect_uris: https, loopback-only http, blocked schemes, no fragments), posthog/settings/web.py
 * (PKCE_REQUIRED, S256 only, 5-minute codes), posthog/auth.py (OAuthAccessTokenAuthentication: `pha_`
 * tokens, "Access token has expired."), posthog/permissions.py (a token with no scopes reads nothing;
 * scoped_teams), posthog/api/personal_api_key.py (@current takes personal keys only).
 * The extension's own code (lib/connection/signIn.ts) runs the flow; the "browser window" here is a
 * user who reads PostHog's consent screen and presses a button, over HTTP.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSignIn } from '../lib/connection/signIn';
import { createSession } from '../lib/connection/session';
import { createOnboardingService } from '../lib/onboarding/onboardingService';
import { createConnectionService } from '../lib/connection/connectionService';
import { DEFAULT_METRICS_OPTIONS, type SettingsState } from '../lib/settings/settings';
import { memoryStore } from '../lib/storage/store';
import { signInItem } from '../lib/storage/items';
import { OAuthServer, redirectUriProblem, s256 } from './oauth';
import { startLocalPostHog, type LocalPostHog } from './server';

const CHROME_REDIRECT = 'https://abcdefghijklmnopabcdefghijklmnop.chromiumapp.org/';
const FIREFOX_REDIRECT = 'https://0123456789abcdef0123456789abcdef01234567.extensions.allizom.org/';
let ph: LocalPostHog;

beforeAll(async () => {
  ph = await startLocalPostHog({ seed: { seed: 5, days: 3, events: 600 }, projects: [{ id: 5, name: 'Staging' }] });
});
afterAll(() => ph?.close());

/** A user at PostHog's consent screen: reads the form, picks the projects, presses Authorize or Cancel. */
function consentingUser(choice: { allow: boolean; project?: string } = { allow: true }) {
  const seen: string[] = [];
  return {
    seen,
    async launchWebAuthFlow(url: string): Promise<string> {
      seen.push(url);
      const page = await fetch(url, { redirect: 'manual' });
      if (page.status === 302) return page.headers.get('location')!;
      const html = await page.text();
      if (page.status !== 200) throw new Error(`Authorization page could not be loaded (${page.status}: ${html})`);
      const form = new URLSearchParams();
      for (const m of html.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g))
        form.set(
          m[1]!,
          m[2]!.replace(/&#(\d+);/g, (_, c: string) => String.fromCharCode(Number(c))),
        );
      form.set('scoped_team', choice.project ?? 'all');
      form.set('allow', choice.allow ? '1' : '0');
      const answer = await fetch(new URL('/oauth/authorize/', url), { method: 'POST', body: form, redirect: 'manual' });
      expect(answer.status).toBe(302);
      return answer.headers.get('location')!;
    },
  };
}

async function register(body: unknown) {
  const res = await fetch(`${ph.url}/oauth/register/`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}
const api = (path: string, token: string) => fetch(`${ph.url}${path}`, { headers: { authorization: `Bearer ${token}` } });

describe('client registration (dcr.py, OAuthApplication._validate_redirect_uris)', () => {
  it('registers a public client for the browsers’ extension redirect URLs, with no secret', async () => {
    for (const uri of [CHROME_REDIRECT, FIREFOX_REDIRECT, 'http://127.0.0.1:8123/callback', 'com.example.app:/oauth']) {
      const r = await register({
        client_name: 'Tool Lens',
        redirect_uris: [uri],
        grant_types: ['authorization_code', 'refresh_token'],
        token_endpoint_auth_method: 'none',
      });
      expect(r.status, uri).toBe(201);
      expect(r.body.client_id).toEqual(expect.any(String));
      expect(r.body).not.toHaveProperty('client_secret');
    }
  });

  it('refuses plain http off loopback, blocked schemes, fragments, no redirect at all and reserved names', async () => {
    expect(redirectUriProblem('http://tools.example.com/cb')).toMatch(/must use https/);
    expect(redirectUriProblem('javascript:alert(1)')).toMatch(/not allowed for security reasons/);
    expect(redirectUriProblem('https://x.example/cb#frag')).toMatch(/cannot contain fragments/);
    expect((await register({ redirect_uris: ['http://tools.example.com/cb'] })).body.error).toBe('invalid_redirect_uri');
    expect((await register({ redirect_uris: [] })).body.error).toBe('invalid_client_metadata');
    expect((await register({ client_name: 'PostHog Official', redirect_uris: [CHROME_REDIRECT] })).body.error).toBe('invalid_client_metadata');
    expect((await register({ redirect_uris: [CHROME_REDIRECT], response_types: ['token'] })).status).toBe(400);
  });
});

describe('authorization (views.py; PKCE_REQUIRED, S256 only)', () => {
  it('answers fatal problems as JSON and sends the rest back to the client with its state', async () => {
    const { body } = await register({ client_name: 'Tool Lens', redirect_uris: [CHROME_REDIRECT] });
    const id = String(body.client_id);
    const authorize = (params: Record<string, string>) => fetch(`${ph.url}/oauth/authorize/?${new URLSearchParams(params)}`, { redirect: 'manual' });
    const good = {
      response_type: 'code',
      client_id: id,
      redirect_uri: CHROME_REDIRECT,
      state: 'st',
      code_challenge: s256('v'.repeat(43)),
      code_challenge_method: 'S256',
    };

    const unknown = await authorize({ ...good, client_id: 'nope' });
    expect(unknown.status).toBe(400);
    expect(((await unknown.json()) as { error: string }).error).toBe('invalid_client');
    const elsewhere = await authorize({ ...good, redirect_uri: 'https://evil.example/' });
    expect(elsewhere.status).toBe(400); // never redirected to an address the client did not register
    for (const [params, error] of [
      [{ ...good, code_challenge: '' }, 'invalid_request'],
      [{ ...good, code_challenge_method: 'plain' }, 'invalid_request'],
      [{ ...good, response_type: 'token' }, 'unsupported_response_type'],
    ] as const) {
      const r = await authorize(params);
      expect(r.status).toBe(302);
      const back = new URL(r.headers.get('location')!);
      expect(`${back.origin}${back.pathname}`).toBe(CHROME_REDIRECT);
      expect(back.searchParams.get('error')).toBe(error);
      expect(back.searchParams.get('state')).toBe('st');
    }
    const page = await authorize(good);
    expect(page.status).toBe(200);
    expect(page.headers.get('x-frame-options')).toBe('DENY');
  });
});

describe('Sign in with PostHog: the extension’s flow end to end', () => {
  it('registers once, signs in with PKCE, lists the projects and reads the card’s data with the access token', async () => {
    const store = memoryStore();
    const user = consentingUser();
    const signIn = createSignIn({ store, launchWebAuthFlow: user.launchWebAuthFlow, redirectUrl: () => CHROME_REDIRECT });
    const first = await signIn.signIn(ph.url);
    expect(first.ok).toBe(true);
    if (!first.ok) return;
    expect(first.signIn.accessToken).toMatch(/^pha_/);
    expect(first.signIn.refreshToken).toMatch(/^phr_/);
    expect(first.signIn.scopes).toEqual(expect.arrayContaining(['query:read', 'project:read', 'user:read']));
    expect(first.signIn.scopes.some((s) => s.endsWith(':write'))).toBe(false); // read scopes only
    const asked = new URL(user.seen[0]!).searchParams;
    expect(asked.get('code_challenge_method')).toBe('S256');
    expect(asked.get('code_challenge')).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(asked.get('state')!.length).toBeGreaterThanOrEqual(16);

    // Signing in again reuses the registered client.
    const again = await signIn.signIn(ph.url);
    expect(again.ok && again.signIn.clientId).toBe(first.signIn.clientId);

    // The rest of the extension uses the token as it uses a key.
    const settings: SettingsState = {
      status: 'configured',
      settings: { host: 'custom', customHost: ph.url, projectId: '1', apiKey: '', auth: 'signIn', ...DEFAULT_METRICS_OPTIONS },
    };
    const session = createSession({ loadSettings: async () => settings, store, accessToken: signIn.accessToken });
    const projects = await createOnboardingService(session).projectsWith({
      baseUrl: ph.url,
      apiKey: again.ok ? again.signIn.accessToken : '',
      credential: 'signIn',
    });
    expect(projects.ok && projects.organizations.flatMap((o) => o.projects.map((p) => p.id)).sort()).toEqual(['1', '5']);
    const status = await createConnectionService(session, { signedIn: signIn.current, noteUser: signIn.noteUser }).connectionStatus();
    expect(status).toMatchObject({ ok: true, via: 'signIn', missing: [{ scope: 'dashboard:write' }, { scope: 'insight:write' }] });
    const connected = await session.connect();
    expect(connected.ok).toBe(true);
    if (!connected.ok) return;
    const counted = await connected.connection.client.hogql({ query: 'SELECT count() FROM events', values: {} } as never);
    expect(Number(counted.results[0]?.[0])).toBeGreaterThan(0);
  });

  it('says so when the user cancels on PostHog, and keeps nothing', async () => {
    const store = memoryStore();
    const signIn = createSignIn({ store, launchWebAuthFlow: consentingUser({ allow: false }).launchWebAuthFlow, redirectUrl: () => CHROME_REDIRECT });
    const answer = await signIn.signIn(ph.url);
    expect(answer).toEqual({ ok: false, error: { kind: 'unauthorized', message: 'You cancelled the sign-in on PostHog: nothing was saved.' } });
    expect(await store.get(signInItem)).toBeNull();
  });

  it('refuses an answer whose state is not the one it sent', async () => {
    const signIn = createSignIn({
      store: memoryStore(),
      launchWebAuthFlow: async (url) => {
        const back = new URL(await consentingUser().launchWebAuthFlow(url));
        back.searchParams.set('state', 'forged');
        return back.toString();
      },
      redirectUrl: () => CHROME_REDIRECT,
    });
    const answer = await signIn.signIn(ph.url);
    expect(!answer.ok && answer.error.message).toMatch(/did not match this request \(state\)/);
  });

  it('limits the token to the project the user picked at consent, as PostHog enforces scoped_teams', async () => {
    const store = memoryStore();
    const signIn = createSignIn({
      store,
      launchWebAuthFlow: consentingUser({ allow: true, project: '5' }).launchWebAuthFlow,
      redirectUrl: () => FIREFOX_REDIRECT,
    });
    const answer = await signIn.signIn(ph.url);
    expect(answer.ok && answer.signIn.scopedTeams).toEqual([5]);
    if (!answer.ok) return;
    expect((await api('/api/projects/5/', answer.signIn.accessToken)).status).toBe(200);
    const other = await api('/api/projects/1/', answer.signIn.accessToken);
    expect(other.status).toBe(403);
    expect(((await other.json()) as { detail: string }).detail).toBe('API key does not have access to the requested project: ID 1.');
  });
});

describe('tokens (posthog/auth.py, permissions.py, personal_api_key.py)', () => {
  async function signedIn(redirect = CHROME_REDIRECT) {
    const store = memoryStore();
    const signIn = createSignIn({ store, launchWebAuthFlow: consentingUser().launchWebAuthFlow, redirectUrl: () => redirect });
    const answer = await signIn.signIn(ph.url);
    if (!answer.ok) throw new Error(answer.error.message);
    return { store, signIn, held: answer.signIn };
  }

  it('a code works once, only with its verifier and redirect URI', async () => {
    const { body } = await register({ client_name: 'Tool Lens', redirect_uris: [CHROME_REDIRECT], grant_types: ['authorization_code', 'refresh_token'] });
    const id = String(body.client_id);
    const verifier = 'a'.repeat(50);
    const url = `${ph.url}/oauth/authorize/?${new URLSearchParams({ response_type: 'code', client_id: id, redirect_uri: CHROME_REDIRECT, state: 's', scope: 'query:read', code_challenge: s256(verifier), code_challenge_method: 'S256' })}`;
    const code = new URL(await consentingUser().launchWebAuthFlow(url)).searchParams.get('code')!;
    const exchange = (params: Record<string, string>) =>
      fetch(`${ph.url}/oauth/token/`, {
        method: 'POST',
        body: new URLSearchParams({ grant_type: 'authorization_code', client_id: id, code, redirect_uri: CHROME_REDIRECT, ...params }),
      });
    const noVerifier = await exchange({});
    expect(((await noVerifier.json()) as { error: string }).error).toBe('invalid_request');
    const wrong = await exchange({ code_verifier: 'b'.repeat(50) });
    expect(wrong.status).toBe(400);
    expect(((await wrong.json()) as { error: string }).error).toBe('invalid_grant');
    const right = await exchange({ code_verifier: verifier });
    expect(right.status).toBe(200);
    expect(right.headers.get('cache-control')).toBe('no-store');
    const reused = await exchange({ code_verifier: verifier });
    expect(((await reused.json()) as { error_description: string }).error_description).toBe('Authorization code is invalid or has already been used');
  });

  it('renews a token about to end (one renewal for many callers), the old one stops working, the refresh token stays', async () => {
    const { store, held } = await signedIn();
    let clock = Date.now();
    const signIn = createSignIn({ store, launchWebAuthFlow: async () => '', redirectUrl: () => CHROME_REDIRECT, now: () => clock });
    clock = held.expiresAt - 30_000; // within the minute before it ends
    const [a, b, c] = await Promise.all([signIn.accessToken(ph.url), signIn.accessToken(ph.url), signIn.accessToken(ph.url)]);
    expect(a.ok && b.ok && c.ok).toBe(true);
    if (!a.ok || !b.ok || !c.ok) return;
    expect(new Set([a.token, b.token, c.token]).size).toBe(1);
    expect(a.token).not.toBe(held.accessToken);
    expect(a.signIn.refreshToken).toBe(held.refreshToken); // self-registered clients do not rotate
    expect((await api('/api/users/@me/', a.token)).status).toBe(200);
    const old = await api('/api/users/@me/', held.accessToken);
    expect(old.status).toBe(401);
  });

  it('signing out revokes the tokens at PostHog; the next request says to sign in again', async () => {
    const { signIn, held } = await signedIn();
    await signIn.signOut();
    expect((await api('/api/users/@me/', held.accessToken)).status).toBe(401);
    const next = await signIn.accessToken(ph.url);
    expect(!next.ok && next.error.message).toMatch(/not signed in to 127\.0\.0\.1:\d+\. Open the options and sign in with PostHog/);
  });

  it('a revoked refresh token ends the sign-in with words that say what to do', async () => {
    const { store, held } = await signedIn();
    await fetch(`${ph.url}/oauth/revoke/`, { method: 'POST', body: new URLSearchParams({ token: held.refreshToken!, client_id: held.clientId }) });
    const signIn = createSignIn({ store, launchWebAuthFlow: async () => '', redirectUrl: () => CHROME_REDIRECT, now: () => held.expiresAt + 1 });
    const answer = await signIn.accessToken(ph.url);
    expect(!answer.ok && answer.error.message).toMatch(/sign-in on 127\.0\.0\.1:\d+ has ended \(Invalid refresh token\. \(invalid_grant\)\)\. Sign in again/);
    expect(await store.get(signInItem)).toBeNull();
  });

  it('a key-only endpoint refuses the token, as personal_api_keys/@current does', async () => {
    const { held } = await signedIn();
    const r = await api('/api/personal_api_keys/@current/', held.accessToken);
    expect(r.status).toBe(401);
    expect(((await r.json()) as { detail: string }).detail).toBe('Personal API key found in request Authorization header is invalid.');
  });

  it('an identity-only token (openid, no resource scope) may read nothing', async () => {
    const { body } = await register({ client_name: 'Tool Lens', redirect_uris: [CHROME_REDIRECT] });
    const id = String(body.client_id);
    const verifier = 'c'.repeat(50);
    const url = `${ph.url}/oauth/authorize/?${new URLSearchParams({ response_type: 'code', client_id: id, redirect_uri: CHROME_REDIRECT, scope: 'openid not:a-scope', code_challenge: s256(verifier), code_challenge_method: 'S256' })}`;
    const code = new URL(await consentingUser().launchWebAuthFlow(url)).searchParams.get('code')!;
    const token = (await (
      await fetch(`${ph.url}/oauth/token/`, {
        method: 'POST',
        body: new URLSearchParams({ grant_type: 'authorization_code', client_id: id, code, redirect_uri: CHROME_REDIRECT, code_verifier: verifier }),
      })
    ).json()) as { access_token: string; scope: string };
    expect(token.scope).toBe('openid'); // unknown scopes are dropped, not refused
    const r = await api('/api/users/@me/', token.access_token);
    expect(r.status).toBe(403);
    expect(((await r.json()) as { detail: string }).detail).toBe('OAuth token has no scopes and cannot access this resource');
  });

  it('an expired access token is refused with PostHog’s words', () => {
    let clock = 1_000_000;
    const server = new OAuthServer({ baseUrl: () => 'http://x', projects: () => [], now: () => clock });
    const reg = server.register({ redirect_uris: [CHROME_REDIRECT], grant_types: ['authorization_code'] });
    const id = String((reg as { body: { client_id: string } }).body.client_id);
    const consent = server.consent(
      new URLSearchParams({
        client_id: id,
        redirect_uri: CHROME_REDIRECT,
        response_type: 'code',
        code_challenge: s256('d'.repeat(43)),
        code_challenge_method: 'S256',
        allow: '1',
      }),
    );
    const code = new URL((consent as { location: string }).location).searchParams.get('code')!;
    clock += 5 * 60_000 + 1; // codes live five minutes
    const late = server.token(
      new URLSearchParams({ grant_type: 'authorization_code', client_id: id, code, redirect_uri: CHROME_REDIRECT, code_verifier: 'd'.repeat(43) }),
    );
    expect((late as { body: { error: string } }).body.error).toBe('invalid_grant');
    const consent2 = server.consent(
      new URLSearchParams({
        client_id: id,
        redirect_uri: CHROME_REDIRECT,
        response_type: 'code',
        code_challenge: s256('d'.repeat(43)),
        code_challenge_method: 'S256',
        allow: '1',
      }),
    );
    const code2 = new URL((consent2 as { location: string }).location).searchParams.get('code')!;
    const issued = server.token(
      new URLSearchParams({ grant_type: 'authorization_code', client_id: id, code: code2, redirect_uri: CHROME_REDIRECT, code_verifier: 'd'.repeat(43) }),
    ) as { body: { access_token: string; expires_in: number } };
    expect(issued.body.expires_in).toBe(7 * 24 * 3600);
    expect(server.accessToken(issued.body.access_token)).toMatchObject({ scopedTeams: [] });
    clock += issued.body.expires_in * 1000;
    expect(server.accessToken(issued.body.access_token)).toBe('expired');
  });
});

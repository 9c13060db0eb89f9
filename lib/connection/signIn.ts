/**
 * "Sign in with PostHog": PostHog's OAuth 2.0 server, as a public client. No key is pasted; the
 * worker alone holds the tokens it gets.
 * - The client registers itself once per PostHog host (RFC 7591, `/oauth/register/`, anonymous), with
 *   the browser's redirect URL for this extension (`identity.getRedirectURL()`: https://<id>.chromiumapp.org/,
 *   https://<hash>.extensions.allizom.org/), which PostHog accepts as any https redirect.
 * - The authorization code flow with PKCE (S256: PostHog requires it), a random `state`, and read scopes only.
 * - Access tokens (`pha_…`, 7 days for self-registered clients) go as `Authorization: Bearer`, as keys do;
 *   they are refreshed a minute before they end, one refresh at a time.
 * Sources: posthog/api/oauth/dcr.py, posthog/api/oauth/views.py, posthog/models/oauth.py,
 * posthog/settings/web.py (OAUTH2_PROVIDER), posthog/auth.py (OAuthAccessTokenAuthentication).
 */
import * as z from 'zod/mini';
import type { Failure } from '../model/failure';
import { oauthClientsItem, signInItem, type StoredSignIn } from '../storage/items';
import type { Store } from '../storage/store';

/** What Tool Lens asks for: reading only. Creating the Tool Usage dashboard needs a key with insight:write. */
export const SIGN_IN_SCOPES = ['query:read', 'project:read', 'organization:read', 'user:read', 'dashboard:read', 'annotation:read', 'group:read'] as const;
const REFRESH_BEFORE_MS = 60_000;
const TIMEOUT_MS = 20_000;

const registrationSchema = z.object({ client_id: z.string().check(z.minLength(1)) });
const tokenSchema = z.object({
  access_token: z.string().check(z.minLength(1)),
  token_type: z.string(),
  expires_in: z.number().check(z.positive()),
  scope: z.optional(z.string()),
  refresh_token: z.optional(z.string()),
  scoped_teams: z.optional(z.array(z.number())),
});
const oauthErrorSchema = z.object({ error: z.string(), error_description: z.optional(z.string()) });

export interface SignInDeps {
  store: Store;
  fetch?: typeof fetch;
  /** identity.launchWebAuthFlow({ url, interactive: true }): PostHog's consent screen; the URL it redirected to. */
  launchWebAuthFlow: (url: string) => Promise<string | undefined>;
  /** identity.getRedirectURL(): the https URL the browser catches for this extension. */
  redirectUrl: () => string;
  now?: () => number;
}

export type SignInResult = { ok: true; signIn: StoredSignIn } | { ok: false; error: Failure };
/** `identity`: this sign-in's, the same across renewals (what cached figures are kept under). */
export type AccessTokenResult = { ok: true; token: string; signIn: StoredSignIn; identity: string } | { ok: false; error: Failure };

const base64url = (bytes: Uint8Array) =>
  btoa(String.fromCharCode(...bytes))
    .replace(/\+/g, '-')
    .replace(/\//g, '_')
    .replace(/=+$/, '');
const randomText = (bytes = 32) => base64url(crypto.getRandomValues(new Uint8Array(bytes)));
/** RFC 7636 S256: base64url(SHA-256(verifier)), unpadded. */
export async function codeChallenge(verifier: string): Promise<string> {
  return base64url(new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier))));
}

export function createSignIn(deps: SignInDeps) {
  const now = deps.now ?? Date.now;
  const doFetch = deps.fetch ?? fetch;
  let refreshing: Promise<AccessTokenResult> | null = null;

  const fail = (kind: Failure['kind'], message: string) => ({ ok: false as const, error: { kind, message } });
  const hostOf = (baseUrl: string) => new URL(baseUrl).host;

  /** POSTs to PostHog's OAuth endpoints; the parsed JSON answer and its status, or why there is none. */
  async function post(url: string, body: URLSearchParams | object): Promise<{ ok: true; status: number; json: unknown } | { ok: false; error: Failure }> {
    const form = body instanceof URLSearchParams;
    let response: Response;
    try {
      response = await doFetch(url, {
        method: 'POST',
        headers: { 'Content-Type': form ? 'application/x-www-form-urlencoded' : 'application/json', Accept: 'application/json' },
        body: form ? body.toString() : JSON.stringify(body),
        credentials: 'omit',
        // The body carries a code or a refresh token: PostHog's OAuth endpoints do not redirect, so none is followed.
        redirect: 'error',
        signal: AbortSignal.timeout(TIMEOUT_MS),
      });
    } catch (error) {
      const timedOut = (error as Error)?.name === 'TimeoutError';
      return fail(
        timedOut ? 'timeout' : 'network',
        `${hostOf(url)} did not answer${timedOut ? ` within ${TIMEOUT_MS / 1000} s` : ''} (${(error as Error).message}).`,
      );
    }
    const json = await response.json().catch(() => null);
    return { ok: true, status: response.status, json };
  }

  const describe = (json: unknown, fallback: string) => {
    const parsed = oauthErrorSchema.safeParse(json);
    return parsed.success ? (parsed.data.error_description ? `${parsed.data.error_description} (${parsed.data.error})` : parsed.data.error) : fallback;
  };

  /** This extension's client id on a PostHog: registered once, then remembered. */
  async function clientIdFor(baseUrl: string, redirectUri: string): Promise<{ ok: true; clientId: string } | { ok: false; error: Failure }> {
    const key = `${baseUrl} ${redirectUri}`;
    const known = (await deps.store.get(oauthClientsItem))[key];
    if (known) return { ok: true, clientId: known };
    const answer = await post(`${baseUrl}/oauth/register/`, {
      client_name: 'Tool Lens',
      redirect_uris: [redirectUri],
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      token_endpoint_auth_method: 'none',
    });
    if (!answer.ok) return answer;
    if (answer.status === 404 || answer.status === 405)
      return fail(
        'not_found',
        `${hostOf(baseUrl)} does not offer sign-in (no OAuth client registration at /oauth/register/): paste a personal API key instead.`,
      );
    if (answer.status === 429) return fail('rate_limited', `${hostOf(baseUrl)} is limiting sign-in registrations; try again in a minute.`);
    if (answer.status !== 201 && answer.status !== 200)
      return fail(
        answer.status >= 500 ? 'server' : 'bad_request',
        `${hostOf(baseUrl)} would not register Tool Lens for sign-in: ${describe(answer.json, `HTTP ${answer.status}`)}.`,
      );
    const parsed = registrationSchema.safeParse(answer.json);
    if (!parsed.success) return fail('bad_response', `${hostOf(baseUrl)} answered the sign-in registration without a client id.`);
    await deps.store.set(oauthClientsItem, { ...(await deps.store.get(oauthClientsItem)), [key]: parsed.data.client_id });
    return { ok: true, clientId: parsed.data.client_id };
  }

  /**
   * Token writes one at a time, each checking what is stored first (compare-and-set): a renewal that
   * finishes after a sign-out, or after another sign-in, must not put its tokens back.
   */
  let writes: Promise<unknown> = Promise.resolve();
  function exclusively<T>(write: () => Promise<T>): Promise<T> {
    const next = writes.then(write, write);
    writes = next.catch(() => undefined);
    return next;
  }
  /** A sign-in stored before identities existed: told apart by its client and user. */
  const identityOf = (held: StoredSignIn) => held.identity ?? `${held.clientId}:${held.user ?? ''}`;
  /**
   * Tokens storage refused (full): used from memory until a write succeeds, so a full storage.local
   * does not end the sign-in (PostHog may have replaced the stored refresh token already).
   */
  let unsaved: StoredSignIn | null = null;
  const currentSignIn = async () => unsaved ?? (await deps.store.get(signInItem));
  /** Within `exclusively`: stores the tokens, or keeps them in memory when storage refuses them. */
  async function save(tokens: StoredSignIn) {
    try {
      await deps.store.set(signInItem, tokens);
      unsaved = null;
    } catch {
      unsaved = tokens;
    }
  }
  const sameSignIn = (a: StoredSignIn | null, b: StoredSignIn | null) =>
    a !== null && b !== null && a.accessToken === b.accessToken && a.refreshToken === b.refreshToken;

  /** A token answer as stored tokens; null when PostHog's answer is not one. */
  function tokensOf(json: unknown, context: { baseUrl: string; clientId: string; redirectUri: string; previous: StoredSignIn | null }): StoredSignIn | null {
    const parsed = tokenSchema.safeParse(json);
    if (!parsed.success || parsed.data.token_type.toLowerCase() !== 'bearer') return null;
    const t = parsed.data;
    return {
      baseUrl: context.baseUrl,
      clientId: context.clientId,
      redirectUri: context.redirectUri,
      accessToken: t.access_token,
      // Self-registered clients keep their refresh token; keep any new one PostHog sends.
      refreshToken: t.refresh_token ?? context.previous?.refreshToken ?? null,
      expiresAt: now() + t.expires_in * 1000,
      scopes: t.scope !== undefined ? t.scope.split(/\s+/).filter(Boolean) : (context.previous?.scopes ?? []),
      scopedTeams: t.scoped_teams ?? context.previous?.scopedTeams ?? [],
      ...(context.previous?.user ? { user: context.previous.user } : {}),
      identity: context.previous?.identity ?? randomText(12),
    };
  }

  /** The whole flow, in the user's click: register (once), PostHog's consent screen, the code for tokens. */
  async function signIn(baseUrl: string): Promise<SignInResult> {
    const redirectUri = deps.redirectUrl();
    const client = await clientIdFor(baseUrl, redirectUri);
    if (!client.ok) return client;
    const verifier = randomText(48);
    const state = randomText(16);
    const authorize = new URL(`${baseUrl}/oauth/authorize/`);
    authorize.search = new URLSearchParams({
      response_type: 'code',
      client_id: client.clientId,
      redirect_uri: redirectUri,
      scope: SIGN_IN_SCOPES.join(' '),
      state,
      code_challenge: await codeChallenge(verifier),
      code_challenge_method: 'S256',
    }).toString();

    let landed: string | undefined;
    try {
      landed = await deps.launchWebAuthFlow(authorize.toString());
    } catch (error) {
      // Chrome: "The user did not approve access."; Firefox: "User cancelled or denied access."
      return fail(
        'unauthorized',
        `The sign-in window closed before PostHog answered (${(error as Error).message}). Sign in again, or paste a personal API key.`,
      );
    }
    if (!landed) return fail('unauthorized', 'The sign-in window closed before PostHog answered. Sign in again, or paste a personal API key.');
    let back: URL;
    try {
      back = new URL(landed);
    } catch {
      return fail('bad_response', 'The sign-in ended on an address that is not a URL.');
    }
    const p = back.searchParams;
    if (p.get('state') !== state) return fail('bad_response', 'The sign-in answer did not match this request (state); nothing was saved. Sign in again.');
    const error = p.get('error');
    if (error === 'access_denied') return fail('unauthorized', 'You cancelled the sign-in on PostHog: nothing was saved.');
    if (error) return fail('bad_request', `PostHog refused the sign-in: ${p.get('error_description') ?? error} (${error}).`);
    const code = p.get('code');
    if (!code) return fail('bad_response', 'PostHog ended the sign-in without a code.');

    const exchanged = await post(
      `${baseUrl}/oauth/token/`,
      new URLSearchParams({ grant_type: 'authorization_code', code, client_id: client.clientId, redirect_uri: redirectUri, code_verifier: verifier }),
    );
    if (!exchanged.ok) return exchanged;
    if (exchanged.status === 401 && oauthErrorSchema.safeParse(exchanged.json).data?.error === 'invalid_client') {
      // The host forgot the client (a reset self-hosted PostHog): register again next time.
      await forgetClient(baseUrl, redirectUri);
    }
    if (exchanged.status !== 200)
      return fail(
        exchanged.status >= 500 ? 'server' : 'unauthorized',
        `PostHog did not complete the sign-in: ${describe(exchanged.json, `HTTP ${exchanged.status}`)}. Sign in again.`,
      );
    const stored = tokensOf(exchanged.json, { baseUrl, clientId: client.clientId, redirectUri, previous: null });
    if (!stored) return fail('bad_response', 'PostHog completed the sign-in with an answer that is not an access token.');
    // A new sign-in replaces whatever was there (a renewal of an older one then finds it changed).
    await exclusively(() => save(stored));
    return { ok: true, signIn: stored };
  }

  async function forgetClient(baseUrl: string, redirectUri: string) {
    const all = { ...(await deps.store.get(oauthClientsItem)) };
    delete all[`${baseUrl} ${redirectUri}`];
    await deps.store.set(oauthClientsItem, all);
  }

  async function refresh(held: StoredSignIn): Promise<AccessTokenResult> {
    if (!held.refreshToken) return ended(held, 'it cannot be renewed');
    const answer = await post(
      `${held.baseUrl}/oauth/token/`,
      new URLSearchParams({ grant_type: 'refresh_token', refresh_token: held.refreshToken, client_id: held.clientId }),
    );
    if (!answer.ok) return answer; // the network (or a redirect): the sign-in stays, the next request tries again
    if (answer.status >= 500) return fail('server', `PostHog could not renew the sign-in (HTTP ${answer.status}); trying again at the next request.`);
    if (answer.status === 429) {
      // PostHog is throttling, not refusing: the sign-in stays, and the wait is said.
      const seconds = Number(/Expected available in (\d+) seconds?/.exec(JSON.stringify(answer.json ?? ''))?.[1]) || 60;
      return {
        ok: false,
        error: { kind: 'rate_limited', message: `PostHog is limiting sign-in renewals; trying again in ${seconds} s.`, retryInMs: seconds * 1000 },
      };
    }
    if (answer.status !== 200) return ended(held, describe(answer.json, `HTTP ${answer.status}`));
    const stored = tokensOf(answer.json, { baseUrl: held.baseUrl, clientId: held.clientId, redirectUri: held.redirectUri, previous: held });
    if (!stored) return fail('bad_response', 'PostHog renewed the sign-in with an answer that is not an access token.');
    const kept = await exclusively(async () => {
      if (!sameSignIn(await currentSignIn(), held)) return false;
      await save(stored);
      return true;
    });
    if (!kept) {
      // Signed out (or in again) while this renewal was on its way: its tokens are nobody's.
      await revoke(stored);
      return fail(
        'unauthorized',
        `The PostHog sign-in on ${hostOf(held.baseUrl)} changed while it was being renewed. Sign in again in the Tool Lens options if you signed out.`,
      );
    }
    return { ok: true, token: stored.accessToken, signIn: stored, identity: identityOf(stored) };
  }

  async function ended(held: StoredSignIn, why: string): Promise<AccessTokenResult> {
    await exclusively(async () => {
      if (!sameSignIn(await currentSignIn(), held)) return;
      unsaved = null;
      await deps.store.set(signInItem, null).catch(() => undefined);
    });
    return fail('unauthorized', `Your PostHog sign-in on ${hostOf(held.baseUrl)} has ended (${why}). Sign in again in the Tool Lens options.`);
  }

  /** PostHog revokes a sign-in's tokens (RFC 7009); best effort. */
  async function revoke(tokens: StoredSignIn) {
    await post(`${tokens.baseUrl}/oauth/revoke/`, new URLSearchParams({ token: tokens.refreshToken ?? tokens.accessToken, client_id: tokens.clientId })).catch(
      () => undefined,
    );
  }

  /** A working access token for this host, renewed when it is about to end; or why there is none. */
  async function accessToken(baseUrl: string): Promise<AccessTokenResult> {
    // Tokens held in memory (storage was full): try to store them again.
    if (unsaved) await exclusively(async () => void (unsaved && (await save(unsaved))));
    const held = await currentSignIn();
    if (!held || held.baseUrl !== baseUrl)
      return fail(
        'not_configured',
        `Tool Lens is not signed in to ${hostOf(baseUrl)}. Open the options and sign in with PostHog (or paste a personal API key).`,
      );
    if (held.expiresAt - now() > REFRESH_BEFORE_MS) return { ok: true, token: held.accessToken, signIn: held, identity: identityOf(held) };
    // Every tab asking at once shares one renewal.
    refreshing ??= refresh(held).finally(() => {
      refreshing = null;
    });
    return refreshing;
  }

  /** Signs out: PostHog revokes the tokens (RFC 7009), and they are forgotten here either way. */
  async function signOut(): Promise<void> {
    const held = await exclusively(async () => {
      const current = await currentSignIn();
      unsaved = null;
      await deps.store.set(signInItem, null);
      return current;
    });
    if (held) await revoke(held);
  }

  /** Remembers whose sign-in this is, for the options and popup to show. */
  async function noteUser(user: string) {
    await exclusively(async () => {
      const held = await currentSignIn();
      if (held && held.user !== user) await save({ ...held, user });
    });
  }

  return { signIn, accessToken, signOut, noteUser, current: currentSignIn };
}

export type SignInService = ReturnType<typeof createSignIn>;

/**
 * PostHog's OAuth 2.0 server as far as a public client (the extension) meets it: self-serve client
 * registration, the authorization code flow with PKCE (S256 only), refresh, and the access tokens the
 * API accepts. Followed from PostHog's source:
 * - posthog/api/oauth/dcr.py (DynamicClientRegistrationView, DCRRequestSerializer): anonymous
 *   registration, public clients by default, redirect_uris required, response_types ["code"].
 * - posthog/models/oauth.py (OAuthApplication._validate_redirect_uris): https anywhere, http only on
 *   loopback, private-use schemes unless blocked, no fragments; redirect URIs matched exactly.
 * - posthog/settings/web.py (OAUTH2_PROVIDER): PKCE_REQUIRED for every flow, codes live 5 minutes;
 *   posthog/api/oauth/views.py: DCR clients get 7-day access tokens and keep their refresh token.
 * - posthog/auth.py (OAuthAccessTokenAuthentication): `Bearer pha_…`; expired → 401 "Access token
 *   has expired."; posthog/permissions.py: a token with no scopes may read nothing.
 * The consent screen is PostHog's own page there (a logged-in user picks the projects); here it is a
 * plain form for the local user, with the same choices: every project, or one.
 */
import { createHash, randomBytes } from 'node:crypto';

export const OAUTH_PATHS = {
  authorize: '/oauth/authorize',
  token: '/oauth/token',
  register: '/oauth/register',
  revoke: '/oauth/revoke',
  metadata: '/.well-known/oauth-authorization-server',
} as const;

const CODE_LIFETIME_MS = 5 * 60_000; // AUTHORIZATION_CODE_EXPIRE_SECONDS
const DCR_ACCESS_LIFETIME_S = 7 * 24 * 3600; // EXTENDED_ACCESS_TOKEN_EXPIRE_SECONDS (DCR / CIMD clients)
const BLOCKED_SCHEMES = new Set(['javascript', 'data', 'file', 'blob', 'vbscript']); // BLOCKED_REDIRECT_URI_SCHEMES
const OIDC_SCOPES = ['openid', 'profile', 'email'];
/** posthog/scopes.py API_SCOPE_OBJECTS (those a tool reads or writes), each with read and write. */
const SCOPE_OBJECTS = [
  'action',
  'annotation',
  'cohort',
  'dashboard',
  'event_definition',
  'experiment',
  'feature_flag',
  'group',
  'insight',
  'notebook',
  'organization',
  'person',
  'project',
  'property_definition',
  'query',
  'session_recording',
  'survey',
  'user',
];
export const SUPPORTED_SCOPES = [...OIDC_SCOPES, ...SCOPE_OBJECTS.flatMap((o) => [`${o}:read`, `${o}:write`])];

interface Client {
  clientId: string;
  clientName: string;
  redirectUris: string[];
  grantTypes: string[];
  /** The scope ceiling registered; null: the default set (everything supported). */
  scope: string[] | null;
  issuedAt: number;
}
interface Grant {
  clientId: string;
  redirectUri: string;
  challenge: string;
  scopes: string[];
  scopedTeams: number[];
  expiresAt: number;
  used: boolean;
}
export interface AccessToken {
  token: string;
  clientId: string;
  /** Resource scopes (the OIDC ones do not open any API). */
  scopes: string[];
  /** Projects the user chose at consent; empty: all. */
  scopedTeams: number[];
  expiresAt: number;
  refreshToken: string;
}

export type OAuthAnswer =
  | { kind: 'json'; status: number; body: unknown; headers?: Record<string, string> }
  | { kind: 'html'; status: number; body: string }
  | { kind: 'redirect'; location: string };

const json = (status: number, body: unknown, headers?: Record<string, string>): OAuthAnswer => ({ kind: 'json', status, body, headers });
/** RFC 6749 §5.2, as django-oauth-toolkit answers; never cached (RFC 6749 §5.1). */
const oauthError = (status: number, error: string, description: string): OAuthAnswer =>
  json(status, { error, error_description: description }, { 'Cache-Control': 'no-store' });
const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
const token = (prefix: string) => `${prefix}${randomBytes(24).toString('base64url')}`;
const isLoopback = (host: string) => host === 'localhost' || host === '[::1]' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);
export const s256 = (verifier: string) => createHash('sha256').update(verifier).digest('base64url');

/** OAuthApplication._validate_redirect_uris: why a redirect URI is refused, or null. */
export function redirectUriProblem(uri: string): string | null {
  if (!/^\S+$/.test(uri)) return `Redirect URI ${uri} must not contain whitespace`;
  let parsed: URL;
  try {
    parsed = new URL(uri);
  } catch {
    return `Enter a valid URL: ${uri}`;
  }
  const scheme = parsed.protocol.replace(/:$/, '').toLowerCase();
  if (parsed.hash || uri.includes('#')) return `Redirect URI ${uri} cannot contain fragments`;
  if (scheme !== 'http' && scheme !== 'https') {
    if (BLOCKED_SCHEMES.has(scheme)) return `Redirect URI scheme '${scheme}' is not allowed for security reasons`;
    return null; // RFC 8252 §7.1 private-use scheme
  }
  if (!parsed.hostname) return `Enter a valid URL: ${uri}`;
  if (scheme === 'http' && !isLoopback(parsed.hostname)) return `Redirect URI ${uri} must use https (http is only allowed for loopback addresses)`;
  return null;
}

/** Scopes clamped to what the server has and the client's ceiling; unknown ones dropped, never refused (OAuthValidator.validate_scopes). */
function clampScopes(requested: string | null, client: Client): string[] {
  const ceiling = client.scope ?? SUPPORTED_SCOPES;
  const asked = requested === null || !requested.trim() ? ceiling : requested.split(/\s+/).filter(Boolean);
  return [...new Set(asked.filter((s) => SUPPORTED_SCOPES.includes(s) && (ceiling.includes(s) || OIDC_SCOPES.includes(s))))];
}

export class OAuthServer {
  private readonly clients = new Map<string, Client>();
  private readonly grants = new Map<string, Grant>();
  private readonly tokens = new Map<string, AccessToken>();
  private readonly refreshTokens = new Map<string, { clientId: string; scopes: string[]; scopedTeams: number[]; revoked: boolean }>();

  constructor(private readonly opts: { baseUrl: () => string; projects: () => Array<{ id: number; name: string }>; now?: () => number }) {}

  private now() {
    return (this.opts.now ?? Date.now)();
  }

  /** RFC 8414 metadata (posthog/api/oauth/metadata.py _shared_metadata). */
  metadata(): OAuthAnswer {
    const base = this.opts.baseUrl();
    return json(
      200,
      {
        issuer: base,
        authorization_endpoint: `${base}${OAUTH_PATHS.authorize}/`,
        token_endpoint: `${base}${OAUTH_PATHS.token}/`,
        registration_endpoint: `${base}${OAUTH_PATHS.register}/`,
        revocation_endpoint: `${base}${OAUTH_PATHS.revoke}/`,
        response_types_supported: ['code'],
        response_modes_supported: ['query'],
        grant_types_supported: ['authorization_code', 'refresh_token'],
        code_challenge_methods_supported: ['S256'],
        token_endpoint_auth_methods_supported: ['none', 'client_secret_post'],
        scopes_supported: SUPPORTED_SCOPES,
      },
      { 'Access-Control-Allow-Origin': '*' },
    );
  }

  /** POST /oauth/register/ (RFC 7591): anonymous; a public client unless it asks for a secret. */
  register(body: unknown): OAuthAnswer {
    const bad = (description: string) => oauthError(400, 'invalid_client_metadata', description);
    if (!body || typeof body !== 'object' || Array.isArray(body)) return bad('Request body must be a JSON object.');
    const b = body as Record<string, unknown>;
    const uris = b.redirect_uris;
    if (!Array.isArray(uris) || uris.length === 0 || !uris.every((u) => typeof u === 'string'))
      return bad('redirect_uris: This field is required and must list at least one URI.');
    for (const uri of uris as string[]) {
      const problem = redirectUriProblem(uri);
      if (problem) return oauthError(400, 'invalid_redirect_uri', problem);
    }
    const name = b.client_name === undefined ? '' : b.client_name;
    if (typeof name !== 'string' || name.length > 255) return bad('client_name: Ensure this field has no more than 255 characters.');
    if (/^posthog/i.test(name.trim()) || /official|verified|trusted/i.test(name)) return bad('client_name: This name is reserved.');
    const grantTypes = b.grant_types === undefined ? ['authorization_code'] : b.grant_types;
    if (!Array.isArray(grantTypes) || !grantTypes.every((g) => g === 'authorization_code' || g === 'refresh_token'))
      return bad('grant_types: only authorization_code and refresh_token are supported.');
    const responseTypes = b.response_types === undefined ? ['code'] : b.response_types;
    if (!Array.isArray(responseTypes) || responseTypes.some((r) => r !== 'code')) return bad('response_types: only "code" is supported.');
    const method = b.token_endpoint_auth_method === undefined ? 'none' : b.token_endpoint_auth_method;
    if (method !== 'none' && method !== 'client_secret_post') return bad('token_endpoint_auth_method: "' + String(method) + '" is not a valid choice.');
    if (method !== 'none') return bad('token_endpoint_auth_method: the local PostHog server registers public clients only.');
    let scope: string[] | null = null;
    if (b.scope !== undefined) {
      if (typeof b.scope !== 'string') return bad('scope: Not a valid string.');
      scope = b.scope.split(/\s+/).filter((s) => SUPPORTED_SCOPES.includes(s));
      if (!scope.length) return bad('scope: none of the requested scopes can be granted.');
    }
    const client: Client = {
      clientId: token(''),
      clientName: name,
      redirectUris: uris as string[],
      grantTypes: grantTypes as string[],
      scope,
      issuedAt: Math.floor(this.now() / 1000),
    };
    this.clients.set(client.clientId, client);
    return json(201, {
      client_id: client.clientId,
      client_id_issued_at: client.issuedAt,
      redirect_uris: client.redirectUris,
      grant_types: client.grantTypes,
      response_types: ['code'],
      token_endpoint_auth_method: 'none',
      ...(name ? { client_name: name } : {}),
      ...(scope ? { scope: scope.join(' ') } : {}),
    });
  }

  /** Checks an authorization request; a fatal problem is a JSON answer, any other goes back to the client. */
  private checkAuthorization(
    params: URLSearchParams,
  ): { ok: true; client: Client; redirectUri: string; state: string | null; scopes: string[]; challenge: string } | { ok: false; answer: OAuthAnswer } {
    const client = this.clients.get(params.get('client_id') ?? '');
    // An unknown client_id is fatal: never redirected (posthog/api/oauth/views.py).
    if (!client)
      return { ok: false, answer: oauthError(400, 'invalid_client', 'Unknown client_id. An application belongs to the PostHog it was registered on.') };
    const asked = params.get('redirect_uri');
    const redirectUri = asked ?? (client.redirectUris.length === 1 ? client.redirectUris[0]! : null);
    if (!redirectUri) return { ok: false, answer: oauthError(400, 'invalid_request', 'Missing redirect URI.') };
    if (!client.redirectUris.includes(redirectUri)) return { ok: false, answer: oauthError(400, 'invalid_request', 'Mismatching redirect URI.') };
    const state = params.get('state');
    const back = (error: string, description: string) => ({
      ok: false as const,
      answer: { kind: 'redirect' as const, location: withQuery(redirectUri, { error, error_description: description, state }) },
    });
    if (params.get('response_type') !== 'code') return back('unsupported_response_type', 'Only the authorization code flow (response_type=code) is supported.');
    const prompt = params.get('prompt');
    if (prompt === 'login') return { ok: false, answer: oauthError(401, 'login_required', 'prompt=login is not supported.') };
    if (prompt === 'none') return back('login_required', 'Silent authentication is not supported.');
    const challenge = params.get('code_challenge');
    if (!challenge) return back('invalid_request', 'Code challenge required.');
    if (params.get('code_challenge_method') !== 'S256') return back('invalid_request', 'Transform algorithm not supported.');
    return { ok: true, client, redirectUri, state, scopes: clampScopes(params.get('scope'), client), challenge };
  }

  /** GET /oauth/authorize/: the consent screen. */
  authorizePage(params: URLSearchParams): OAuthAnswer {
    const checked = this.checkAuthorization(params);
    if (!checked.ok) return checked.answer;
    const hidden = ['client_id', 'redirect_uri', 'response_type', 'scope', 'state', 'code_challenge', 'code_challenge_method']
      .map((name) => [name, name === 'redirect_uri' ? checked.redirectUri : params.get(name)] as const)
      .filter(([, v]) => v !== null)
      .map(([name, value]) => `<input type="hidden" name="${name}" value="${escapeHtml(value!)}">`)
      .join('');
    const projects = this.opts
      .projects()
      .map((p) => `<option value="${p.id}">${escapeHtml(p.name)} (${p.id})</option>`)
      .join('');
    const scopes = checked.scopes.map((s) => `<li><code>${escapeHtml(s)}</code></li>`).join('');
    const html = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Authorize ${escapeHtml(checked.client.clientName || 'an application')} · local PostHog</title></head>
<body><main><h1>Authorize ${escapeHtml(checked.client.clientName || 'this application')}</h1>
<p>It asks for:</p><ul data-testid="oauth-scopes">${scopes}</ul>
<p>It will be redirected to <code>${escapeHtml(checked.redirectUri)}</code>.</p>
<form method="post" action="${OAUTH_PATHS.authorize}/">${hidden}
<label for="scoped-team">Projects</label> <select id="scoped-team" name="scoped_team"><option value="all">All projects</option>${projects}</select>
<p><button type="submit" name="allow" value="1" data-testid="oauth-allow">Authorize</button> <button type="submit" name="allow" value="0" data-testid="oauth-deny">Cancel</button></p>
</form></main></body></html>`;
    return { kind: 'html', status: 200, body: html };
  }

  /** POST /oauth/authorize/: the user's answer on the consent screen. */
  consent(form: URLSearchParams): OAuthAnswer {
    const checked = this.checkAuthorization(form);
    if (!checked.ok) return checked.answer;
    if (form.get('allow') !== '1') return { kind: 'redirect', location: withQuery(checked.redirectUri, { error: 'access_denied', state: checked.state }) };
    const team = form.get('scoped_team');
    const scopedTeams = team && team !== 'all' && /^\d+$/.test(team) ? [Number(team)] : [];
    const code = token('');
    this.grants.set(code, {
      clientId: checked.client.clientId,
      redirectUri: checked.redirectUri,
      challenge: checked.challenge,
      scopes: checked.scopes,
      scopedTeams,
      expiresAt: this.now() + CODE_LIFETIME_MS,
      used: false,
    });
    return { kind: 'redirect', location: withQuery(checked.redirectUri, { code, state: checked.state }) };
  }

  /** POST /oauth/token/: a code (with its PKCE verifier) or a refresh token for an access token. */
  token(params: URLSearchParams): OAuthAnswer {
    const client = this.clients.get(params.get('client_id') ?? '');
    if (!client) return oauthError(401, 'invalid_client', 'Client authentication failed.');
    const grantType = params.get('grant_type');
    if (grantType === 'authorization_code') {
      const code = params.get('code') ?? '';
      const grant = this.grants.get(code);
      if (!grant || grant.used || grant.expiresAt <= this.now() || grant.clientId !== client.clientId)
        return oauthError(400, 'invalid_grant', 'Authorization code is invalid or has already been used');
      if (params.get('redirect_uri') !== grant.redirectUri) return oauthError(400, 'invalid_grant', 'Mismatching redirect URI.');
      const verifier = params.get('code_verifier');
      if (!verifier) return oauthError(400, 'invalid_request', 'Code verifier required.');
      if (s256(verifier) !== grant.challenge) return oauthError(400, 'invalid_grant', 'Code verifier is invalid.');
      grant.used = true;
      const refresh = client.grantTypes.includes('refresh_token') ? token('phr_') : null;
      if (refresh) this.refreshTokens.set(refresh, { clientId: client.clientId, scopes: grant.scopes, scopedTeams: grant.scopedTeams, revoked: false });
      return this.issue(client, grant.scopes, grant.scopedTeams, refresh);
    }
    if (grantType === 'refresh_token') {
      if (!client.grantTypes.includes('refresh_token')) return oauthError(400, 'unauthorized_client', 'The client is not authorized to use this grant type.');
      const refresh = params.get('refresh_token') ?? '';
      const held = this.refreshTokens.get(refresh);
      if (!held || held.revoked || held.clientId !== client.clientId) return oauthError(400, 'invalid_grant', 'Invalid refresh token.');
      // The access token it replaces stops working; DCR clients keep their refresh token (no rotation).
      for (const [t, a] of this.tokens) if (a.refreshToken === refresh) this.tokens.delete(t);
      return this.issue(client, held.scopes, held.scopedTeams, refresh);
    }
    return oauthError(400, 'unsupported_grant_type', 'The authorization grant type is not supported by the authorization server.');
  }

  /** POST /oauth/revoke/ (RFC 7009): always 200, whatever the token. */
  revoke(params: URLSearchParams): OAuthAnswer {
    const t = params.get('token') ?? '';
    const access = this.tokens.get(t);
    const refresh = access?.refreshToken ?? (this.refreshTokens.has(t) ? t : null);
    if (refresh) {
      const held = this.refreshTokens.get(refresh);
      if (held) held.revoked = true;
      for (const [k, a] of this.tokens) if (a.refreshToken === refresh) this.tokens.delete(k);
    }
    this.tokens.delete(t);
    return json(200, {});
  }

  private issue(client: Client, scopes: string[], scopedTeams: number[], refresh: string | null): OAuthAnswer {
    const access: AccessToken = {
      token: token('pha_'),
      clientId: client.clientId,
      scopes: scopes.filter((s) => !OIDC_SCOPES.includes(s)),
      scopedTeams,
      expiresAt: this.now() + DCR_ACCESS_LIFETIME_S * 1000,
      refreshToken: refresh ?? '',
    };
    this.tokens.set(access.token, access);
    return json(
      200,
      {
        access_token: access.token,
        token_type: 'Bearer',
        expires_in: DCR_ACCESS_LIFETIME_S,
        scope: scopes.join(' '),
        ...(refresh ? { refresh_token: refresh } : {}),
        scoped_teams: scopedTeams,
        scoped_organizations: [],
      },
      { 'Cache-Control': 'no-store', Pragma: 'no-cache' },
    );
  }

  /** The access token behind `Bearer pha_…`: 'expired' once its time is up; null when there is no such token. */
  accessToken(value: string): AccessToken | 'expired' | null {
    const found = this.tokens.get(value);
    if (!found) return null;
    return found.expiresAt <= this.now() ? 'expired' : found;
  }
}

function withQuery(uri: string, params: Record<string, string | null>): string {
  const url = new URL(uri);
  for (const [k, v] of Object.entries(params)) if (v !== null) url.searchParams.set(k, v);
  return url.toString();
}

/**
 * The connection as the options and popup show it: each link of the chain checked (key, project,
 * query API), the key's scopes against what Tool Lens does, the project's property spellings, and
 * the request budget.
 */
import * as z from 'zod/mini';
import type { HogQLRequest } from '../posthog/hogql';
import { detectSchema } from '../instrumentation/detect';
import { toFailure } from '../posthog/failure';
import type { ConnectionStatusResponse, DetectSchemaResponse, TestConnectionResponse } from '../protocol/messages';
import type { Session } from './session';

/** The connection test's query step: how many events the project has of late. */
export function buildEventCountQuery(days = 7): HogQLRequest {
  return { query: 'SELECT count() FROM events WHERE timestamp >= now() - toIntervalDay({days})', values: { days } };
}

/** What Tool Lens does, and the scope each needs. */
export const NEEDED_SCOPES = [
  { scope: 'query:read', for: 'the card, alerts and auto-mapping' },
  { scope: 'project:read', for: 'the connection check' },
  { scope: 'user:read', for: 'the connection check' },
  { scope: 'dashboard:read', for: 'dashboard shortcuts' },
  { scope: 'annotation:read', for: 'annotations on the card' },
  // GroupsTypesViewSet.scope_object is "group": without it the segment picker offers the types by number.
  { scope: 'group:read', for: 'the group type names in the segment picker' },
  { scope: 'dashboard:write', for: 'creating the Tool Usage dashboard' },
  { scope: 'insight:write', for: 'creating the Tool Usage dashboard' },
] as const;

/** Scopes a key lacks: `*` grants all, `x:write` implies `x:read`. */
export function missingScopes(scopes: string[]): Array<{ scope: string; for: string }> {
  if (scopes.includes('*')) return [];
  return NEEDED_SCOPES.filter(({ scope }) => !scopes.includes(scope) && !(scope.endsWith(':read') && scopes.includes(scope.replace(':read', ':write'))));
}

const keyInfoSchema = z.object({ scopes: z.array(z.string()) });

export type ConnectionService = ReturnType<typeof createConnectionService>;

/** The sign-in's granted scopes, and a place to note whose it is (lib/connection/signIn.ts). */
export interface SignInView {
  signedIn?: () => Promise<{ scopes: string[] } | null>;
  noteUser?: (user: string) => Promise<void>;
}

export function createConnectionService(session: Session, { signedIn, noteUser }: SignInView = {}) {
  /** Checks each link of the chain and says exactly which one failed. */
  async function testConnection(): Promise<TestConnectionResponse> {
    const connected = await session.connect();
    if (!connected.ok) return { ok: false, checks: [{ step: 'settings', ok: false, detail: connected.error.message }] };
    const { client, settings } = connected.connection;
    const checks: TestConnectionResponse['checks'] = [];
    const steps: Array<[TestConnectionResponse['checks'][number]['step'], () => Promise<string>]> = [
      ['user', async () => `${settings.auth === 'signIn' ? 'Sign-in' : 'Key'} accepted (user ${(await client.me()).email})`],
      ['project', async () => `Project "${(await client.project()).name}" (${settings.projectId})`],
      [
        'query',
        async () => {
          const result = await client.hogql(buildEventCountQuery(7));
          const count = Number(result.results[0]?.[0] ?? 0);
          return `Query API works: ${count.toLocaleString('en-US')} events in the last 7 days`;
        },
      ],
    ];
    for (const [step, run] of steps) {
      try {
        checks.push({ step, ok: true, detail: await run() });
      } catch (error) {
        checks.push({ step, ok: false, detail: toFailure(error).message });
        return { ok: false, checks };
      }
    }
    return { ok: true, checks };
  }

  /** Whether the key works, whose it is, and which scopes it lacks for what Tool Lens does. */
  async function connectionStatus(): Promise<ConnectionStatusResponse> {
    return session.run(async ({ client, settings }) => {
      const user = await client.me();
      if (settings.auth === 'signIn') {
        // A sign-in's scopes are those PostHog granted with the token (its @current key endpoint takes keys only).
        const held = await signedIn?.();
        await noteUser?.(user.email);
        const scopes = held?.scopes ?? null;
        return { ok: true, via: 'signIn', user: user.email, scopes, missing: scopes ? missingScopes(scopes) : [] };
      }
      // Older PostHog releases have no @current key endpoint: the scopes are then unknown, not missing.
      const info = await client.request('/api/personal_api_keys/@current/', keyInfoSchema).catch(() => null);
      return { ok: true, via: 'key', user: user.email, scopes: info?.scopes ?? null, missing: info ? missingScopes(info.scopes) : [] };
    });
  }

  /** Which spelling of each property the project's data uses, to remember in the settings. */
  async function detectProjectSchema(): Promise<DetectSchemaResponse> {
    return session.run(async ({ client }) => {
      const detection = await detectSchema(client);
      const properties: Extract<DetectSchemaResponse, { ok: true }>['properties'] = {};
      for (const [name, found] of Object.entries(detection.properties)) {
        // Detection's choice: one spelling, or both; `$session_id` beside `session_id` is PostHog's own id, not a spelling.
        const spellings = found.usage === 'none' || found.spelling === 'both' ? [name, `$${name}`] : [found.spelling];
        properties[name] = { spellings, plain: found.plain, dollar: found.dollar };
      }
      return { ok: true, days: detection.days, properties, events: { ...detection.events } };
    });
  }

  return { testConnection, connectionStatus, detectProjectSchema, budgetStatus: session.budgetStatus };
}

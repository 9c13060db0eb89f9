/**
 * Background logic behind the card: settings → one HogQL query → validated figures.
 * Caches answers briefly, shares one request among tabs asking for the same tool, and
 * honours PostHog's Retry-After. Pure of browser APIs: settings come in through `loadSettings`.
 */
import { buildCardQuery } from './cardQuery';
import { toToolMetrics } from './cardMetrics';
import type { Failure, TestConnectionResponse, ToolMetricsResponse } from './messages';
import { createPostHogClient, PostHogError } from './posthogClient';
import type { RangeKey } from './ranges';
import { postHogBaseUrl, type Settings, type SettingsState } from './settings';

export interface MetricsServiceDeps {
  loadSettings: () => Promise<SettingsState>;
  fetch?: typeof fetch;
  now?: () => number;
  /** How long an answer is served without asking PostHog again. */
  freshForMs?: number;
}

const NOT_CONFIGURED: Failure = {
  kind: 'not_configured',
  message: 'Tool Lens is not connected to PostHog yet. Open the options to add your host, project and key.',
};

export function toFailure(error: unknown): Failure {
  if (error instanceof PostHogError) return { kind: error.kind, message: error.message };
  return { kind: 'bad_response', message: `Unexpected error: ${(error as Error)?.message ?? String(error)}` };
}

export function createMetricsService(deps: MetricsServiceDeps) {
  const now = deps.now ?? Date.now;
  const freshForMs = deps.freshForMs ?? 60_000;
  const cache = new Map<string, { at: number; response: ToolMetricsResponse }>();
  const inFlight = new Map<string, Promise<ToolMetricsResponse>>();
  let blockedUntil = 0;

  function clientFor(settings: Settings) {
    return createPostHogClient({
      baseUrl: postHogBaseUrl(settings),
      projectId: settings.projectId,
      apiKey: settings.apiKey,
      fetch: deps.fetch,
    });
  }

  async function settingsOrFailure(): Promise<Settings | Failure> {
    const state = await deps.loadSettings();
    if (state.status === 'configured') return state.settings;
    if (state.status === 'missing') return NOT_CONFIGURED;
    return { kind: 'not_configured', message: `Tool Lens settings are invalid (${state.message}). Open the options to fix them.` };
  }

  async function fetchMetrics(settings: Settings, tool: string, range: RangeKey): Promise<ToolMetricsResponse> {
    const client = clientFor(settings);
    try {
      const response = await client.hogql(buildCardQuery(tool, range));
      const metrics = toToolMetrics(response, tool, range, new Date(now()));
      const postHogUrl = `${client.baseUrl}/project/${settings.projectId}/events`;
      return { ok: true, metrics, postHogUrl };
    } catch (error) {
      if (error instanceof PostHogError && error.retryAfterSeconds) {
        blockedUntil = Math.max(blockedUntil, now() + error.retryAfterSeconds * 1000);
      }
      return { ok: false, error: toFailure(error) };
    }
  }

  async function getToolMetrics(tool: string, range: RangeKey, refresh = false): Promise<ToolMetricsResponse> {
    const settings = await settingsOrFailure();
    if ('kind' in settings) return { ok: false, error: settings };

    const key = JSON.stringify([postHogBaseUrl(settings), settings.projectId, tool, range]);
    const cached = cache.get(key);
    if (cached && !refresh && now() - cached.at < freshForMs) return cached.response;
    if (now() < blockedUntil) {
      const seconds = Math.ceil((blockedUntil - now()) / 1000);
      return { ok: false, error: { kind: 'rate_limited', message: `PostHog is rate limiting this key; retrying in ${seconds} s` } };
    }

    const pending = inFlight.get(key);
    if (pending) return pending;
    const request = fetchMetrics(settings, tool, range).then((response) => {
      if (response.ok) cache.set(key, { at: now(), response });
      return response;
    });
    inFlight.set(key, request);
    try {
      return await request;
    } finally {
      inFlight.delete(key);
    }
  }

  /** Checks each link of the chain and says exactly which one failed. */
  async function testConnection(): Promise<TestConnectionResponse> {
    const settings = await settingsOrFailure();
    if ('kind' in settings) return { ok: false, checks: [{ step: 'settings', ok: false, detail: settings.message }] };
    const client = clientFor(settings);
    const checks: TestConnectionResponse['checks'] = [];
    const steps: Array<[TestConnectionResponse['checks'][number]['step'], () => Promise<string>]> = [
      ['user', async () => `Key accepted (user ${(await client.me()).email})`],
      ['project', async () => `Project "${(await client.project()).name}" (${settings.projectId})`],
      [
        'query',
        async () => {
          const result = await client.hogql({
            query: 'SELECT count() FROM events WHERE timestamp >= now() - toIntervalDay({days})',
            values: { days: 7 },
          });
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
    cache.clear();
    return { ok: true, checks };
  }

  return { getToolMetrics, testConnection, clearCache: () => cache.clear() };
}

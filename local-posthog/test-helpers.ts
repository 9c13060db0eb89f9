import type { LocalPostHog } from './server.js';

export interface QueryResponse {
  results: unknown[][];
  columns: string[];
  types: [string, string][];
  hasMore: boolean;
  limit: number | null;
  clickhouse: string;
  hogql: string;
  is_cached: boolean;
  error: null;
  [k: string]: unknown;
}

export async function hogql(ph: LocalPostHog, query: string, values: Record<string, unknown> = {}): Promise<QueryResponse> {
  const res = await postQuery(ph, { query: { kind: 'HogQLQuery', query, values } });
  if (res.status !== 200) throw new Error(`query failed ${res.status}: ${JSON.stringify(res.body)}`);
  return res.body as QueryResponse;
}

export async function postQuery(
  ph: LocalPostHog,
  body: unknown,
  headers: Record<string, string> = { authorization: `Bearer ${ph.apiKey}` },
  path = `/api/projects/${ph.projectId}/query/`,
): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(ph.url + path, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

export async function captureBatch(ph: LocalPostHog, batch: unknown[]): Promise<void> {
  const res = await fetch(ph.url + '/batch/', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ api_key: ph.projectApiKey, batch }),
  });
  if (res.status !== 200) throw new Error(`capture failed ${res.status}: ${await res.text()}`);
}

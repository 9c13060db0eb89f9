/** The alert check (lib/project/alerts.ts + lib/project/projectService.ts) on the local server, on events written for the test. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { memoryStore } from '../lib/storage/store';
import { servicesFor } from '../lib/testing/services';
import { DEFAULT_METRICS_OPTIONS } from '../lib/settings/settings';
import { startLocalPostHog, type LocalPostHog } from './server';
import { captureBatch } from './test-helpers';

let ph: LocalPostHog;
const MIN = 60_000;
const ago = (ms: number) => new Date(Date.now() - ms).toISOString();

beforeAll(async () => {
  ph = await startLocalPostHog();
  const batch: unknown[] = [];
  const ev = (event: string, tool: string, msAgo: number, props: Record<string, unknown> = {}) =>
    batch.push({ event, distinct_id: 'u', timestamp: ago(msAgo), properties: { tool_name: tool, ...props } });
  // burst: 11 failures in the last hour (over 10)
  for (let i = 0; i < 11; i++) {
    ev('tool_processing_started', 'burst', 30 * MIN + i * 1000);
    ev('tool_processing_failed', 'burst', 30 * MIN + i * 1000 - 500, { error_type: 'timeout' });
  }
  // exactly 10 failures: not over
  for (let i = 0; i < 10; i++) ev('tool_processing_failed', 'edge', 20 * MIN + i * 1000);
  // slow: mean 61 s over two completed jobs, `$` spelling of the tool
  batch.push({
    event: 'tool_processing_completed',
    distinct_id: 'u',
    timestamp: ago(10 * MIN),
    properties: { $tool_name: 'slow', processing_duration_ms: 60_000 },
  });
  batch.push({
    event: 'tool_processing_completed',
    distinct_id: 'u',
    timestamp: ago(9 * MIN),
    properties: { $tool_name: 'slow', processing_duration_ms: 62_000 },
  });
  // old failures do not count
  for (let i = 0; i < 20; i++) ev('tool_processing_failed', 'yesterday', 26 * 60 * MIN);
  await captureBatch(ph, batch);
});
afterAll(() => ph?.close());

describe('alert check on the local server', () => {
  it('finds the tools over seed 000’s thresholds with one query', async () => {
    let queries = 0;
    const counting: typeof fetch = (input, init) => {
      if (String(input).endsWith('/query/')) queries++;
      return fetch(input, init);
    };
    const svc = servicesFor({
      loadSettings: async () => ({
        status: 'configured',
        settings: { host: 'custom', customHost: ph.url, projectId: '1', apiKey: ph.apiKey, ...DEFAULT_METRICS_OPTIONS },
      }),
      store: memoryStore(),
      fetch: counting,
    }).project;
    const state = await svc.checkAlerts();
    expect(queries).toBe(1);
    expect(state?.error).toBeNull();
    expect(state?.tools.map((t) => [t.tool, t.metrics])).toEqual([
      ['burst', ['failures_last_hour']],
      ['slow', ['mean_duration_s']],
    ]);
    expect(state?.tools[1]?.reasons[0]).toBe('61 s mean processing time in the last hour (alert above 60 s)');
  });
});

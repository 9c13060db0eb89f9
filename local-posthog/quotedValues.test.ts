/**
 * Values with quotes, backslashes and markup, sent by the real posthog-node client and read back
 * through lib's services on the local server. PostHog reads a string property as its raw JSON text
 * without the outer quotes (posthog/hogql/printer/base.py `_unsafe_json_extract_trim_quotes`), so
 * `"` reads as `\"`: Tool Lens compares with that form and shows the decoded text.
 */
import { PostHog } from 'posthog-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { memoryStore } from '../lib/storage/store';
import { servicesFor } from '../lib/testing/services';
import { DEFAULT_METRICS_OPTIONS, type SettingsState } from '../lib/settings/settings';
import { startLocalPostHog, type LocalPostHog } from './server';
import { hogql } from './test-helpers';

const TOOL = `o'reilly "quote" {tool}`;
const ERROR = '<b class="x">';
const JOB = 'job \\ back\\slash "1"';
const PATH = '/tools/o-reilly';

let ph: LocalPostHog;
let state: SettingsState;

beforeAll(async () => {
  ph = await startLocalPostHog({ seed: { seed: 4, days: 2, events: 800 } });
  state = { status: 'configured', settings: { host: 'custom', customHost: ph.url, projectId: '1', apiKey: ph.apiKey, ...DEFAULT_METRICS_OPTIONS } };
  const client = new PostHog(ph.projectApiKey, { host: ph.url, flushAt: 100, flushInterval: 0 });
  const at = (minutesAgo: number) => new Date(Date.now() - minutesAgo * 60_000);
  for (let i = 0; i < 12; i++) {
    const properties = { tool_name: TOOL, session_id: `q-${i}`, page_path: PATH };
    client.capture({ distinctId: `q-${i}`, event: 'tool_viewed', timestamp: at(50 - i), properties });
    client.capture({ distinctId: `q-${i}`, event: 'tool_processing_started', timestamp: at(49 - i), properties: { ...properties, job_id: `${JOB}-${i}` } });
    client.capture({
      distinctId: `q-${i}`,
      event: 'tool_processing_failed',
      timestamp: at(48 - i),
      properties: { ...properties, job_id: `${JOB}-${i}`, error_type: ERROR, processing_duration_ms: 100 + i },
    });
  }
  // `_` is LIKE's one-character wildcard: a tool named with it is matched as itself, never as a pattern.
  for (const [tool, views] of [
    ['pdf_to_text', 5],
    ['pdfXtoXtext', 3],
  ] as const) {
    for (let i = 0; i < views; i++)
      client.capture({ distinctId: `${tool}-${i}`, event: 'tool_viewed', timestamp: at(30 - i), properties: { tool_name: tool, session_id: `${tool}-${i}` } });
  }
  await client.shutdown();
});
afterAll(async () => {
  await ph?.close();
});

const services = () => servicesFor({ loadSettings: async () => state, store: memoryStore(), budget: { capacity: 1000, refillPerHour: 1000 } });
const metrics = () => services().card;

describe('values with quotes, backslashes and markup', () => {
  it('are stored as JSON and read by HogQL in their escaped form, as PostHog reads them', async () => {
    const r = await hogql(
      ph,
      `SELECT properties.tool_name, properties.error_type FROM events WHERE event = 'tool_processing_failed' AND distinct_id = 'q-0' LIMIT 1`,
    );
    expect(r.results).toEqual([[`o'reilly \\"quote\\" {tool}`, '<b class=\\"x\\">']]);
  });

  it('give the card right figures, the error type shown as it was sent', async () => {
    const answer = await metrics().getToolMetrics(TOOL, '24h');
    expect(answer.ok).toBe(true);
    if (!answer.ok) return;
    expect(answer.metrics.tool).toBe(TOOL);
    expect(answer.metrics.funnel.steps[0]!.current).toBe(12);
    expect(answer.metrics.jobs.current).toMatchObject({ started: 12, failed: 12 });
    expect(answer.metrics.errors).toEqual([{ type: ERROR, current: 12, previous: 0 }]);
    expect(answer.metrics.health.failuresLastHour).toBe(12);
  });

  it('give a tool named with `_` its own figures, not those of names it would match as a wildcard', async () => {
    for (const [tool, views] of [
      ['pdf_to_text', 5],
      ['pdfXtoXtext', 3],
    ] as const) {
      const answer = await metrics().getToolMetrics(tool, '24h');
      expect(answer.ok && answer.metrics.funnel.steps[0]!.current).toBe(views);
    }
  });

  it('give the triage tab the job ids and error types as sent', async () => {
    const answer = await metrics().getTriage(TOOL, '24h');
    expect(answer.ok && answer.triage.failures.map((f) => [f.jobId, f.detail])).toEqual(Array.from({ length: 8 }, (_, k) => [`${JOB}-${11 - k}`, ERROR]));
  });

  it('are named right where Tool Lens lists tools: tools seen, auto-mapping, alerts', async () => {
    const none = await metrics().getToolMetrics('no-such-tool', '24h');
    expect(none.ok && none.metrics.toolsSeen?.map((t) => t.tool)).toContain(TOOL);
    const map = await services().project.fetchAutoMap();
    expect(map?.map[PATH]).toBe(TOOL);
    const store = memoryStore();
    const alerts = await servicesFor({ loadSettings: async () => state, store }).project.checkAlerts(true);
    expect(alerts?.tools.map((t) => t.tool)).toContain(TOOL);
  });
});

import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalPostHog, type LocalPostHog } from '../local-posthog/server.js';
import { captureBatch } from '../local-posthog/test-helpers.js';
import { queryCatalog } from './queryCatalog';

let ph: LocalPostHog;

// A tool with figures known by construction, well inside the last day.
const CLI_TOOL = `cli "quoted" tool`;
beforeAll(async () => {
  ph = await startLocalPostHog({ seed: { seed: 42, days: 30, events: 10_000 } });
  const at = (minutesAgo: number) => new Date(Date.now() - minutesAgo * 60_000).toISOString();
  const e = (event: string, session: string, minutesAgo: number, extra: Record<string, unknown> = {}) => ({
    event,
    distinct_id: session,
    timestamp: at(minutesAgo),
    properties: { tool_name: CLI_TOOL, session_id: session, ...extra },
  });
  await captureBatch(ph, [
    e('tool_viewed', 'a', 60),
    e('tool_upload_started', 'a', 59),
    e('tool_processing_started', 'a', 58),
    e('tool_processing_completed', 'a', 57, { processing_duration_ms: 300 }),
    e('tool_result_downloaded', 'a', 56),
    e('tool_viewed', 'b', 50),
    e('tool_upload_started', 'b', 49),
    e('tool_processing_started', 'b', 48),
    e('tool_processing_completed', 'b', 47, { processing_duration_ms: 100 }),
    e('tool_viewed', 'c', 40),
    e('tool_upload_started', 'c', 39),
    e('tool_processing_started', 'c', 38),
    e('tool_processing_failed', 'c', 37, { error_type: '<b class="x">' }),
    e('tool_viewed', 'd', 30),
    e('tool_processing_completed', 'd', 29, { processing_duration_ms: 200 }),
  ]);
});
afterAll(async () => {
  await ph?.close();
});

/** Runs the CLI as a child process, as a user would. */
function run(args: string[], key: string | undefined): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const env = { ...process.env };
    delete env.POSTHOG_PERSONAL_API_KEY;
    if (key !== undefined) env.POSTHOG_PERSONAL_API_KEY = key;
    const child = spawn('npx', ['tsx', 'cli/tool-lens.ts', ...args], { env, cwd: process.cwd() });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

const hostArgs = () => ['--host', ph.url, '--project', String(ph.projectId)];

describe('tool-lens CLI', () => {
  it('check: connection, tool events and property spelling, exit 0', async () => {
    const { code, stdout, stderr } = await run(['check', ...hostArgs()], ph.apiKey);
    expect(stderr).not.toMatch(/Error/);
    expect(code).toBe(0);
    expect(stdout).toContain('Key: OK (user dev@tool-lens.local)');
    expect(stdout).toContain('Project: OK (1 "Tool Lens (local)")');
    expect(stdout).toMatch(/Query API: OK/);
    for (const e of [
      'tool_viewed',
      'tool_upload_started',
      'tool_processing_started',
      'tool_processing_completed',
      'tool_processing_failed',
      'tool_result_downloaded',
    ]) {
      expect(stdout).toMatch(new RegExp(`^  ${e}\\s+[\\d,]+$`, 'm'));
    }
    expect(stdout).not.toContain('missing');
    expect(stdout).toMatch(/^ {2}tool_name\s+[\d,]+ \/\s+[\d,]+\s+→ both: coalesce\(tool_name, \$tool_name\)$/m);
    expect(stdout).toMatch(/^ {2}error_type\s+[\d,]+ \/\s+0\s+→ error_type$/m);
    expect(stdout).toMatch(/^ {2}session_id\s+[\d,]+ \/\s+[\d,]+\s+→ session_id$/m);
  });

  it('exits 1 with a clear message on a wrong key', async () => {
    const { code, stdout, stderr } = await run(['check', ...hostArgs()], 'phx_wrong_key');
    expect(code).toBe(1);
    expect(stderr).toContain('Error: PostHog rejected the personal API key (401)');
    expect(stdout).not.toContain('Key: OK');
  });

  it('exits 2 on usage errors, and prints help', async () => {
    const noKey = await run(['check', ...hostArgs()], undefined);
    expect(noKey.code).toBe(2);
    expect(noKey.stderr).toContain('POSTHOG_PERSONAL_API_KEY');
    const badHost = await run(['check', '--host', 'http://example.com', '--project', '1'], 'k');
    expect(badHost.code).toBe(2);
    expect(badHost.stderr).toContain('--host: Use https://');
    const badProject = await run(['dashboard', '--host', 'eu', '--project', 'abc'], 'k');
    expect(badProject.code).toBe(2);
    expect(badProject.stderr).toContain('--project');
    const unknown = await run(['frobnicate'], 'k');
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('Unknown command: frobnicate');
    const help = await run(['--help'], undefined);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('Usage: tool-lens <command>');
  });

  it('queries: every query the extension can send, one JSON object a line, with no key and no network', async () => {
    const { code, stdout } = await run(['queries', '--json'], undefined);
    expect(code).toBe(0);
    const lines = stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { name: string; query: string; values: Record<string, unknown> });
    expect(lines).toEqual(queryCatalog());
    expect(lines.map((l) => l.name)).toContain('card (both, no segment, sessions, 7d)');
    const readable = await run(['queries'], undefined);
    expect(readable.stdout).toMatch(/^-- card \(plain, person segment, persons, 7d\) {2}values: \{/m);
  });

  it('card --json: the figures the card computes, error types decoded', async () => {
    const { code, stdout, stderr } = await run(['card', ...hostArgs(), '--tool', CLI_TOOL, '--range', '24h', '--json'], ph.apiKey);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    const card = JSON.parse(stdout);
    expect(card).toMatchObject({
      tool: CLI_TOOL,
      range: '24h',
      funnel: [
        { step: 'tool_viewed', sessions: 4 },
        { step: 'tool_upload_started', sessions: 3 },
        { step: 'tool_processing_started', sessions: 3 },
        { step: 'tool_processing_completed', sessions: 2 },
        { step: 'tool_result_downloaded', sessions: 1 },
      ],
      jobs: { started: 3, completed: 3, failed: 1 },
      // quantileExact's rule: element ⌊level·n⌋ of [100, 200, 300].
      latency: { n: 3, p50: 200, p95: 300, p99: 300, mean: 200 },
      errors: [{ type: '<b class="x">', count: 1 }],
    });
    expect(Date.parse(card.asOf)).toBeGreaterThan(Date.now() - 120_000);
    // Each change with its test: nothing happened the day before, so nothing to compare the rates with,
    // and one failure against none is no evidence (exact Poisson test, p = 1).
    expect(card.compare.viewToDownload).toEqual({ current: 0.25, previous: null, significant: false, interval: null });
    expect(card.compare.failureRate).toMatchObject({ current: 1 / 3, previous: null, significant: false });
    expect(card.compare.p95).toMatchObject({ current: 300, previous: null, significant: false });
    // Its place among the project's tools, from the query the cards share.
    expect(card.rank.p95).toEqual({ position: expect.any(Number), of: expect.any(Number) });
    expect(card.rank.p95.position).toBeLessThanOrEqual(card.rank.p95.of);
    expect(card.rank.failureRate).toMatchObject({ position: expect.any(Number), of: expect.any(Number) });
    expect(card.errors[0].compare).toEqual({
      current: 1,
      previous: 0,
      significant: false,
      pValue: expect.closeTo(1, 10),
      interval: [expect.closeTo(1 / 39, 6), null],
    });
  });

  it("card: a readable table; exit 1 with PostHog's reason on failure, 2 on a wrong range", async () => {
    const table = await run(['card', ...hostArgs(), '--tool', CLI_TOOL, '--range', '24h'], ph.apiKey);
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/^ {2}tool_viewed\s+4$/m);
    expect(table.stdout).toContain('p50 200 ms, p95 300 ms, p99 300 ms');
    const wrongProject = await run(['card', '--host', ph.url, '--project', '999', '--tool', CLI_TOOL], ph.apiKey);
    expect(wrongProject.code).toBe(1);
    expect(wrongProject.stderr).toContain('Error: Project 999 was not found');
    const badRange = await run(['card', ...hostArgs(), '--tool', CLI_TOOL, '--range', '2w'], ph.apiKey);
    expect(badRange.code).toBe(2);
    expect(badRange.stderr).toContain('--range: one of 1h, 24h, 7d, 30d');
  });

  it('dashboard: creates, then updates the same dashboard, printing progress', async () => {
    const first = await run(['dashboard', ...hostArgs()], ph.apiKey);
    expect(first.stderr).not.toMatch(/Error|FAILED/);
    expect(first.code).toBe(0);
    expect(first.stdout).toContain('Property spelling: tool_name → both, processing_duration_ms → both');
    expect(first.stdout).toMatch(/Created dashboard "Tool Usage Analytics" \(id (\d+)\)/);
    expect(first.stdout.match(/^ {2}\[\s*\d+\/12\] .*: created \(insight \d+\)$/gm)).toHaveLength(12);
    expect(first.stdout).toContain('Layout: 12 tiles placed in 4 rows');
    const id = /\(id (\d+)\)/.exec(first.stdout)![1];

    const second = await run(['dashboard', ...hostArgs()], ph.apiKey);
    expect(second.code).toBe(0);
    expect(second.stdout).toContain(`Found dashboard "Tool Usage Analytics" (id ${id}), updating it`);
    expect(second.stdout.match(/: updated \(insight \d+\)$/gm)).toHaveLength(12);
    expect(second.stdout).toContain(`Dashboard ${id} updated: 12 of 12 insights saved.`);
  });
});

import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalPostHog, type LocalPostHog } from '../local-posthog/server.js';

let ph: LocalPostHog;

beforeAll(async () => {
  ph = await startLocalPostHog({ seed: { seed: 42, days: 30, events: 10_000 } });
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
    for (const e of ['tool_viewed', 'tool_upload_started', 'tool_processing_started', 'tool_processing_completed', 'tool_processing_failed', 'tool_result_downloaded']) {
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

import { describe, expect, it } from 'vitest';
import type { DashboardProgress } from '../protocol/messages';
import { runDashboardPort, WORKER_STOPPED } from './dashboardPort';

/** A runtime whose one port the test drives from the worker's side. */
function runtime() {
  const listeners = { message: [] as Array<(m: unknown) => void>, disconnect: [] as Array<() => void> };
  const port = {
    name: '',
    disconnected: false,
    onMessage: { addListener: (l: (m: unknown) => void) => listeners.message.push(l) },
    onDisconnect: { addListener: (l: () => void) => listeners.disconnect.push(l) },
    disconnect() {
      port.disconnected = true;
    },
  };
  return {
    port,
    api: { connect: ({ name }: { name: string }) => ((port.name = name), port) },
    send: (m: unknown) => listeners.message.forEach((l) => l(m)),
    workerStops: () => listeners.disconnect.forEach((l) => l()),
  };
}

describe('dashboard port', () => {
  it('passes on checked progress lines, then the result, and closes the port', () => {
    const r = runtime();
    const seen: DashboardProgress[] = [];
    runDashboardPort(r.api, (m) => seen.push(m));
    expect(r.port.name).toBe('tool-usage-dashboard');
    r.send({ type: 'progress', text: '1/12 Daily Tool Usage Trend: created', failed: false });
    r.send({ type: 'progress', text: 42 });
    r.send({ type: 'done', ok: true, url: 'https://ph.test/project/1/dashboard/3', created: true, failed: 0, message: 'Created' });
    expect(seen.map((m) => m.type)).toEqual(['progress', 'done']);
    expect(r.port.disconnected).toBe(true);
  });

  it('says the worker stopped when the port closes before the result', () => {
    const r = runtime();
    const seen: DashboardProgress[] = [];
    runDashboardPort(r.api, (m) => seen.push(m));
    r.send({ type: 'progress', text: 'Found dashboard', failed: false });
    r.workerStops();
    expect(seen.at(-1)).toEqual(WORKER_STOPPED);
  });
});

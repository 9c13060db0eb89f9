/**
 * Creating the Tool Usage dashboard from the popup or the options: the worker streams progress lines
 * over a port, then one result (lib/protocol/messages.ts DASHBOARD_PORT). Each line is checked; the port
 * is closed once the result is in, and a worker that stops first is said to have stopped.
 */
import { DASHBOARD_PORT, dashboardProgressSchema, type DashboardProgress } from '../protocol/messages';

export interface DashboardPortApi {
  connect(info: { name: string }): {
    onMessage: { addListener(listener: (message: unknown) => void): void };
    onDisconnect: { addListener(listener: () => void): void };
    disconnect(): void;
  };
}

export const WORKER_STOPPED: DashboardProgress = {
  type: 'done',
  ok: false,
  url: null,
  created: false,
  failed: 0,
  message: 'The Tool Lens worker stopped before finishing; try again.',
};

export function runDashboardPort(runtime: DashboardPortApi, onMessage: (message: DashboardProgress) => void): void {
  const port = runtime.connect({ name: DASHBOARD_PORT });
  let done = false;
  port.onMessage.addListener((raw) => {
    const parsed = dashboardProgressSchema.safeParse(raw);
    if (!parsed.success || done) return;
    onMessage(parsed.data);
    if (parsed.data.type !== 'done') return;
    done = true;
    port.disconnect();
  });
  port.onDisconnect.addListener(() => {
    if (done) return;
    done = true;
    onMessage(WORKER_STOPPED);
  });
}

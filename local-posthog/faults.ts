/**
 * Fault injection for the local PostHog server: tests make an endpoint answer with a given status,
 * headers, body, delay, malformed JSON, a drifted shape, or drop the connection — and count the
 * requests that reached each endpoint, to prove there is no request storm.
 *
 * In-process: `ph.faults.set({ path: '/api/projects/1/query/', status: 429, headers: { 'Retry-After': '2' }, times: 1 })`.
 * Over HTTP (guarded by the personal API key): POST /_admin/faults with a fault as JSON body
 * (`path` as a string), DELETE /_admin/faults to clear, GET /_admin/faults for the request counts.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';

export interface Fault {
  /** Path of the endpoint (trailing slash ignored), or a pattern matched against it. */
  path: string | RegExp;
  /** Only this method (default: any). */
  method?: string;
  /** Answer with this status (default 200 when a body is given, else the real handler runs). */
  status?: number;
  headers?: Record<string, string>;
  /** Answer body: a string is sent as is, anything else as JSON. */
  body?: unknown;
  /** Wait this long before answering (bounded to 120 s); combined with the other settings, or alone to slow the real answer. */
  delayMs?: number;
  /** Answer with a truncated JSON document (status as given, default 200). */
  malformed?: boolean;
  /** Let the real handler run, then change its JSON answer before it is sent. */
  drift?: (body: unknown) => unknown;
  /** Destroy the connection without an answer (after the delay, if any). */
  drop?: boolean;
  /** How many matching requests the fault applies to (default: until cleared). */
  times?: number;
}

export interface FaultHit {
  method: string;
  path: string;
  at: number;
  /** Whether a fault answered (or shaped the answer). */
  faulted: boolean;
}

const MAX_DELAY_MS = 120_000;
const MAX_LOG = 10_000;
const norm = (path: string) => path.replace(/\/+$/, '') || '/';

export type FaultOutcome = { handled: true } | { handled: false; transform?: (body: unknown) => unknown };

export class Faults {
  private faults: Array<Fault & { left: number }> = [];
  private timers = new Set<{ timer: NodeJS.Timeout; resolve: () => void }>();
  /** Every request that reached the server (API, capture, admin excluded), oldest first; bounded. */
  readonly log: FaultHit[] = [];

  /** Adds a fault; the newest matching fault wins. */
  set(fault: Fault): void {
    this.faults.unshift({ ...fault, left: fault.times ?? Number.POSITIVE_INFINITY });
  }

  /** Removes every fault and releases requests waiting on a delay (they then get the real answer). */
  clear(): void {
    this.faults = [];
    for (const pending of this.timers) {
      clearTimeout(pending.timer);
      pending.resolve();
    }
    this.timers.clear();
  }

  /** Forgets the request log. */
  resetCount(): void {
    this.log.length = 0;
  }

  /** Requests that reached `path` (trailing slash ignored) since the last reset. */
  count(path: string | RegExp, method?: string): number {
    return this.log.filter((h) => matches(path, h.path) && (!method || h.method === method.toUpperCase())).length;
  }

  private take(method: string, path: string): Fault | null {
    const index = this.faults.findIndex((f) => f.left > 0 && matches(f.path, path) && (!f.method || f.method.toUpperCase() === method));
    if (index < 0) return null;
    const fault = this.faults[index]!;
    fault.left -= 1;
    if (fault.left <= 0) this.faults.splice(index, 1);
    return fault;
  }

  private wait(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const pending = {
        timer: setTimeout(
          () => {
            this.timers.delete(pending);
            resolve();
          },
          Math.min(Math.max(0, ms), MAX_DELAY_MS),
        ),
        resolve,
      };
      this.timers.add(pending);
    });
  }

  /**
   * The server's hook: records the request and applies a matching fault. `handled` means the fault
   * answered (or dropped the connection); otherwise the real handler runs, with `transform` applied
   * to its JSON answer when the fault drifts the shape.
   */
  async apply(req: IncomingMessage, res: ServerResponse, corsHeaders: Record<string, string>): Promise<FaultOutcome> {
    const method = (req.method ?? 'GET').toUpperCase();
    const path = norm(new URL(req.url ?? '/', 'http://localhost').pathname);
    const fault = method === 'OPTIONS' ? null : this.take(method, path);
    if (method !== 'OPTIONS') {
      this.log.push({ method, path, at: Date.now(), faulted: fault !== null });
      if (this.log.length > MAX_LOG) this.log.splice(0, this.log.length - MAX_LOG);
    }
    if (!fault) return { handled: false };
    if (fault.delayMs) await this.wait(fault.delayMs);
    if (res.destroyed || req.destroyed) return { handled: true };
    if (fault.drop) {
      req.socket.destroy();
      return { handled: true };
    }
    if (fault.malformed || fault.status !== undefined || fault.body !== undefined) {
      const payload = fault.malformed
        ? '{"results": [["funnel", "current", "1", 3'
        : fault.body === undefined
          ? JSON.stringify({ type: 'server_error', code: 'injected', detail: `Injected fault (HTTP ${fault.status ?? 200}).`, attr: null })
          : typeof fault.body === 'string'
            ? fault.body
            : JSON.stringify(fault.body);
      res.writeHead(fault.status ?? 200, {
        ...corsHeaders,
        'Content-Type': 'application/json',
        'Content-Length': Buffer.byteLength(payload),
        ...fault.headers,
      });
      res.end(payload);
      return { handled: true };
    }
    return { handled: false, transform: fault.drift };
  }
}

function matches(pattern: string | RegExp, path: string): boolean {
  return typeof pattern === 'string' ? norm(pattern) === path : pattern.test(path);
}

/** A fault as sent to the admin route: JSON only (a string path; drift as a field path to replace). */
export function faultFromJson(raw: unknown): Fault | null {
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) return null;
  const o = raw as Record<string, unknown>;
  if (typeof o.path !== 'string') return null;
  const num = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);
  const headers =
    o.headers && typeof o.headers === 'object' && !Array.isArray(o.headers)
      ? Object.fromEntries(Object.entries(o.headers).map(([k, v]) => [k, String(v)]))
      : undefined;
  const drift = o.drift && typeof o.drift === 'object' ? (o.drift as { field?: unknown; value?: unknown }) : null;
  return {
    path: o.path,
    method: typeof o.method === 'string' ? o.method : undefined,
    status: num(o.status),
    headers,
    body: o.body,
    delayMs: num(o.delayMs),
    malformed: o.malformed === true,
    drop: o.drop === true,
    times: num(o.times),
    drift:
      drift && typeof drift.field === 'string'
        ? (body) => (body && typeof body === 'object' ? { ...(body as object), [drift.field as string]: drift.value } : body)
        : undefined,
  };
}

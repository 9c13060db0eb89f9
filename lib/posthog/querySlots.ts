/**
 * PostHog runs at most a few API queries of a project at once (3 by default: posthog/clickhouse/client/limit.py
 * `get_api_team_rate_limiter`), async ones included; past that a query waits up to 30 s, then 429. Tool
 * Lens stays under the limit on its own: every query takes a slot first and waits in line for one —
 * never dropped. A blocking query holds its slot for its request; an async one until it is complete or
 * cancelled. Async queries may hold all slots but one, so a card's quick queries (triage, ranking) are
 * never stuck behind long ones.
 */

export const POSTHOG_CONCURRENT_QUERIES = 3;

export type SlotKind = 'blocking' | 'async';

export interface QuerySlots {
  /** Waits for a slot (first come, first served); the function gives it back (once). */
  acquire(kind: SlotKind, signal?: AbortSignal): Promise<() => void>;
  /** Slots in use and queries waiting (for tests and the bench). */
  usage(): { held: number; async: number; waiting: number };
}

export function createQuerySlots(limit = POSTHOG_CONCURRENT_QUERIES): QuerySlots {
  let held = 0;
  let asyncHeld = 0;
  const queue: Array<{ kind: SlotKind; grant: () => void }> = [];
  const fits = (kind: SlotKind) => held < limit && (kind === 'blocking' || asyncHeld < Math.max(1, limit - 1));

  /** Gives slots to waiting queries in order; an async query that may not take one yet lets the next blocking one pass. */
  const drain = () => {
    for (let i = 0; i < queue.length && held < limit;) {
      const next = queue[i]!;
      if (!fits(next.kind)) {
        i++;
        continue;
      }
      queue.splice(i, 1);
      next.grant();
    }
  };

  return {
    acquire(kind, signal) {
      return new Promise((resolve, reject) => {
        const grant = () => {
          signal?.removeEventListener('abort', onAbort);
          held++;
          if (kind === 'async') asyncHeld++;
          let given = false;
          resolve(() => {
            if (given) return;
            given = true;
            held--;
            if (kind === 'async') asyncHeld--;
            drain();
          });
        };
        const entry = { kind, grant };
        const onAbort = () => {
          const at = queue.indexOf(entry);
          if (at >= 0) queue.splice(at, 1);
          reject(signal?.reason ?? new Error('aborted'));
        };
        if (signal?.aborted) return onAbort();
        signal?.addEventListener('abort', onAbort, { once: true });
        queue.push(entry);
        drain();
      });
    },
    usage: () => ({ held, async: asyncHeld, waiting: queue.length }),
  };
}

/** One line of slots per PostHog project, shared by every client the worker makes for it. */
const byProject = new Map<string, QuerySlots>();
export function slotsFor(baseUrl: string, projectId: string): QuerySlots {
  const key = `${baseUrl}|${projectId}`;
  let slots = byProject.get(key);
  if (!slots) {
    if (byProject.size > 20) byProject.clear();
    slots = createQuerySlots();
    byProject.set(key, slots);
  }
  return slots;
}

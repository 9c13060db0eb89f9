/**
 * What the card should show, computed independently in plain TypeScript from the raw events,
 * so e2e tests compare the extension's numbers with numbers the test derived itself.
 */
import { FUNNEL_STEPS, TOOL_EVENTS } from '../lib/model/events';

const FUNNEL_WINDOW_MS = 86_400_000; // the default conversion window: 1 day

export interface RawEvent {
  event: string;
  ms: number;
  properties: Record<string, unknown>;
}

/** A property under either spelling, as text (how HogQL reads untyped properties). */
export function prop(event: RawEvent, name: string): string | null {
  const value = event.properties[name] ?? event.properties[`$${name}`];
  return value === undefined || value === null ? null : String(value);
}

export function expectedCard(events: RawEvent[], tool: string, sinceMs: number) {
  const mine = events.filter((e) => prop(e, 'tool_name') === tool && e.ms >= sinceMs);
  const steps = FUNNEL_STEPS.map((s) => TOOL_EVENTS[s.key]);

  // Funnel: per session, the longest in-order chain starting at a view, within the window.
  const bySession = new Map<string, RawEvent[]>();
  for (const e of mine) {
    const session = prop(e, 'session_id');
    if (session === null || !steps.includes(e.event as (typeof steps)[number])) continue;
    bySession.set(session, [...(bySession.get(session) ?? []), e]);
  }
  const reached = new Array<number>(steps.length).fill(0);
  for (const list of bySession.values()) {
    list.sort((a, b) => a.ms - b.ms);
    let best = 0;
    list.forEach((start, i) => {
      if (start.event !== steps[0]) return;
      let level = 1;
      for (const e of list.slice(i + 1)) {
        if (e.ms - start.ms > FUNNEL_WINDOW_MS) break;
        if (level < steps.length && e.event === steps[level]) level++;
      }
      best = Math.max(best, level);
    });
    for (let s = 0; s < best; s++) reached[s]!++;
  }

  // Latency: ClickHouse's quantileExact picks the element at floor(level × n).
  const durations = mine
    .filter((e) => e.event === TOOL_EVENTS.processingCompleted)
    .map((e) => Number(prop(e, 'processing_duration_ms')))
    .filter((d) => Number.isFinite(d))
    .sort((a, b) => a - b);
  const quantile = (level: number) => (durations.length ? durations[Math.min(durations.length - 1, Math.floor(level * durations.length))]! : null);

  const errors = new Map<string, number>();
  for (const e of mine)
    if (e.event === TOOL_EVENTS.processingFailed) errors.set(prop(e, 'error_type') ?? 'unknown', (errors.get(prop(e, 'error_type') ?? 'unknown') ?? 0) + 1);

  return {
    funnel: reached,
    latency: { n: durations.length, p50: quantile(0.5), p95: quantile(0.95), p99: quantile(0.99), max: durations.at(-1) ?? null },
    errors: [...errors.entries()].sort((a, b) => b[1] - a[1]),
  };
}

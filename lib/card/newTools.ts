/**
 * How many tools a site may make the worker ask PostHog about that the project has not seen. A page
 * on an enabled site names its tool (a marker, a path it pushes): each unknown name costs two requests
 * from the shared budget, so a page inventing names could spend it all and stop every card and alert.
 * Known tools — in the project's auto-mapping, or named by PostHog as having views — are always asked
 * about; of the others, each site gets NEW_TOOLS_PER_SITE distinct ones per NEW_TOOLS_WINDOW_MS.
 * Kept in storage, so a restarted worker does not hand out a new allowance.
 */
import type { Failure } from '../model/failure';
import { formatClock } from '../helpers/format';
import { autoMapItem, newToolsItem, type NewToolsState } from '../storage/items';
import type { Store } from '../storage/store';

export const NEW_TOOLS_PER_SITE = 3;
export const NEW_TOOLS_WINDOW_MS = 3_600_000;
const MAX_KNOWN = 2000;
const MAX_SITES = 100;

export type NewToolsGate = ReturnType<typeof createNewToolsGate>;

export function createNewToolsGate(deps: { store: Store; now: () => number; project: () => Promise<string | null> }) {
  const { store, now } = deps;
  let busy: Promise<unknown> = Promise.resolve();
  const serially = <T>(task: () => Promise<T>): Promise<T> => {
    const next = busy.then(task, task);
    busy = next.catch(() => undefined);
    return next;
  };
  // Also held in memory: with storage full, the allowance still holds while the worker runs.
  let held: NewToolsState | null = null;
  const load = async (project: string): Promise<NewToolsState> => {
    const state = held?.project === project ? held : await store.get(newToolsItem).catch(() => null);
    return state?.project === project ? state : { project, known: [], asked: {} };
  };
  const keep = async (state: NewToolsState) => {
    held = state;
    await store.set(newToolsItem, state).catch(() => undefined);
  };

  /** Null when the site may have `tool` asked about now; otherwise why not, and when it may. */
  function check(site: string, tool: string): Promise<Failure | null> {
    return serially(async () => {
      const project = await deps.project();
      if (!project) return null; // not connected: the request fails without asking PostHog anyway
      const mapped = await store.get(autoMapItem);
      if (mapped?.settings === project && Object.values(mapped.map).includes(tool)) return null;
      const state = await load(project);
      if (state.known.includes(tool)) return null;
      const recent = (state.asked[site] ?? []).filter((a) => now() - a.at < NEW_TOOLS_WINDOW_MS);
      if (recent.some((a) => a.tool === tool)) return null;
      if (recent.length >= NEW_TOOLS_PER_SITE) {
        const retryInMs = Math.max(1000, recent[0]!.at + NEW_TOOLS_WINDOW_MS - now());
        return {
          kind: 'rate_limited',
          message: `This site's pages named more tools PostHog has no views of than Tool Lens asks about (${NEW_TOOLS_PER_SITE} tools an hour per site, to keep the request budget for the others). It asks about this one at ${formatClock(now() + retryInMs)}; refresh the auto-mapping in the options if it is new.`,
          retryInMs,
        };
      }
      const asked = { ...state.asked, [site]: [...recent, { tool, at: now() }] };
      // The sites that asked last are kept.
      const sites = Object.entries(asked).sort((a, b) => (b[1].at(-1)?.at ?? 0) - (a[1].at(-1)?.at ?? 0));
      await keep({ ...state, asked: Object.fromEntries(sites.slice(0, MAX_SITES)) });
      return null;
    });
  }

  /** Tools PostHog answered with views for: known from now on. */
  function learn(tools: string[]): Promise<void> {
    return serially(async () => {
      const project = await deps.project();
      if (!project || !tools.length) return;
      const state = await load(project);
      const fresh = tools.filter((t) => !state.known.includes(t));
      if (fresh.length) await keep({ ...state, known: [...fresh, ...state.known].slice(0, MAX_KNOWN) });
    });
  }

  return { check, learn };
}

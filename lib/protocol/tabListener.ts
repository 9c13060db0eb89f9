/**
 * Content-script side of the tab messages (card/status, card/toggle): answers well-formed tab
 * requests from this extension's worker or pages, never from another content script (those come
 * with a tab) or another extension. Plain code, not zod: it runs in the content script on every page
 * of an enabled site. A tab request is its `type` alone (messages.ts tabRequestSchema), so checking the
 * type against the handlers is the whole check.
 */
import type { TabRequest, TabResponseFor } from './messages';

export type TabHandlers = { [T in TabRequest['type']]: (request: Extract<TabRequest, { type: T }>) => Promise<TabResponseFor<T>> };

export function createTabListener(selfId: string, handlers: TabHandlers) {
  return (message: unknown, sender: { id?: string; tab?: unknown }): Promise<unknown> | undefined => {
    if (sender.id !== selfId || sender.tab) return undefined;
    const type = typeof message === 'object' && message !== null ? (message as { type?: unknown }).type : undefined;
    if (typeof type !== 'string' || !Object.hasOwn(handlers, type)) return undefined;
    return (handlers[type as TabRequest['type']] as (r: TabRequest) => Promise<unknown>)({ type } as TabRequest);
  };
}

/** Typed, validated messaging between extension contexts. */
import { browser } from 'wxt/browser';
import {
  CONTENT_SCRIPT_REQUESTS,
  requestSchema,
  responseSchemas,
  tabRequestSchema,
  tabResponseSchemas,
  type Request,
  type ResponseFor,
  type TabRequest,
  type TabResponseFor,
} from './messages';

/** Sends a request to the background worker and validates its answer against the protocol. */
export async function sendRequest<R extends Request>(request: R): Promise<ResponseFor<R['type']>> {
  const checked = requestSchema.parse(request);
  const raw: unknown = await browser.runtime.sendMessage(checked);
  const schema = responseSchemas[request.type];
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    throw new Error(`The Tool Lens background worker answered in an unexpected shape (${parsed.error.issues[0]?.message ?? 'invalid'})`);
  }
  return parsed.data as ResponseFor<R['type']>;
}

export interface MessageSender {
  id?: string;
  /** The sending frame's URL: an extension page's own URL, or the web page a content script runs in. */
  url?: string;
  origin?: string;
  tab?: { id?: number };
  frameId?: number;
}

/**
 * The worker's answers: one handler per request type, each typed to return exactly that type's
 * response (the table in lib/protocol/messages.ts), so a wrong answer fails to compile.
 */
export type Handlers = {
  [T in Request['type']]: (request: Extract<Request, { type: T }>, sender: MessageSender) => Promise<ResponseFor<T>>;
};

const originOf = (url: string | undefined) => {
  try {
    return url ? new URL(url).origin : null;
  } catch {
    return null;
  }
};

/**
 * Background side: accepts only well-formed requests from this extension's own contexts, and from
 * content scripts only what their card needs, about their own page's origin.
 * `self` is this extension's id and the URL its pages start with (runtime.getURL('/')).
 * Returns a listener for `runtime.onMessage`.
 */
export function createMessageListener(self: { id: string; pagesUrl: string }, handlers: Handlers) {
  const handle = (request: Request, sender: MessageSender) => (handlers[request.type] as (r: Request, s: MessageSender) => Promise<unknown>)(request, sender);
  return (message: unknown, sender: MessageSender): Promise<unknown> | undefined => {
    if (sender.id !== self.id) return undefined;
    const parsed = requestSchema.safeParse(message);
    if (!parsed.success) return undefined;
    const request = parsed.data;
    const fromExtensionPage = sender.url?.startsWith(self.pagesUrl) === true;
    if (!fromExtensionPage) {
      if (!CONTENT_SCRIPT_REQUESTS.has(request.type)) return undefined;
      // A content script speaks for the page it runs in, not for another site. The frame's URL names
      // it (sender.origin is "null" on a sandboxed page, whose location still has an origin).
      if ('origin' in request && request.origin !== (originOf(sender.url) ?? sender.origin)) return undefined;
    }
    return handle(request, sender);
  };
}

// To a tab's content script ------------------------------------------------------------------

/** Asks the content script in a tab; null when none runs there or its answer is not the protocol's. */
export async function sendToTab<R extends TabRequest>(tabId: number, request: R): Promise<TabResponseFor<R['type']> | null> {
  const raw: unknown = await browser.tabs.sendMessage(tabId, tabRequestSchema.parse(request)).catch(() => null);
  const parsed = tabResponseSchemas[request.type].safeParse(raw);
  return parsed.success ? (parsed.data as TabResponseFor<R['type']>) : null;
}

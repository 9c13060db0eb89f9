/** Typed, validated messaging between extension contexts. */
import { browser } from 'wxt/browser';
import { requestSchema, responseSchemas, type Request, type ResponseFor } from './messages';

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
  tab?: { id?: number };
  frameId?: number;
}

export type RequestHandler = (request: Request, sender: MessageSender) => Promise<unknown>;

/**
 * Background side: accepts only well-formed requests from this extension's own contexts.
 * Returns a listener for `runtime.onMessage`.
 */
export function createMessageListener(extensionId: string, handle: RequestHandler) {
  return (message: unknown, sender: MessageSender): Promise<unknown> | undefined => {
    if (sender.id !== extensionId) return undefined;
    const parsed = requestSchema.safeParse(message);
    if (!parsed.success) return undefined;
    return handle(parsed.data, sender);
  };
}

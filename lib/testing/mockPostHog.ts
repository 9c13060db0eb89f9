/** Unit-test helper: an undici MockAgent standing in for a PostHog host. */
import { fetch as undiciFetch, MockAgent } from 'undici';

export const BASE = 'https://ph.test';

export function mockPostHog() {
  const agent = new MockAgent();
  agent.disableNetConnect();
  const pool = agent.get(BASE);
  let sent = 0;
  const fetch = ((input: RequestInfo | URL, init?: RequestInit) => {
    sent++;
    return undiciFetch(input as string, { ...(init as object), dispatcher: agent } as Parameters<typeof undiciFetch>[1]);
  }) as unknown as typeof globalThis.fetch;
  /** How many requests the code under test sent through `fetch` (answered or not). */
  const requests = () => sent;
  const resetRequests = () => void (sent = 0);
  return { agent, pool, fetch, requests, resetRequests };
}

/** Unit-test helper: an undici MockAgent standing in for a PostHog host. */
import { fetch as undiciFetch, MockAgent } from 'undici';

export const BASE = 'https://ph.test';

export function mockPostHog() {
  const agent = new MockAgent();
  agent.disableNetConnect();
  const pool = agent.get(BASE);
  const fetch = ((input: RequestInfo | URL, init?: RequestInit) =>
    undiciFetch(input as string, { ...(init as object), dispatcher: agent } as Parameters<typeof undiciFetch>[1])) as unknown as typeof globalThis.fetch;
  return { agent, pool, fetch };
}

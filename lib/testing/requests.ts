import type { Request } from '../protocol/messages';

/** One well-formed request of every type in the protocol: a type added there fails to compile here until added. */
const ONE_OF_EACH: { [T in Request['type']]: Extract<Request, { type: T }> } = {
  'tool-metrics/get': { type: 'tool-metrics/get', tool: 'a', range: '7d' },
  'triage/get': { type: 'triage/get', tool: 'a', range: '7d' },
  'person/lookup': { type: 'person/lookup', range: '7d', by: 'auto', value: 'a@example.com' },
  'lookup/take': { type: 'lookup/take', windowId: 1 },
  'lookup/open': { type: 'lookup/open', tool: 'a', range: '7d' },
  'ranking/get': { type: 'ranking/get', range: '7d' },
  'annotations/get': { type: 'annotations/get', range: '7d' },
  'groups/types': { type: 'groups/types' },
  'card-prefs/get': { type: 'card-prefs/get', origin: 'https://tools.example.com' },
  'card-prefs/set': { type: 'card-prefs/set', origin: 'https://tools.example.com', change: { corner: 'top-left', hidden: false } },
  'site/config': { type: 'site/config', origin: 'https://tools.example.com' },
  'auto-map/refresh': { type: 'auto-map/refresh' },
  'dashboards/list': { type: 'dashboards/list' },
  'dashboards/opened': { type: 'dashboards/opened', id: 3 },
  'alerts/get': { type: 'alerts/get' },
  'connection/status': { type: 'connection/status' },
  'budget/status': { type: 'budget/status' },
  'storage/status': { type: 'storage/status' },
  'connection/test': { type: 'connection/test' },
  'schema/detect': { type: 'schema/detect' },
  'options/open': { type: 'options/open' },
  'matcher/inject': { type: 'matcher/inject' },
  'card/inject': { type: 'card/inject' },
  'onboarding/projects': { type: 'onboarding/projects', host: 'eu', customHost: '', apiKey: 'phx_k' },
  'auth/sign-in': { type: 'auth/sign-in', host: 'eu', customHost: '' },
  'auth/sign-out': { type: 'auth/sign-out' },
  'onboarding/sites': { type: 'onboarding/sites' },
};
export const EVERY_REQUEST: Request[] = Object.values(ONE_OF_EACH);

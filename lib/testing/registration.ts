/** Unit-test helper: the browser's content-script registration, in memory, recording each call. */
import type { RegistrationApi, ScriptRegistration } from '../matching/siteRegistration';

export function fakeRegistration(granted: string[]) {
  const calls: string[] = [];
  const current = new Map<string, ScriptRegistration>();
  const describe = (s: ScriptRegistration) => [s.id, ...s.matches, ...s.excludeMatches.map((m) => `-${m}`)].join(' ');
  const api: RegistrationApi = {
    registered: async () => [...current.values()],
    register: async (s) => void (calls.push(`register ${describe(s)}`), current.set(s.id, s)),
    update: async (s) => void (calls.push(`update ${describe(s)}`), current.set(s.id, s)),
    unregister: async (id) => void (calls.push(`unregister ${id}`), current.delete(id)),
    hasPermission: async (p) => granted.includes(p),
  };
  return { api, calls, current };
}

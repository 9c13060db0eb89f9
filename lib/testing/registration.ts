/** Unit-test helper: the browser's content-script registration, in memory, recording each call. */
import type { RegistrationApi } from '../matching/siteRegistration';

export function fakeRegistration(granted: string[]) {
  const calls: string[] = [];
  let current: string[] | null = null;
  const api: RegistrationApi = {
    registered: async () => current,
    register: async (m) => void (calls.push(`register ${m.join(' ')}`), (current = m)),
    update: async (m) => void (calls.push(`update ${m.join(' ')}`), (current = m)),
    unregister: async () => void (calls.push('unregister'), (current = null)),
    hasPermission: async (p) => granted.includes(p),
  };
  return { api, calls };
}

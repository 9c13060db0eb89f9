/**
 * Asking for a permission in the user's click, and saying so when it is not given. Firefox accepts a
 * request only while the click is being handled: call these before any `await` in the handler (an
 * async function runs up to its first `await` at once, so calling it first in the handler is enough).
 */
export interface PermissionsApi {
  request(permissions: { origins?: string[]; permissions?: string[] }): Promise<boolean>;
}

const list = (items: string[]) => items.join(', ');

/** Null when the hosts are granted; otherwise what to tell the user, naming them and `what` needs them. */
export async function requestOrigins(api: PermissionsApi, patterns: string[], what: string): Promise<string | null> {
  try {
    if (await api.request({ origins: patterns })) return null;
    return `Permission for ${list(patterns)} was not granted, so ${what}.`;
  } catch (error) {
    return `Tool Lens could not ask for permission for ${list(patterns)} (${(error as Error)?.message ?? String(error)}), so ${what}.`;
  }
}

/** Null when granted; otherwise what to tell the user. */
export async function requestPermission(api: PermissionsApi, permission: string, what: string): Promise<string | null> {
  try {
    if (await api.request({ permissions: [permission] })) return null;
    return `The ${permission} permission was not granted, so ${what}.`;
  } catch (error) {
    return `Tool Lens could not ask for the ${permission} permission (${(error as Error)?.message ?? String(error)}), so ${what}.`;
  }
}

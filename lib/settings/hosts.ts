/**
 * PostHog's hosts and a custom host's rules, without zod: the popup's first paint reads the
 * connection with these (settingsAtAGlance) before the settings' full schema is loaded.
 */
export const HOSTS = {
  us: { label: 'US Cloud', url: 'https://us.posthog.com' },
  eu: { label: 'EU Cloud', url: 'https://eu.posthog.com' },
  custom: { label: 'Self-hosted / custom URL', url: '' },
} as const;
export type HostKind = keyof typeof HOSTS;

const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]']);

/** A custom PostHog URL: https, or plain http only on this machine (the local server). */
export function checkCustomHost(value: string): string | null {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return 'Enter a full URL, e.g. https://posthog.example.com';
  }
  // "https://us.posthog.com@evil.com" goes to evil.com: a user name or password only disguises the host.
  if (url.username || url.password) return 'Leave out the user name and password before "@": the host is what follows it';
  if (url.protocol === 'https:') return null;
  if (url.protocol === 'http:' && LOOPBACK.has(url.hostname)) return null;
  return 'Use https:// (plain http is only allowed for localhost)';
}

/** Base URL of the PostHog instance (API and app share it), without a trailing slash. */
export function postHogBaseUrl(settings: { host: HostKind; customHost: string }): string {
  const base = settings.host === 'custom' ? settings.customHost : HOSTS[settings.host].url;
  return base.replace(/\/+$/, '');
}

/** The part of the settings the popup's first paint shows: which PostHog, which project. */
export type ConnectionGlance =
  | { status: 'configured'; settings: { host: HostKind; customHost: string; projectId: string } }
  | { status: 'missing' }
  | { status: 'invalid'; message: string };

/**
 * The stored settings' connection as settingsSchema reads it (host, custom host, project id, each
 * trimmed), or null when that cannot be told without the full schema. The popup paints this, then
 * the full parse (lib/settings/settings.ts parseStoredSettings), whose verdict wins when they differ:
 * only settings broken outside the connection would read as configured here.
 */
export function settingsAtAGlance(raw: unknown): ConnectionGlance | null {
  if (raw === undefined || raw === null) return { status: 'missing' };
  if (typeof raw !== 'object' || Array.isArray(raw)) return null;
  const { host, customHost, projectId } = raw as Record<string, unknown>;
  if ((host !== 'us' && host !== 'eu' && host !== 'custom') || typeof customHost !== 'string' || typeof projectId !== 'string') return null;
  const [custom, project] = [customHost.trim(), projectId.trim()];
  if (custom.length > 500 || !/^\d{1,12}$/.test(project) || (host === 'custom' && checkCustomHost(custom))) return null;
  return { status: 'configured', settings: { host, customHost: custom, projectId: project } };
}

import { render } from 'preact';
import { browser } from 'wxt/browser';
import { OptionsForm, type OptionsFormProps } from '../../components/OptionsForm';
import '../../components/pages.css';
import { sendRequest } from '../../lib/messaging';
import { DEFAULT_METRICS_OPTIONS, EMPTY_CONNECTION, HOSTS, postHogBaseUrl, settingsSchema, SETTINGS_KEY, type Settings } from '../../lib/settings';

async function save(settings: Settings) {
  // Custom hosts need their origin granted; asked for here, on the user's click.
  if (settings.host === 'custom') {
    const origin = `${new URL(postHogBaseUrl(settings)).origin}/*`;
    const granted = await browser.permissions.request({ origins: [origin] });
    if (!granted) throw new Error(`Tool Lens needs permission to reach ${origin} to talk to this PostHog.`);
  }
  await browser.storage.local.set({ [SETTINGS_KEY]: settings });
}

/** Stored settings, or as much of them as is usable: a bad value does not wipe the rest. */
function initialDraft(stored: unknown): OptionsFormProps['initial'] {
  const parsed = settingsSchema.safeParse(stored);
  if (parsed.success) return parsed.data;
  const raw = typeof stored === 'object' && stored !== null ? (stored as Record<string, unknown>) : {};
  const field = <K extends keyof Settings>(key: K, fallback: Settings[K]): Settings[K] => {
    const one = settingsSchema.safeParse({ ...EMPTY_CONNECTION, projectId: '1', apiKey: 'x', ...DEFAULT_METRICS_OPTIONS, [key]: raw[key] });
    return one.success ? one.data[key] : fallback;
  };
  return {
    host: typeof raw.host === 'string' && raw.host in HOSTS ? (raw.host as Settings['host']) : 'us',
    customHost: typeof raw.customHost === 'string' ? raw.customHost : '',
    projectId: typeof raw.projectId === 'string' ? raw.projectId : '',
    apiKey: typeof raw.apiKey === 'string' ? raw.apiKey : '',
    funnelWindowHours: field('funnelWindowHours', DEFAULT_METRICS_OPTIONS.funnelWindowHours),
    funnelUnit: field('funnelUnit', DEFAULT_METRICS_OPTIONS.funnelUnit),
    thresholds: field('thresholds', DEFAULT_METRICS_OPTIONS.thresholds),
    segment: field('segment', DEFAULT_METRICS_OPTIONS.segment),
    schema: field('schema', DEFAULT_METRICS_OPTIONS.schema),
  };
}

async function start() {
  const stored = (await browser.storage.local.get(SETTINGS_KEY))[SETTINGS_KEY];
  render(
    <OptionsForm initial={initialDraft(stored)} onSave={save} onTest={() => sendRequest({ type: 'connection/test' })} onDetect={() => sendRequest({ type: 'schema/detect' })} />,
    document.getElementById('app')!,
  );
}

void start();

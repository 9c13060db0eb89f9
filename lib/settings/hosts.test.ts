import { describe, expect, it } from 'vitest';
import { settingsAtAGlance } from './hosts';
import { parseStoredSettings } from './settings';

const good = { host: 'us', customHost: '', projectId: '12345', apiKey: 'phx_abcdefghijklmnopqrstuvwxyz0123456789' };

describe('settingsAtAGlance: the popup first paint', () => {
  const variants: unknown[] = [
    undefined,
    null,
    'garbage',
    [],
    {},
    good,
    { ...good, host: 'eu' },
    { ...good, projectId: ' 42 ' },
    { ...good, host: 'custom', customHost: 'http://127.0.0.1:8010' },
    { ...good, host: 'custom', customHost: ' https://posthog.example.com/ ' },
    { ...good, host: 'custom', customHost: 'http://posthog.example.com' },
    { ...good, host: 'custom', customHost: 'https://us.posthog.com@evil.com' },
    { ...good, host: 'custom', customHost: 'not a url' },
    { ...good, host: 'custom', customHost: `https://${'a'.repeat(600)}.com` },
    { ...good, host: 'mars' },
    { ...good, projectId: 'abc' },
    { ...good, projectId: '1234567890123' },
    { ...good, projectId: 12345 },
    { ...good, customHost: undefined },
  ];
  it('agrees with the full schema wherever it answers, and answers for every good connection', () => {
    for (const raw of variants) {
      const glance = settingsAtAGlance(raw);
      const full = parseStoredSettings(raw);
      if (full.status === 'configured') {
        const { host, customHost, projectId } = full.settings;
        expect(glance, JSON.stringify(raw)).toEqual({ status: 'configured', settings: { host, customHost, projectId } });
      } else if (full.status === 'missing') expect(glance).toEqual({ status: 'missing' });
      // Broken connections are left to the full parse (null), never shown as configured.
      else expect(glance, JSON.stringify(raw)).toBeNull();
    }
  });
});

import { describe, expect, it } from 'vitest';
import { parseStoredSettings, postHogBaseUrl } from './settings';

const good = { host: 'eu', customHost: '', projectId: '123', apiKey: 'phx_abc' };

describe('settings', () => {
  it('accepts complete settings and resolves the host', () => {
    const state = parseStoredSettings(good);
    expect(state.status).toBe('configured');
    expect(postHogBaseUrl({ host: 'eu', customHost: '' })).toBe('https://eu.posthog.com');
    expect(postHogBaseUrl({ host: 'us', customHost: '' })).toBe('https://us.posthog.com');
    expect(postHogBaseUrl({ host: 'custom', customHost: 'https://ph.example.com/' })).toBe('https://ph.example.com');
  });

  it('reports missing and invalid settings with the field that is wrong', () => {
    expect(parseStoredSettings(undefined)).toEqual({ status: 'missing' });
    expect(parseStoredSettings({ ...good, projectId: 'abc' })).toMatchObject({ status: 'invalid', message: expect.stringContaining('projectId') });
    expect(parseStoredSettings('garbage')).toMatchObject({ status: 'invalid' });
  });

  it('allows plain http only for this machine', () => {
    expect(parseStoredSettings({ ...good, host: 'custom', customHost: 'http://127.0.0.1:8010' }).status).toBe('configured');
    expect(parseStoredSettings({ ...good, host: 'custom', customHost: 'http://ph.example.com' })).toMatchObject({
      status: 'invalid',
      message: expect.stringContaining('https'),
    });
    expect(parseStoredSettings({ ...good, host: 'custom', customHost: 'javascript:alert(1)' }).status).toBe('invalid');
  });
});

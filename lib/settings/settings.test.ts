import { describe, expect, it } from 'vitest';
import { DEFAULT_BUDGET } from '../model/limits';
import { checkCustomHost, lookupPersonProperties, parseStoredSettings, postHogBaseUrl, settingsSchema } from './settings';

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

  it('gives settings stored before the request budget existed the default budget', () => {
    const state = parseStoredSettings(good);
    expect(state.status === 'configured' && state.settings.requestBudget).toEqual(DEFAULT_BUDGET);
    expect(DEFAULT_BUDGET).toEqual({ capacity: 60, refillPerHour: 60 });
    const custom = parseStoredSettings({ ...good, requestBudget: { capacity: 30, refillPerHour: 90 } });
    expect(custom.status === 'configured' && custom.settings.requestBudget).toEqual({ capacity: 30, refillPerHour: 90 });
  });

  it("lowers a budget stored by an older release (up to 2,400 an hour) to the key's query limit", () => {
    // PostHog allows a personal API key 120 HogQL queries an hour (posthog/rate_limit.py HogQLQueryThrottle).
    const older = parseStoredSettings({ ...good, requestBudget: { capacity: 240, refillPerHour: 2400 } });
    expect(older.status === 'configured' && older.settings.requestBudget).toEqual({ capacity: 120, refillPerHour: 120 });
    expect(older.status === 'configured' && older.settings.queryLimitPerHour).toBe(120);
    // A team whose limit PostHog raised keeps a budget up to it.
    const raised = parseStoredSettings({ ...good, queryLimitPerHour: 2400, requestBudget: { capacity: 240, refillPerHour: 2400 } });
    expect(raised.status === 'configured' && raised.settings.requestBudget).toEqual({ capacity: 240, refillPerHour: 2400 });
  });

  it("refuses, on save, a budget above the key's query limit, naming the limit", () => {
    const parsed = settingsSchema.safeParse({ ...good, requestBudget: { capacity: 121, refillPerHour: 500 } });
    expect(parsed.error?.issues.map((i) => [i.path.join('.'), i.message])).toEqual([
      ['requestBudget.capacity', 'At most 120 at once: PostHog allows this key 120 queries an hour'],
      ['requestBudget.refillPerHour', 'At most 120 an hour: PostHog allows this key 120 queries an hour'],
    ]);
    expect(settingsSchema.safeParse({ ...good, queryLimitPerHour: 600, requestBudget: { capacity: 121, refillPerHour: 500 } }).success).toBe(true);
  });

  it('keeps the request budget within bounds and whole, and names what is wrong', () => {
    const budget = (requestBudget: unknown) => parseStoredSettings({ ...good, requestBudget });
    expect(budget({ capacity: 1, refillPerHour: 1 }).status).toBe('configured');
    expect(budget({ capacity: 0, refillPerHour: 60 })).toEqual({ status: 'invalid', message: 'requestBudget.capacity: At least 1 request at once' });
    expect(budget({ capacity: 60, refillPerHour: 0 })).toEqual({ status: 'invalid', message: 'requestBudget.refillPerHour: At least 1 request an hour' });
    expect(budget({ capacity: 2.5, refillPerHour: 60 })).toEqual({
      status: 'invalid',
      message: 'requestBudget.capacity: Requests at once must be a whole number',
    });
  });

  it('refuses a request budget of the wrong type', () => {
    const budget = (requestBudget: unknown) => parseStoredSettings({ ...good, requestBudget });
    expect(budget({ capacity: '60', refillPerHour: 60 })).toEqual({ status: 'invalid', message: 'requestBudget.capacity: Requests at once must be a number' });
    expect(budget({ capacity: 60 })).toEqual({ status: 'invalid', message: 'requestBudget.refillPerHour: Requests per hour must be a number' });
    expect(budget({ capacity: Number.NaN, refillPerHour: 60 })).toMatchObject({
      status: 'invalid',
      message: expect.stringContaining('requestBudget.capacity'),
    });
    for (const wrong of [60, 'lots', null, [60, 60]]) {
      expect(budget(wrong)).toEqual({ status: 'invalid', message: 'requestBudget: The request budget is { "capacity": number, "refillPerHour": number }' });
    }
  });

  it.each([
    ['http://localhost.evil.com', /https/],
    ['http://127.0.0.1.nip.io', /https/],
    ['http://localhost%2eevil.com', /https/],
    ['http://0.0.0.0', /https/],
    ['http://localhost:8010@evil.com', /user/],
    ['http://127.0.0.1@evil.com', /user/],
    ['https://us.posthog.com@evil.com', /user/],
    ['https://user:password@posthog.example.com', /user/],
    ['https://:password@posthog.example.com', /user/],
  ])('refuses the look-alike or disguised host %s, saying why', (customHost, why) => {
    expect(checkCustomHost(customHost)).toMatch(why);
    expect(parseStoredSettings({ ...good, host: 'custom', customHost })).toMatchObject({ status: 'invalid', message: expect.stringMatching(/^customHost: /) });
  });

  it.each(['http://[::1]', 'http://[::1]:8010', 'http://localhost:8010', 'http://127.0.0.1', 'https://posthog.example.com:8443/'])(
    'accepts this machine over http, and https anywhere: %s',
    (customHost) => {
      expect(checkCustomHost(customHost)).toBeNull();
      expect(parseStoredSettings({ ...good, host: 'custom', customHost }).status).toBe('configured');
    },
  );

  it("names the person properties support's lookup shows: settings from before it get email, name and plan; at most 8", () => {
    const state = parseStoredSettings(good);
    expect(state.status === 'configured' && lookupPersonProperties(state.settings)).toEqual(['email', 'name', 'plan']);
    // The email property first, each once, blanks dropped.
    expect(lookupPersonProperties({ personEmailProperty: 'contact', personProperties: ' plan, , contact,plan , company ' })).toEqual([
      'contact',
      'plan',
      'company',
    ]);
    expect(parseStoredSettings({ ...good, personProperties: 'a,b,c,d,e,f,g,h,i' })).toMatchObject({
      status: 'invalid',
      message: 'personProperties: At most 8 person properties',
    });
  });
});

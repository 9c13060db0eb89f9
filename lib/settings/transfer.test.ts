import { describe, expect, it } from 'vitest';
import { DEFAULT_METRICS_OPTIONS } from './settings';
import { exportSettings, importSettings, MAX_IMPORT_BYTES, planImport } from './transfer';
import { newSite } from '../matching/toolMatch';

const settings = { host: 'eu' as const, customHost: '', projectId: '42', apiKey: 'phx_secret_key', ...DEFAULT_METRICS_OPTIONS, funnelWindowHours: 6 };

describe('settings import/export', () => {
  it('round-trips everything but the key', () => {
    const text = exportSettings(settings, [{ ...newSite('https://a.example'), urlRules: [{ kind: 'pattern', value: '/tools/:tool', map: {} }] }]);
    expect(text).not.toContain('phx_secret_key');
    const back = importSettings(text);
    expect(back.ok).toBe(true);
    if (!back.ok) return;
    expect(back.settings).toMatchObject({ host: 'eu', projectId: '42', funnelWindowHours: 6 });
    expect('apiKey' in back.settings).toBe(false);
    expect(back.sites[0]?.urlRules[0]?.value).toBe('/tools/:tool');
  });

  it('names each problem of a bad file', () => {
    expect(importSettings('{')).toEqual({ ok: false, errors: [expect.stringMatching(/^Not valid JSON/)] });
    expect(importSettings('[]')).toMatchObject({ ok: false });
    const wrong = JSON.parse(exportSettings(settings, []));
    wrong.options.funnelWindowHours = 'a day';
    wrong.sites = [{ origin: 'ftp://x', marker: null, urlRules: [], autoMap: true }];
    const result = importSettings(JSON.stringify(wrong));
    expect(result.ok).toBe(false);
    expect(!result.ok && result.errors).toEqual([expect.stringContaining('options.funnelWindowHours'), expect.stringContaining('sites.0.origin')]);
    expect(importSettings(JSON.stringify({ toolLens: 2 }))).toMatchObject({ ok: false, errors: [expect.stringContaining('toolLens')] });
  });

  it('checks a custom host as the options do: https, or http on this machine, never with a user name', () => {
    const file = (customHost: string) => {
      const f = JSON.parse(exportSettings(settings, []));
      f.connection = { host: 'custom', customHost, projectId: '42' };
      return importSettings(JSON.stringify(f));
    };
    expect(file('http://attacker.example')).toEqual({ ok: false, errors: ['connection.customHost: Use https:// (plain http is only allowed for localhost)'] });
    expect(file('https://us.posthog.com@attacker.example')).toEqual({
      ok: false,
      errors: [expect.stringMatching(/^connection\.customHost: Leave out the user name/)],
    });
    expect(file('javascript:alert(1)')).toMatchObject({ ok: false });
    expect(file('https://posthog.example.com')).toMatchObject({ ok: true });
    expect(file('http://localhost:8010')).toMatchObject({ ok: true });
  });

  describe('a file that changes the connection', () => {
    const imported = (connection: { host: 'us' | 'eu' | 'custom'; customHost?: string; projectId: string }) => {
      const f = JSON.parse(exportSettings(settings, []));
      f.connection = { customHost: '', ...connection };
      const result = importSettings(JSON.stringify(f));
      if (!result.ok) throw new Error(result.errors.join('; '));
      return result;
    };
    const storedKey = { ...settings, apiKey: 'phx_secret_key' };
    const storedSignIn = { ...settings, apiKey: '', auth: 'signIn' };

    it('keeps the key and the sign-in when host and project stay', () => {
      expect(planImport(storedKey, imported({ host: 'eu', projectId: '42' }))).toMatchObject({
        changed: null,
        settings: { apiKey: 'phx_secret_key', host: 'eu', projectId: '42' },
      });
      expect(planImport(storedSignIn, imported({ host: 'eu', projectId: '42' }))).toMatchObject({ changed: null, settings: { apiKey: '', auth: 'signIn' } });
    });

    it('drops the key and the sign-in, naming the new host, when the host, region or project differ', () => {
      for (const [connection, to] of [
        [{ host: 'custom' as const, customHost: 'https://attacker.example', projectId: '42' }, 'https://attacker.example (project 42)'],
        [{ host: 'us' as const, projectId: '42' }, 'https://us.posthog.com (project 42)'],
        [{ host: 'eu' as const, projectId: '43' }, 'https://eu.posthog.com (project 43)'],
      ] as const) {
        for (const stored of [storedKey, storedSignIn]) {
          const plan = planImport(stored, imported(connection));
          expect(plan.changed).toEqual({ from: 'https://eu.posthog.com (project 42)', to });
          expect(plan.settings.apiKey).toBe('');
          expect('auth' in plan.settings).toBe(false);
          expect(JSON.stringify(plan.settings)).not.toContain('phx_secret_key');
        }
      }
    });

    it('has nothing to drop when nothing was stored', () => {
      expect(planImport(undefined, imported({ host: 'custom', customHost: 'https://posthog.example.com', projectId: '1' }))).toMatchObject({
        changed: null,
        settings: { apiKey: '' },
      });
    });
  });

  it('refuses URL rules the matcher would not run, naming the rule and why', () => {
    const file = JSON.parse(
      exportSettings(settings, [
        {
          ...newSite('https://a.example'),
          urlRules: [
            { kind: 'pattern', value: '/tools/:tool', map: {} },
            { kind: 'regex', value: '^/(?=x)(\\w+)$', map: {} },
          ],
        },
      ]),
    );
    expect(importSettings(JSON.stringify(file))).toEqual({
      ok: false,
      errors: [expect.stringMatching(/^sites\.0\.urlRules\.1\.value: Lookahead and lookbehind/)],
    });
    file.sites[0].urlRules[1] = { kind: 'regex', value: '^/(\\w|\\d)+$', map: {} };
    expect(importSettings(JSON.stringify(file))).toMatchObject({ ok: true });
  });

  it('refuses huge files and duplicate sites', () => {
    expect(importSettings(' '.repeat(300 * 1024))).toMatchObject({ ok: false, errors: [expect.stringContaining('larger than 256 KB')] });
    const dup = JSON.parse(exportSettings(settings, [newSite('https://a.example'), newSite('https://a.example')]));
    expect(importSettings(JSON.stringify(dup))).toMatchObject({ ok: false, errors: ['sites: https://a.example is listed twice'] });
  });

  it('carries the request budget, defaults it for older files, and names a wrong one', () => {
    const text = exportSettings({ ...settings, requestBudget: { capacity: 30, refillPerHour: 120 } }, []);
    expect(JSON.parse(text).options.requestBudget).toEqual({ capacity: 30, refillPerHour: 120 });
    const back = importSettings(text);
    expect(back.ok && back.settings.requestBudget).toEqual({ capacity: 30, refillPerHour: 120 });

    const older = JSON.parse(text);
    delete older.options.requestBudget;
    const fromOlder = importSettings(JSON.stringify(older));
    expect(fromOlder.ok && fromOlder.settings.requestBudget).toEqual(DEFAULT_METRICS_OPTIONS.requestBudget);

    const wrong = JSON.parse(text);
    wrong.options.requestBudget = { capacity: '30', refillPerHour: 60 };
    expect(importSettings(JSON.stringify(wrong))).toEqual({ ok: false, errors: ['options.requestBudget.capacity: Requests at once must be a number'] });
    wrong.options.requestBudget = { capacity: 30, refillPerHour: 5000 };
    expect(importSettings(JSON.stringify(wrong))).toEqual({
      ok: false,
      errors: ['options.requestBudget.refillPerHour: At most 120 an hour: PostHog allows this key 120 queries an hour'],
    });
    wrong.options.requestBudget = 60;
    expect(importSettings(JSON.stringify(wrong))).toEqual({ ok: false, errors: [expect.stringMatching(/^options\.requestBudget: The request budget is/)] });
  });

  describe('at the size limit', () => {
    /** An exported file with `change` applied, padded with JSON whitespace to exactly `bytes` bytes. */
    const fileOf = (change: (file: Record<string, any>) => void, bytes = MAX_IMPORT_BYTES) => {
      const file = JSON.parse(exportSettings(settings, []));
      change(file);
      const text = JSON.stringify(file);
      expect(text.length).toBeLessThanOrEqual(bytes);
      return text.padEnd(bytes, ' ');
    };
    const timed = (text: string) => {
      const started = Date.now();
      const result = importSettings(text);
      expect(Date.now() - started).toBeLessThan(2_000);
      return result;
    };

    it('reads a file of exactly the limit and refuses one byte more, naming the limit', () => {
      expect(timed(fileOf(() => undefined))).toMatchObject({ ok: true });
      expect(timed(fileOf(() => undefined, MAX_IMPORT_BYTES + 1))).toEqual({ ok: false, errors: ['The file is larger than 256 KB: not a settings file'] });
      // Bytes, not characters: 140 000 characters of Arabic (two bytes each in UTF-8) are over the limit.
      const arabic = JSON.stringify({ toolLens: 1, note: 'م'.repeat(140_000) });
      expect(arabic.length).toBeLessThan(MAX_IMPORT_BYTES);
      expect(timed(arabic)).toMatchObject({ ok: false, errors: [expect.stringContaining('larger than 256 KB')] });
    });

    it('refuses 100 000 sites in a file just under the limit by the schema, saying how many are allowed', () => {
      const result = timed(fileOf((file) => void (file.sites = Array.from({ length: 100_000 }, () => 0))));
      expect(result).toEqual({ ok: false, errors: [expect.stringMatching(/^sites: .*200/)] });
      // Well-formed sites too: thousands of them, each valid on its own.
      const sites = Array.from({ length: 3_000 }, (_, i) => newSite(`https://s${i}.example`));
      expect(timed(fileOf((file) => void (file.sites = sites)))).toEqual({ ok: false, errors: [expect.stringMatching(/^sites: .*200/)] });
    });

    it('refuses 100 000 URL rules in one site by the schema', () => {
      const result = timed(fileOf((file) => void (file.sites = [{ ...newSite('https://a.example'), urlRules: Array.from({ length: 100_000 }, () => 0) }])));
      expect(result).toEqual({ ok: false, errors: [expect.stringMatching(/^sites\.0\.urlRules: .*50/)] });
    });

    it('reports at most 10 problems, whatever the file holds', () => {
      const result = timed(
        fileOf((file) => void (file.sites = Array.from({ length: 150 }, () => ({ origin: 'ftp://x', marker: null, urlRules: 'none', autoMap: 'yes' })))),
      );
      expect(result.ok).toBe(false);
      expect(!result.ok && result.errors).toHaveLength(10);
      expect(!result.ok && result.errors[0]).toMatch(/^sites\.0\./);
    });
  });
});

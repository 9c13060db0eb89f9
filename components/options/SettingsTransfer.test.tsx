import { render } from 'preact';
import { act } from 'preact/test-utils';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { DEFAULT_METRICS_OPTIONS } from '../../lib/settings/settings';
import { exportSettings, MAX_IMPORT_BYTES, type ImportPlan } from '../../lib/settings/transfer';
import { newSite } from '../../lib/matching/toolMatch';
import { SettingsTransfer } from './SettingsTransfer';

const settings = { host: 'eu' as const, customHost: '', projectId: '42', apiKey: 'phx_secret_key', ...DEFAULT_METRICS_OPTIONS };

let host: HTMLElement;
afterEach(() => {
  render(null, host);
  host.remove();
});

async function mount(stored: unknown = settings) {
  host = document.createElement('div');
  document.body.append(host);
  const apply = vi.fn(async (_plan: ImportPlan) => null);
  await act(() => render(<SettingsTransfer exportJson={async () => exportSettings(settings, [])} stored={async () => stored} apply={apply} />, host));
  return apply;
}

/** Picks `file` in the import input, as the browser does, and lets the import finish. */
async function pick(file: File) {
  const input = host.querySelector('[data-testid="import-file"]') as HTMLInputElement;
  Object.defineProperty(input, 'files', { configurable: true, value: [file] });
  await act(async () => void input.dispatchEvent(new Event('change', { bubbles: true })));
  await act(async () => undefined);
}
const status = () => [...host.querySelectorAll('[data-testid="import-status"] p')].map((p) => p.textContent);

describe('settings import', () => {
  it('imports an exported file and keeps the key', async () => {
    const apply = await mount();
    await pick(new File([exportSettings(settings, [newSite('https://a.example')])], 'tool-lens-settings.json', { type: 'application/json' }));
    expect(apply).toHaveBeenCalledTimes(1);
    expect(status()).toEqual(['Imported 1 site(s) and the card options. Your API key was kept.']);
  });

  it('asks before a file that points elsewhere, naming the host, and drops the key and sign-in if told to go on', async () => {
    const file = () => {
      const f = JSON.parse(exportSettings(settings, [newSite('https://a.example')]));
      f.connection = { host: 'custom', customHost: 'https://attacker.example', projectId: '42' };
      return new File([JSON.stringify(f)], 'team-settings.json', { type: 'application/json' });
    };
    for (const stored of [settings, { ...settings, apiKey: '', auth: 'signIn' }]) {
      const apply = await mount(stored);
      await pick(file());
      expect(apply).not.toHaveBeenCalled();
      const confirm = host.querySelector('[data-testid="import-confirm"]')!;
      expect(confirm.textContent).toContain('https://attacker.example (project 42)');
      expect(confirm.textContent).toContain('https://eu.posthog.com (project 42)');
      // Cancel: nothing stored.
      await act(() => (confirm.querySelector('button[data-action="cancel"]') as HTMLButtonElement).click());
      expect(apply).not.toHaveBeenCalled();
      expect(host.querySelector('[data-testid="import-confirm"]')).toBeNull();
      await pick(file());
      await act(async () => (host.querySelector('[data-testid="import-confirm"] button[data-action="import"]') as HTMLButtonElement).click());
      await act(async () => undefined);
      expect(apply).toHaveBeenCalledTimes(1);
      const plan = apply.mock.calls[0]![0];
      expect(plan.settings).toMatchObject({ host: 'custom', customHost: 'https://attacker.example', apiKey: '' });
      expect('auth' in plan.settings).toBe(false);
      expect(status()[0]).toBe(
        'Imported 1 site(s) and the card options. Your API key and sign-in were removed: add a key or sign in for https://attacker.example (project 42) above.',
      );
      render(null, host);
      host.remove();
    }
    host = document.createElement('div');
  });

  it('refuses a file over the size limit before reading it, naming the limit', async () => {
    const apply = await mount();
    const file = new File(['x'.repeat(MAX_IMPORT_BYTES + 1)], 'huge.json', { type: 'application/json' });
    const read = vi.spyOn(file, 'text');
    await pick(file);
    expect(read).not.toHaveBeenCalled();
    expect(apply).not.toHaveBeenCalled();
    expect(host.querySelector('[data-testid="import-status"]')?.getAttribute('role')).toBe('alert');
    expect(status()).toEqual(['huge.json is 257 KB: a settings file is at most 256 KB.']);
  });

  it('refuses a file just under the limit holding 100 000 sites, with the schema saying why', async () => {
    const apply = await mount();
    const file = JSON.parse(exportSettings(settings, []));
    file.sites = Array.from({ length: 100_000 }, () => 0);
    const text = JSON.stringify(file).padEnd(MAX_IMPORT_BYTES, ' ');
    expect(new TextEncoder().encode(text).length).toBe(MAX_IMPORT_BYTES);
    const started = Date.now();
    await pick(new File([text], 'many.json', { type: 'application/json' }));
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(apply).not.toHaveBeenCalled();
    expect(status()).toEqual(['many.json was not imported:', expect.stringMatching(/^sites: .*200/)]);
  });
});

import { render } from 'preact';
import { act } from 'preact/test-utils';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { OnboardingProjectsResponse } from '../../lib/protocol/messages';
import { FirstRun } from './FirstRun';
import { explainKeyFailure, type FirstRunDeps } from './useFirstRun';

let host: HTMLElement;
afterEach(() => {
  render(null, host);
  host.remove();
});

const PROJECTS: OnboardingProjectsResponse = {
  ok: true,
  user: 'pm@example.com',
  organizations: [
    {
      id: 'o1',
      name: 'Acme',
      problem: null,
      projects: [
        { id: '12', name: 'Web', timezone: 'UTC' },
        { id: '13', name: 'Mobile', timezone: null },
      ],
    },
    { id: 'o2', name: 'Labs', problem: 'API key does not have access to the requested organization: ID o2.', projects: [] },
  ],
};

const ONE_PROJECT: OnboardingProjectsResponse = {
  ok: true,
  user: 'pm@example.com',
  organizations: [{ id: 'o1', name: 'Acme', problem: null, projects: [{ id: '12', name: 'Web', timezone: 'UTC' }] }],
};

function deps(overrides: Partial<FirstRunDeps> = {}): FirstRunDeps {
  return {
    grantHost: vi.fn(async () => null),
    listProjects: vi.fn(async () => PROJECTS),
    signIn: vi.fn(async () => ONE_PROJECT),
    saveSettings: vi.fn(async () => undefined),
    detect: vi.fn(async () => ({
      ok: true as const,
      days: 30,
      properties: { tool_name: { spellings: ['$tool_name'], plain: 0, dollar: 40 } },
      events: { tool_viewed: 40, tool_result_downloaded: 0 },
    })),
    proposeSites: vi.fn(async () => ({
      ok: true as const,
      days: 30,
      sites: [{ origin: 'https://tools.example.com', views: 40, tools: 3, example: 'https://tools.example.com/tools/web' }],
    })),
    enableSites: vi.fn(async () => null),
    ...overrides,
  };
}

async function mount(d: FirstRunDeps, onDone = vi.fn(), presetHost?: { host: 'us' | 'eu' | 'custom'; customHost: string }) {
  host = document.createElement('div');
  document.body.append(host);
  await act(() => render(<FirstRun deps={d} onDone={onDone} presetHost={presetHost} />, host));
  return onDone;
}
const step = () => host.querySelector('[data-testid="first-run"]')!.getAttribute('data-step');
const submit = () =>
  act(async () => {
    host.querySelector('form')!.dispatchEvent(new Event('submit', { bubbles: true, cancelable: true }));
    for (let i = 0; i < 5; i++) await new Promise((r) => setTimeout(r, 0));
  });
const choose = (selector: string) => act(() => (host.querySelector(selector) as HTMLInputElement).click());
async function type(selector: string, value: string) {
  await act(() => {
    const input = host.querySelector<HTMLInputElement>(selector)!;
    input.value = value;
    input.dispatchEvent(new Event('input', { bubbles: true }));
  });
}
const problem = () => host.querySelector('[data-testid="first-run-problem"]')?.textContent ?? null;

describe('first run', () => {
  it("starts from the host an organisation's policy set: shown locked, still asked for in the click", async () => {
    const d = deps();
    await mount(d, vi.fn(), { host: 'custom', customHost: 'https://posthog.example.com' });
    expect(host.querySelector('[data-testid="locked-host"]')!.textContent).toBe('Set by your organisation');
    expect(host.querySelector<HTMLInputElement>('#first-run-host')!.value).toBe('https://posthog.example.com');
    expect(host.querySelector<HTMLInputElement>('#first-run-host')!.closest('fieldset')!.disabled).toBe(true);
    await submit();
    expect(d.grantHost).toHaveBeenCalledWith('https://posthog.example.com');
    expect(step()).toBe('key');
  });

  it('goes from the host to a working setup without typing a project id', async () => {
    const d = deps();
    const onDone = await mount(d);
    expect(step()).toBe('host');
    await choose('input[value="eu"]');
    await submit();
    expect(d.grantHost).toHaveBeenCalledWith('https://eu.posthog.com');
    expect(step()).toBe('key');
    expect(host.querySelector<HTMLAnchorElement>('a[href="https://eu.posthog.com/settings/user-api-keys"]')).not.toBeNull();
    expect(host.querySelector('[data-testid="key-scopes"]')!.textContent).toContain('query:read');

    await type('#first-run-key', '  phx_pasted  ');
    await submit();
    expect(d.listProjects).toHaveBeenCalledWith({ host: 'eu', customHost: '', apiKey: 'phx_pasted' });
    expect(step()).toBe('project');
    expect([...host.querySelectorAll('[data-testid="organization"] legend')].map((l) => l.textContent)).toEqual(['Acme', 'Labs']);
    expect(host.textContent).toContain('does not have access to the requested organization');
    // Nothing is picked for the user when there is a choice.
    await submit();
    expect(problem()).toBe('Pick the project whose events Tool Lens should show.');
    await choose('input[name="project"][value="13"]');
    await submit();
    expect(d.saveSettings).toHaveBeenLastCalledWith(
      expect.objectContaining({
        host: 'eu',
        projectId: '13',
        apiKey: 'phx_pasted',
        schema: expect.objectContaining({ properties: expect.objectContaining({ tool_name: ['$tool_name'] }) }),
      }),
    );
    expect(step()).toBe('sites');
    expect(host.querySelector('[data-testid="first-run-schema"]')!.textContent).toContain('tool_name: $tool_name (0 / 40 events)');
    expect(host.querySelector('[data-testid="first-run-schema"]')!.textContent).toContain('No tool_result_downloaded events yet');
    expect(host.querySelector('[data-testid="proposed-site"]')!.textContent).toContain('https://tools.example.com — 40 views, 3 tools');
    // Anyone with the project's public token can send events naming any site: none is ticked for the user.
    expect([...host.querySelectorAll<HTMLInputElement>('[data-testid="proposed-site"] input')].map((c) => c.checked)).toEqual([false]);
    expect(host.querySelector<HTMLButtonElement>('button[type="submit"]')!.textContent).toBe('Finish without a site');

    await choose('[data-testid="proposed-site"] input');
    await submit();
    expect(d.enableSites).toHaveBeenCalledWith(['https://tools.example.com']);
    expect(step()).toBe('done');
    expect(host.querySelector<HTMLAnchorElement>('[data-testid="try-link"]')!.href).toBe('https://tools.example.com/tools/web');
    await act(() => (host.querySelector('[data-testid="first-run-done"] button') as HTMLButtonElement).click());
    expect(onDone).toHaveBeenCalled();
  });

  it('signs in with PostHog instead of a key: no key saved, the sign-in named, the one project picked', async () => {
    const d = deps();
    await mount(d);
    await choose('input[value="custom"]');
    await type('#first-run-host', 'https://posthog.internal.example');
    await submit();
    await act(async () => {
      (host.querySelector('[data-testid="sign-in"]') as HTMLButtonElement).click();
      for (let i = 0; i < 5; i++) await new Promise((r) => setTimeout(r, 0));
    });
    expect(d.signIn).toHaveBeenCalledWith({ host: 'custom', customHost: 'https://posthog.internal.example' });
    expect(d.listProjects).not.toHaveBeenCalled();
    expect(step()).toBe('project');
    expect(host.textContent).toContain('The projects this sign-in (pm@example.com) can see');
    await submit();
    expect(d.saveSettings).toHaveBeenCalledWith(
      expect.objectContaining({ host: 'custom', customHost: 'https://posthog.internal.example', projectId: '12', apiKey: '', auth: 'signIn' }),
    );
  });

  it('stays on the key step and says why when the sign-in fails', async () => {
    const d = deps({
      signIn: vi.fn(async () => ({
        ok: false as const,
        error: { kind: 'unauthorized' as const, message: 'You cancelled the sign-in on PostHog: nothing was saved.' },
      })),
    });
    await mount(d);
    await submit();
    await act(async () => {
      (host.querySelector('[data-testid="sign-in"]') as HTMLButtonElement).click();
      for (let i = 0; i < 5; i++) await new Promise((r) => setTimeout(r, 0));
    });
    expect(step()).toBe('key');
    expect(problem()).toBe('You cancelled the sign-in on PostHog: nothing was saved.');
    expect(d.saveSettings).not.toHaveBeenCalled();
  });

  it('stays on the step that failed and says why: a bad URL, a refused permission, a bad key', async () => {
    const d = deps({ grantHost: vi.fn(async () => 'Permission for https://eu.posthog.com/* was not granted, so Tool Lens cannot reach this PostHog.') });
    await mount(d);
    await choose('input[value="custom"]');
    await type('#first-run-host', 'ftp://posthog.example.com');
    await submit();
    expect(problem()).toBe('Use https:// (plain http is only allowed for localhost)');
    expect(d.grantHost).not.toHaveBeenCalled();
    await choose('input[value="eu"]');
    await submit();
    expect(step()).toBe('host');
    expect(problem()).toContain('was not granted');
  });

  it('explains key failures in words that say what to do', () => {
    expect(
      explainKeyFailure({ kind: 'forbidden', message: "The personal API key is not allowed to do this (403): API key missing required scope 'user:read'" }),
    ).toBe('This key lacks the user:read scope. Edit the key in PostHog (or create one) with the scopes listed above, then paste it again.');
    expect(explainKeyFailure({ kind: 'unauthorized', message: 'PostHog rejected the personal API key (401)' })).toMatch(
      /^PostHog rejected this key\. Check that you pasted all of it/,
    );
    expect(explainKeyFailure({ kind: 'not_found', message: 'This key (pm@example.com) can see no project.' })).toBe(
      'This key (pm@example.com) can see no project.',
    );
  });

  it('keeps going when detection or the site list fails, saying so', async () => {
    const d = deps({
      listProjects: vi.fn(async () => ONE_PROJECT),
      detect: vi.fn(async () => ({ ok: false as const, error: { kind: 'too_slow' as const, message: 'PostHog stopped the query (HTTP 504)' } })),
      proposeSites: vi.fn(async () => ({ ok: false as const, error: { kind: 'network' as const, message: 'Could not reach eu.posthog.com' } })),
    });
    await mount(d);
    await submit();
    await type('#first-run-key', 'phx_k');
    await submit();
    // One project: chosen already.
    await submit();
    expect(step()).toBe('sites');
    expect(host.querySelector('[data-testid="first-run-schema"]')!.textContent).toContain(
      'Could not detect the property spellings (PostHog stopped the query (HTTP 504))',
    );
    expect(problem()).toContain('Could not list the sites your events come from: Could not reach eu.posthog.com');
    await submit();
    expect(step()).toBe('done');
    expect(d.enableSites).not.toHaveBeenCalled();
  });
});

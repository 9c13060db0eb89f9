import { render } from 'preact';
import { act } from 'preact/test-utils';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { DEFAULT_METRICS_OPTIONS, type Settings } from '../../lib/settings/settings';
import { OptionsForm } from './OptionsForm';
import type { SignInActions } from './ConnectionSection';
import type { GroupTypesResponse } from '../../lib/protocol/messages';

const initial: Settings = { host: 'eu', customHost: '', projectId: '42', apiKey: 'phx_k', ...DEFAULT_METRICS_OPTIONS };

let host: HTMLElement;
afterEach(() => {
  render(null, host);
  host.remove();
});

function mount(onLoadGroupTypes: () => Promise<GroupTypesResponse> = () => new Promise<never>(() => undefined), signIn?: SignInActions) {
  host = document.createElement('div');
  document.body.append(host);
  const onSave = vi.fn(async (_settings: Settings) => undefined);
  const never = () => new Promise<never>(() => undefined);
  act(() => {
    render(
      <OptionsForm
        initial={initial}
        onSave={onSave}
        onTest={never}
        onDetect={never}
        onRequestNotifications={async () => 'The notifications permission was not granted, so notifications stay off.'}
        onLoadGroupTypes={onLoadGroupTypes}
        signIn={signIn}
      />,
      host,
    );
  });
  return onSave;
}

const input = (id: string) => host.querySelector<HTMLInputElement>(`#${id}`)!;
async function type(id: string, value: string) {
  await act(() => {
    input(id).value = value;
    input(id).dispatchEvent(new Event('input', { bubbles: true }));
  });
}
async function submit() {
  await act(async () => {
    host.querySelector('form')!.dispatchEvent(new Event('submit', { bubbles: true, cancelable: true }));
    await new Promise((r) => setTimeout(r, 0));
  });
}
const status = () => host.querySelector('[data-testid="options-status"]')!.textContent;

describe('options form: request budget', () => {
  it('shows the budget with labels and saves a new one with the rest of the settings', async () => {
    const onSave = mount();
    expect(input('budgetCapacity').value).toBe('60');
    expect(input('budgetRefillPerHour').value).toBe('60');
    expect(host.querySelector('label[for="budgetCapacity"]')?.textContent).toBe('Requests at once');
    expect(host.querySelector('label[for="budgetRefillPerHour"]')?.textContent).toBe('Requests added per hour');
    expect(host.querySelector('#requestBudget-help')?.textContent).toMatch(
      /HogQL query .*cards, triage, lookups, alerts.*dashboards.*spend nothing.*120 HogQL queries an hour.*api_query_rate_limit/,
    );
    expect(host.querySelector('label[for="queryLimitPerHour"]')?.textContent).toBe("PostHog's query limit for this key (per hour)");
    expect(input('queryLimitPerHour').value).toBe('120');

    await type('budgetCapacity', '20');
    await type('budgetRefillPerHour', '120');
    await type('funnelWindowHours', '6');
    await submit();
    expect(onSave).toHaveBeenCalledTimes(1);
    expect(onSave.mock.calls[0]![0]).toMatchObject({
      requestBudget: { capacity: 20, refillPerHour: 120 },
      funnelWindowHours: 6,
      projectId: '42',
      apiKey: 'phx_k',
    });
    expect(status()).toBe('Saved.');
  });

  it('refuses a bad budget with a message by the field, and loses nothing typed', async () => {
    const onSave = mount();
    await type('funnelWindowHours', '6');
    await type('budgetCapacity', '0');
    await type('budgetRefillPerHour', '5000');
    await submit();
    expect(onSave).not.toHaveBeenCalled();
    expect(host.querySelector('#requestBudget-capacity-error')?.textContent).toBe('At least 1 request at once');
    expect(host.querySelector('#requestBudget-refillPerHour-error')?.textContent).toBe('At most 120 an hour: PostHog allows this key 120 queries an hour');
    expect(input('budgetCapacity').getAttribute('aria-invalid')).toBe('true');
    expect(status()).toMatch(/Fix the highlighted fields \(requestBudget\.capacity, requestBudget\.refillPerHour\)/);
    expect(input('funnelWindowHours').value).toBe('6');
    expect(input('budgetRefillPerHour').value).toBe('5000');

    // Editing a field clears its message; fixing both saves everything typed before.
    await type('budgetCapacity', '1.5');
    expect(host.querySelector('#requestBudget-capacity-error')).toBeNull();
    await submit();
    expect(host.querySelector('#requestBudget-capacity-error')?.textContent).toBe('Requests at once must be a whole number');
    await type('budgetCapacity', '240');
    await type('budgetRefillPerHour', '2400');
    await submit();
    expect(onSave).not.toHaveBeenCalled();
    // A team whose limit PostHog raised says so, and the budget may grow up to it.
    await type('queryLimitPerHour', '2400');
    await submit();
    expect(onSave).toHaveBeenCalledTimes(1);
    expect(onSave.mock.calls[0]![0]).toMatchObject({ requestBudget: { capacity: 240, refillPerHour: 2400 }, queryLimitPerHour: 2400, funnelWindowHours: 6 });
  });
});

describe('options form: a segment on a group property', () => {
  const select = (label: string) => host.querySelector<HTMLSelectElement>(`select[aria-label="${label}"]`)!;
  async function choose(label: string, value: string) {
    await act(async () => {
      select(label).value = value;
      select(label).dispatchEvent(new Event('change', { bubbles: true }));
      await new Promise((r) => setTimeout(r, 0));
    });
  }
  async function segmentOn() {
    await act(() => {
      const box = [...host.querySelectorAll<HTMLInputElement>('input[type="checkbox"]')].find((b) => b.parentElement?.textContent?.includes('segment'))!;
      box.click();
    });
  }

  it("lists the project's group types by name and saves the chosen one's slot and name", async () => {
    const load = vi.fn(async (): Promise<GroupTypesResponse> => ({
      ok: true,
      groupTypes: [
        { index: 0, name: 'company' },
        { index: 1, name: 'team' },
      ],
    }));
    const onSave = mount(load);
    await segmentOn();
    expect(load).not.toHaveBeenCalled(); // asked for only when a group property is chosen
    await choose('Segment property kind', 'group');
    expect(load).toHaveBeenCalledTimes(1);
    expect([...select('Group type').options].map((o) => o.textContent)).toEqual(['company', 'team', 'group type 3', 'group type 4', 'group type 5']);
    await choose('Group type', '1');
    await type('funnelWindowHours', '24');
    await act(() => {
      const name = host.querySelector<HTMLInputElement>('input[aria-label="Segment property name"]')!;
      name.value = 'plan';
      name.dispatchEvent(new Event('input', { bubbles: true }));
    });
    await act(() => {
      const value = host.querySelector<HTMLInputElement>('input[aria-label="Segment value"]')!;
      value.value = 'enterprise';
      value.dispatchEvent(new Event('input', { bubbles: true }));
    });
    await submit();
    expect(status()).toBe('Saved.');
    expect(onSave.mock.calls[0]![0].segment).toEqual({ kind: 'group', groupIndex: 1, groupType: 'team', property: 'plan', value: 'enterprise' });
  });

  it('offers the slots by number and says why when the list cannot be read', async () => {
    mount(async () => ({ ok: false, error: { kind: 'forbidden', message: 'The key lacks the group:read scope' } }) as GroupTypesResponse);
    await segmentOn();
    await choose('Segment property kind', 'group');
    expect([...select('Group type').options].map((o) => o.textContent)).toEqual([
      'group type 1',
      'group type 2',
      'group type 3',
      'group type 4',
      'group type 5',
    ]);
    expect(host.querySelector('[data-testid="group-types-note"]')?.textContent).toMatch(/group:read/);
  });
});

describe('options form: sign in with PostHog instead of a key', () => {
  const click = (selector: string) =>
    act(async () => {
      host.querySelector<HTMLElement>(selector)!.click();
      for (let i = 0; i < 5; i++) await new Promise((r) => setTimeout(r, 0));
    });

  it('switches to a sign-in, picks the one project it allows, and saves with no key', async () => {
    const signIn = vi.fn(async () => ({
      ok: true as const,
      user: 'pm@example.com',
      organizations: [{ id: 'o', name: 'Acme', problem: null, projects: [{ id: '77', name: 'Web', timezone: 'UTC' }] }],
    }));
    const onSave = mount(undefined, { signIn, signOut: vi.fn(async () => undefined) });
    expect(host.querySelector('#apiKey')).not.toBeNull();
    await click('input[name="auth"][value="signIn"]');
    expect(host.querySelector('#apiKey')).toBeNull();
    await click('[data-testid="options-sign-in"]');
    expect(signIn).toHaveBeenCalledWith({ host: 'eu', customHost: '' });
    expect(host.querySelector('[data-testid="sign-in-result"]')!.textContent).toBe('Signed in as pm@example.com: 1 project (Web 77). Save to use it.');
    expect(input('projectId').value).toBe('77');
    await submit();
    expect(onSave).toHaveBeenCalledWith(expect.objectContaining({ host: 'eu', projectId: '77', auth: 'signIn' }));
  });

  it('says why when the sign-in fails, in place, and keeps the draft', async () => {
    const signIn = vi.fn(async () => ({
      ok: false as const,
      error: { kind: 'unauthorized' as const, message: 'You cancelled the sign-in on PostHog: nothing was saved.' },
    }));
    mount(undefined, { signIn, signOut: vi.fn(async () => undefined) });
    await click('input[name="auth"][value="signIn"]');
    await click('[data-testid="options-sign-in"]');
    const said = host.querySelector('[data-testid="sign-in-result"]')!;
    expect(said.getAttribute('role')).toBe('alert');
    expect(said.textContent).toBe('You cancelled the sign-in on PostHog: nothing was saved.');
    expect(input('projectId').value).toBe('42');
  });
});

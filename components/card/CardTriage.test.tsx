import { render } from 'preact';
import { act } from 'preact/test-utils';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { CardTriage } from './CardTriage';

let host: HTMLElement;
afterEach(() => {
  render(null, host);
  host.remove();
});

describe('triage tab', () => {
  it('hosts no field for a person (the page would see each key): it opens the side panel instead, and says where', async () => {
    host = document.createElement('div');
    document.body.append(host);
    const open = vi.fn(async () => ({ ok: true, where: 'panel' as const }));
    await act(() =>
      render(<CardTriage state={{ status: 'ready', triage: { slowest: [], failures: [] } }} onRetry={() => undefined} lookup={{ open }} />, host),
    );
    expect(host.querySelectorAll('input, select, textarea')).toHaveLength(0);
    await act(async () => (host.querySelector('[data-testid="open-lookup"]') as HTMLButtonElement).click());
    expect(open).toHaveBeenCalledTimes(1);
    expect(host.querySelector('[data-testid="job-lookup"] [role="status"]')!.textContent).toBe('Opened in the side panel.');
  });
});

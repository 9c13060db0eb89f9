import { describe, expect, it, vi } from 'vitest';
import { createMessageListener } from './messaging';

describe('background message listener', () => {
  it('answers only well-formed requests from its own extension', async () => {
    const handle = vi.fn(async () => ({ ok: true }));
    const listen = createMessageListener('self-id', handle);
    expect(listen({ type: 'options/open' }, { id: 'other-extension' })).toBeUndefined();
    expect(listen({ type: 'tool-metrics/get', tool: '', range: '7d' }, { id: 'self-id' })).toBeUndefined();
    expect(listen({ type: 'tool-metrics/get', tool: 'a', range: '5y' }, { id: 'self-id' })).toBeUndefined();
    expect(listen({ type: 'unknown' }, { id: 'self-id' })).toBeUndefined();
    expect(handle).not.toHaveBeenCalled();
    const sender = { id: 'self-id', tab: { id: 4 }, frameId: 0 };
    await expect(listen({ type: 'tool-metrics/get', tool: 'a', range: '7d' }, sender)).resolves.toEqual({ ok: true });
    // The handler learns who asked: the card script is injected into the sender's own tab and frame.
    expect(handle).toHaveBeenCalledWith({ type: 'tool-metrics/get', tool: 'a', range: '7d' }, sender);
  });
});

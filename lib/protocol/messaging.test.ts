import { describe, expect, it, vi } from 'vitest';
import { CONTENT_SCRIPT_REQUESTS, type Request } from './messages';
import { EVERY_REQUEST } from '../testing/requests';
import { createMessageListener, type Handlers } from './messaging';
import { createTabListener } from './tabListener';

const SELF = { id: 'self-id', pagesUrl: 'chrome-extension://self-id/' };
const popup = { id: 'self-id', url: 'chrome-extension://self-id/popup.html', origin: 'chrome-extension://self-id' };
const contentScript = { id: 'self-id', url: 'https://tools.example.com/tools/pdf', origin: 'https://tools.example.com', tab: { id: 4 }, frameId: 0 };

/** Every request type answered by one spy (the answers' types do not matter to the listener). */
const handlersFor = (handle: (request: Request, sender: unknown) => Promise<unknown>) => new Proxy({}, { get: () => handle }) as unknown as Handlers;

describe('background message listener', () => {
  it('answers only well-formed requests from its own extension', async () => {
    const handle = vi.fn(async () => ({ ok: true }));
    const listen = createMessageListener(SELF, handlersFor(handle));
    expect(listen({ type: 'options/open' }, { ...popup, id: 'other-extension' })).toBeUndefined();
    expect(listen({ type: 'tool-metrics/get', tool: '', range: '7d' }, popup)).toBeUndefined();
    expect(listen({ type: 'tool-metrics/get', tool: 'a', range: '5y' }, popup)).toBeUndefined();
    expect(listen({ type: 'unknown' }, popup)).toBeUndefined();
    // A card's change of its prefs names at least one known field, each with a value it may have.
    const site = 'https://tools.example.com';
    expect(listen({ type: 'card-prefs/set', origin: site, change: { corner: 'middle' } }, contentScript)).toBeUndefined();
    expect(listen({ type: 'card-prefs/set', origin: site, change: { collapsed: 'yes' } }, contentScript)).toBeUndefined();
    expect(listen({ type: 'card-prefs/set', origin: site }, contentScript)).toBeUndefined();
    expect(listen({ type: 'card-prefs/set', origin: site, change: {} }, contentScript)).toBeUndefined();
    expect(listen({ type: 'card-prefs/set', origin: site, change: { size: 'large' } }, contentScript)).toBeUndefined();
    expect(handle).not.toHaveBeenCalled();
    expect(listen({ type: 'card-prefs/set', origin: site, change: { collapsed: true } }, contentScript)).toBeInstanceOf(Promise);
    handle.mockClear();
    await expect(listen({ type: 'tool-metrics/get', tool: 'a', range: '7d' }, contentScript)).resolves.toEqual({ ok: true });
    // The handler learns who asked: the card script is injected into the sender's own tab and frame.
    expect(handle).toHaveBeenCalledWith({ type: 'tool-metrics/get', tool: 'a', range: '7d' }, contentScript);
  });

  it('gives extension pages every request, content scripts only what their card needs', () => {
    const handle = vi.fn(async () => ({ ok: true }));
    const listen = createMessageListener(SELF, handlersFor(handle));
    for (const request of EVERY_REQUEST) expect(listen(request, popup), request.type).toBeInstanceOf(Promise);
    const allowed = EVERY_REQUEST.filter((r) => listen(r, contentScript) !== undefined).map((r) => r.type);
    expect(allowed).toEqual([
      'tool-metrics/get',
      'triage/get',
      'lookup/open',
      'ranking/get',
      'annotations/get',
      'card-prefs/get',
      'card-prefs/set',
      'site/config',
      'options/open',
      'matcher/inject',
      'card/inject',
    ]);
    expect(new Set(allowed)).toEqual(CONTENT_SCRIPT_REQUESTS);
    // A sender without a URL is not taken for an extension page.
    expect(listen({ type: 'connection/test' }, { id: 'self-id', tab: { id: 4 } })).toBeUndefined();
  });

  it("refuses a content script's request about another site's card or rules", () => {
    const handle = vi.fn(async () => ({ ok: true }));
    const listen = createMessageListener(SELF, handlersFor(handle));
    const elsewhere = 'https://other.example.com';
    expect(listen({ type: 'card-prefs/set', origin: elsewhere, change: { corner: 'top-left', hidden: true } }, contentScript)).toBeUndefined();
    expect(listen({ type: 'card-prefs/get', origin: elsewhere }, contentScript)).toBeUndefined();
    expect(listen({ type: 'site/config', origin: elsewhere }, contentScript)).toBeUndefined();
    expect(handle).not.toHaveBeenCalled();
    // The frame's URL counts: sender.origin missing (older browsers) or "null" (a sandboxed page).
    expect(listen({ type: 'site/config', origin: 'https://tools.example.com' }, { ...contentScript, origin: undefined })).toBeInstanceOf(Promise);
    expect(listen({ type: 'card-prefs/get', origin: 'https://tools.example.com' }, { ...contentScript, origin: 'null' })).toBeInstanceOf(Promise);
    expect(
      listen(
        { type: 'card-prefs/get', origin: 'https://tools.example.com' },
        { ...contentScript, url: 'https://other.example.com/x', origin: 'https://tools.example.com' },
      ),
    ).toBeUndefined();
  });
});

describe('content script tab listener', () => {
  const handlers = { 'card/toggle': vi.fn(async () => ({ ok: true })), 'card/status': vi.fn(async () => ({ tool: 'a', detail: null, hidden: false })) };

  it("answers its own extension's worker and pages, with the handler for the type", async () => {
    const listen = createTabListener('self-id', handlers);
    await expect(listen({ type: 'card/status' }, { id: 'self-id' })).resolves.toEqual({ tool: 'a', detail: null, hidden: false });
    await expect(listen({ type: 'card/toggle' }, { id: 'self-id' })).resolves.toEqual({ ok: true });
    expect(handlers['card/toggle']).toHaveBeenCalledTimes(1);
  });

  it('ignores other extensions, other content scripts and unknown messages', () => {
    const listen = createTabListener('self-id', handlers);
    expect(listen({ type: 'card/toggle' }, { id: 'other' })).toBeUndefined();
    expect(listen({ type: 'card/toggle' }, { id: 'self-id', tab: { id: 3 } })).toBeUndefined();
    expect(listen({ type: 'card/explode' }, { id: 'self-id' })).toBeUndefined();
    expect(listen('card/toggle', { id: 'self-id' })).toBeUndefined();
  });
});

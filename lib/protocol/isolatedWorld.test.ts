import { describe, expect, it } from 'vitest';
import { extensionApi } from './isolatedWorld';

/** An extension namespace whose APIs are set up on first read, as Chromium's bindings are: counts the reads. */
function namespace() {
  const reads: string[] = [];
  const api = {};
  for (const name of ['runtime', 'storage']) Object.defineProperty(api, name, { get: () => (reads.push(name), { name }), enumerable: true });
  return { api, reads };
}

describe('the extension API in an isolated world', () => {
  it('takes `browser` where it is the extension’s, setting none of it up', () => {
    const browser = namespace();
    const chrome = namespace();
    expect(extensionApi({ browser: browser.api, chrome: chrome.api })).toBe(browser.api);
    expect(browser.reads).toEqual([]);
    expect(chrome.reads).toEqual([]);
  });

  it('takes `chrome` where there is no `browser`, or where `browser` is a page element (the window’s named access)', () => {
    const chrome = namespace();
    expect(extensionApi({ chrome: chrome.api })).toBe(chrome.api);
    expect(extensionApi({ browser: document.createElement('div'), chrome: chrome.api })).toBe(chrome.api);
    expect(chrome.reads).toEqual([]);
  });
});

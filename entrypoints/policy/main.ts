/**
 * An offscreen document that only reads the managed storage. Chromium answers a service worker's
 * storage.managed.get only once an extension page has asked for it (until then the worker's call
 * waits): the worker opens this page at start so its own reading of the policy gets its answer.
 */
import { browser } from 'wxt/browser';

void browser.storage.managed.get().catch(() => undefined);

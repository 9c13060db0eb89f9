import { describe, expect, it } from 'vitest';
import { createPendingLookups, PENDING_FOR_MS } from './pending';

describe('a lookup on its way from the context menu to the lookup page', () => {
  it("is taken once, by its own window's page", () => {
    const pending = createPendingLookups(() => 1000);
    pending.put(7, { value: 'ada@example.com', by: 'auto' });
    expect(pending.take(8)).toBeNull();
    expect(pending.take(7)).toEqual({ value: 'ada@example.com', by: 'auto' });
    expect(pending.take(7)).toBeNull();
  });

  it('goes to any page when its window is not known, and a page not knowing its window takes the latest', () => {
    const pending = createPendingLookups(() => 1000);
    pending.put(undefined, { value: 'a', by: 'auto' });
    expect(pending.take(3)).toEqual({ value: 'a', by: 'auto' });
    pending.put(1, { value: 'b', by: 'auto' });
    expect(pending.take(undefined)).toEqual({ value: 'b', by: 'auto' });
  });

  it('is gone after a minute: a page opened later shows nothing it was not asked for', () => {
    let now = 0;
    const pending = createPendingLookups(() => now);
    pending.put(1, { value: 'a', by: 'auto' });
    now = PENDING_FOR_MS + 1;
    expect(pending.take(1)).toBeNull();
  });

  it('keeps the latest per window', () => {
    const pending = createPendingLookups(() => 0);
    pending.put(1, { value: 'first', by: 'auto' });
    pending.put(1, { value: 'second', by: 'email' });
    expect(pending.take(1)).toEqual({ value: 'second', by: 'email' });
  });
});

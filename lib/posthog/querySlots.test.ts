import { describe, expect, it } from 'vitest';
import { createQuerySlots } from './querySlots';

const tick = () => new Promise((resolve) => setTimeout(resolve, 0));

describe('query slots (PostHog runs 3 API queries of a project at once: limit.py)', () => {
  it('gives at most the limit at once, the rest in order as slots free; none dropped', async () => {
    const slots = createQuerySlots(3);
    const order: number[] = [];
    const releases = await Promise.all([0, 1, 2].map((i) => slots.acquire('blocking').then((r) => (order.push(i), r))));
    const waiting = [3, 4].map((i) => slots.acquire('blocking').then((r) => (order.push(i), r)));
    await tick();
    expect(slots.usage()).toEqual({ held: 3, async: 0, waiting: 2 });
    releases[1]!();
    releases[1]!(); // giving a slot back twice frees one slot, not two
    const fourth = await waiting[0]!;
    await tick();
    expect(order).toEqual([0, 1, 2, 3]);
    expect(slots.usage().waiting).toBe(1);
    fourth();
    (await waiting[1]!)();
    expect(order).toEqual([0, 1, 2, 3, 4]);
  });

  it('lets async queries hold all slots but one, so a quick query passes a waiting long one', async () => {
    const slots = createQuerySlots(3);
    const a = await slots.acquire('async');
    await slots.acquire('async');
    let third = false;
    const asyncWaiting = slots.acquire('async').then((r) => ((third = true), r));
    const blocking = await slots.acquire('blocking');
    await tick();
    expect(third).toBe(false);
    blocking();
    await tick();
    expect(third).toBe(false); // still two async running
    a();
    await asyncWaiting;
    expect(third).toBe(true);
  });

  it('takes a waiting query out of line when its caller gives up', async () => {
    const slots = createQuerySlots(1);
    const held = await slots.acquire('blocking');
    const abort = new AbortController();
    const gaveUp = slots.acquire('blocking', abort.signal);
    abort.abort(new Error('no longer needed'));
    await expect(gaveUp).rejects.toThrow('no longer needed');
    expect(slots.usage().waiting).toBe(0);
    held();
    expect(slots.usage().held).toBe(0);
  });
});

import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { figuresWithin, type EarlyFigures } from './earlyFigures';

/** A promise and the hands that settle it. */
function deferred<T = unknown>() {
  let resolve!: (value: T) => void;
  let reject!: (reason: unknown) => void;
  const promise = new Promise<T>((yes, no) => {
    resolve = yes;
    reject = no;
  });
  return { promise, resolve, reject };
}

/** Whether `promise` has settled once the pending microtasks (and no timer) have run. */
async function settledNow(promise: Promise<unknown>): Promise<boolean> {
  let settled = false;
  void promise.then(
    () => (settled = true),
    () => (settled = true),
  );
  await vi.advanceTimersByTimeAsync(0);
  return settled;
}

describe('figuresWithin', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  function early() {
    const answer = deferred();
    const ranking = deferred();
    const annotations = deferred();
    const extras = deferred<{ ranking: Promise<unknown>; annotations: Promise<unknown> } | null>();
    const figures: EarlyFigures = { answer: answer.promise, extras: extras.promise };
    return { figures, answer, extras, ranking, annotations };
  }

  it('waits for the figures, then for the standing and the annotations asked with them, and no longer', async () => {
    const e = early();
    const waited = figuresWithin(e.figures, 100);
    e.answer.resolve({ ok: true });
    e.extras.resolve({ ranking: e.ranking.promise, annotations: e.annotations.promise });
    expect(await settledNow(waited)).toBe(false);
    e.ranking.resolve({ ok: true });
    expect(await settledNow(waited)).toBe(false);
    e.annotations.resolve({ ok: true });
    expect(await settledNow(waited)).toBe(true);
    // Its deadline is cleared: nothing of it is left to run.
    expect(vi.getTimerCount()).toBe(0);
  });

  it('gives up at the deadline when the figures take longer (a query the worker has to run)', async () => {
    const e = early();
    const waited = figuresWithin(e.figures, 100);
    await vi.advanceTimersByTimeAsync(99);
    expect(await settledNow(waited)).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(await settledNow(waited)).toBe(true);
  });

  it('gives up at the deadline when the figures came but their extras did not', async () => {
    const e = early();
    const waited = figuresWithin(e.figures, 100);
    e.answer.resolve({ ok: true });
    e.extras.resolve({ ranking: e.ranking.promise, annotations: e.annotations.promise });
    e.ranking.resolve({ ok: true });
    await vi.advanceTimersByTimeAsync(99);
    expect(await settledNow(waited)).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(await settledNow(waited)).toBe(true);
  });

  it('waits for nothing more when the figures are not good (no extras were asked for)', async () => {
    const e = early();
    const waited = figuresWithin(e.figures, 100);
    e.answer.resolve({ ok: false, error: { kind: 'network', message: 'offline' } });
    e.extras.resolve(null);
    expect(await settledNow(waited)).toBe(true);
  });

  it('never rejects: a failed answer or extra ends the wait, and the card shows what it has', async () => {
    const failedAnswer = early();
    const first = figuresWithin(failedAnswer.figures, 100);
    failedAnswer.answer.reject(new Error('the worker is restarting'));
    await expect(first).resolves.toBeUndefined();

    const failedExtra = early();
    const second = figuresWithin(failedExtra.figures, 100);
    failedExtra.answer.resolve({ ok: true });
    failedExtra.extras.resolve({ ranking: failedExtra.ranking.promise, annotations: failedExtra.annotations.promise });
    failedExtra.ranking.reject(new Error('gone'));
    await expect(second).resolves.toBeUndefined();
  });
});

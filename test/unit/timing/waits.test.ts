import { afterEach, describe, expect, it, vi } from 'vitest';
import { pollUntil, sleep } from '../../../src/timing/waits';

afterEach(() => vi.useRealTimers());

describe('sleep', () => {
  it('resolves after the time given', async () => {
    vi.useFakeTimers();
    let done = false;
    const sleeping = sleep(1000).then(() => (done = true));
    await vi.advanceTimersByTimeAsync(999);
    expect(done).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    await sleeping;
    expect(done).toBe(true);
  });

  it("rejects with the signal's reason as soon as it aborts, and at once when it already has", async () => {
    vi.useFakeTimers();
    const controller = new AbortController();
    const sleeping = sleep(60_000, controller.signal);
    const reason = new Error('cancelled');
    controller.abort(reason);
    await expect(sleeping).rejects.toBe(reason);
    expect(vi.getTimerCount()).toBe(0);
    await expect(sleep(10, controller.signal)).rejects.toBe(reason);
  });

  it('removes its abort listener when it ends normally', async () => {
    const controller = new AbortController();
    const remove = vi.spyOn(controller.signal, 'removeEventListener');
    await sleep(1, controller.signal);
    expect(remove).toHaveBeenCalledWith('abort', expect.any(Function));
  });
});

describe('pollUntil', () => {
  it('resolves true as soon as the check holds, sleeping the interval between checks', async () => {
    vi.useFakeTimers();
    const checkedAt: number[] = [];
    const start = Date.now();
    const polling = pollUntil(() => checkedAt.push(Date.now() - start) === 3, { timeoutMs: 10_000, intervalMs: 200 });
    await vi.advanceTimersByTimeAsync(400);
    expect(await polling).toBe(true);
    expect(checkedAt).toEqual([0, 200, 400]);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('awaits an asynchronous check', async () => {
    let calls = 0;
    expect(await pollUntil(async () => ++calls === 2, { timeoutMs: 5000, intervalMs: 1 })).toBe(true);
    expect(calls).toBe(2);
  });

  it('resolves false once the time is up, after a last check at the limit', async () => {
    vi.useFakeTimers();
    const checkedAt: number[] = [];
    const start = Date.now();
    const polling = pollUntil(() => (checkedAt.push(Date.now() - start), false), { timeoutMs: 250, intervalMs: 100 });
    await vi.advanceTimersByTimeAsync(1000);
    expect(await polling).toBe(false);
    expect(checkedAt).toEqual([0, 100, 200, 300]);
  });

  it('checks once even with no time at all', async () => {
    let calls = 0;
    expect(await pollUntil(() => ++calls > 0, { timeoutMs: 0, intervalMs: 100 })).toBe(true);
    expect(await pollUntil(() => (calls++, false), { timeoutMs: 0, intervalMs: 100 })).toBe(false);
    expect(calls).toBe(2);
  });

  it("rejects with the signal's reason when it aborts between checks", async () => {
    vi.useFakeTimers();
    const controller = new AbortController();
    const reason = new Error('cancelled');
    let calls = 0;
    const polling = pollUntil(() => (calls++, false), { timeoutMs: 60_000, intervalMs: 1000, signal: controller.signal });
    const outcome = expect(polling).rejects.toBe(reason);
    await vi.advanceTimersByTimeAsync(1500);
    controller.abort(reason);
    await outcome;
    expect(calls).toBe(2);
    expect(vi.getTimerCount()).toBe(0);
  });
});

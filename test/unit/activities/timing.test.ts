import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Context } from '@temporalio/activity';
import { HEARTBEAT_EVERY_MS, keepHeartbeating } from '../../../src/activities/timing';

afterEach(() => vi.useRealTimers());

describe('keepHeartbeating', () => {
  it('heartbeats the current details now and every interval, until stopped', async () => {
    vi.useFakeTimers();
    const beats: unknown[] = [];
    const ctx = { heartbeat: (details: unknown) => beats.push(details) } as unknown as Context;
    let count = 0;
    const stop = keepHeartbeating(ctx, () => ({ count: ++count }), 100);
    expect(beats).toEqual([{ count: 1 }]);
    await vi.advanceTimersByTimeAsync(250);
    expect(beats).toEqual([{ count: 1 }, { count: 2 }, { count: 3 }]);
    stop();
    await vi.advanceTimersByTimeAsync(1000);
    expect(beats).toHaveLength(3);
  });

  it('by default every few seconds, well inside a 15 s heartbeat timeout', async () => {
    vi.useFakeTimers();
    const beats: unknown[] = [];
    const stop = keepHeartbeating({ heartbeat: (d: unknown) => beats.push(d) } as unknown as Context, () => 'x');
    await vi.advanceTimersByTimeAsync(15_000);
    stop();
    expect(beats.length).toBe(1 + Math.floor(15_000 / HEARTBEAT_EVERY_MS));
    expect(HEARTBEAT_EVERY_MS).toBeLessThan(15_000 / 2);
  });
});

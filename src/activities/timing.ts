/**
 * Waiting inside activities: sleeps that end early on cancellation, and a
 * heartbeat that keeps going at its own pace, so a long wait, a slow probe or
 * a long migration statement never misses the heartbeat timeout (15 s).
 */
import type { Context } from '@temporalio/activity';

/** How often long activities heartbeat, whatever their own pace. */
export const HEARTBEAT_EVERY_MS = 3000;

/** Resolves after `ms`, or rejects with the signal's reason as soon as it aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason as Error);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal!.reason as Error);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * Heartbeats `details()` now and every `everyMs` until the returned function is called.
 * The details are what a retry of the activity resumes from (`Context.info.heartbeatDetails`).
 */
export function keepHeartbeating(ctx: Context, details: () => unknown, everyMs = HEARTBEAT_EVERY_MS): () => void {
  ctx.heartbeat(details());
  const timer = setInterval(() => ctx.heartbeat(details()), everyMs);
  return () => clearInterval(timer);
}

/**
 * Heartbeats of long activities: a heartbeat that keeps going at its own pace,
 * so a long wait, a slow probe or a long migration statement never misses the
 * heartbeat timeout (15 s). Their waits (ended by cancellation) are src/timing's.
 */
import type { Context } from '@temporalio/activity';

/** How often long activities heartbeat, whatever their own pace. */
export const HEARTBEAT_EVERY_MS = 3000;

/**
 * Heartbeats `details()` now and every `everyMs` until the returned function is called.
 * The details are what a retry of the activity resumes from (`Context.info.heartbeatDetails`).
 */
export function keepHeartbeating(ctx: Context, details: () => unknown, everyMs = HEARTBEAT_EVERY_MS): () => void {
  ctx.heartbeat(details());
  const timer = setInterval(() => ctx.heartbeat(details()), everyMs);
  return () => clearInterval(timer);
}

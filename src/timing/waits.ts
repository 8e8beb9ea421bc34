/**
 * Waiting outside workflow code, the one way: a sleep that ends early on cancellation, and a poll
 * that checks at an interval until a check holds or a time limit passes. Node timers: workflow
 * code waits with `sleep` from @temporalio/workflow instead (durable, replayed).
 */

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

export interface PollOptions {
  /** How long to keep checking: the check runs at least once, and once more when this has passed. */
  timeoutMs: number;
  /** The pause between two checks. */
  intervalMs: number;
  /** Ends the wait at once, rejecting with its reason. */
  signal?: AbortSignal;
}

/**
 * Checks until `check()` holds (resolves true) or `timeoutMs` has passed (resolves false: the
 * caller says what did not happen in time). Between checks it sleeps `intervalMs`.
 */
export async function pollUntil(check: () => boolean | Promise<boolean>, { timeoutMs, intervalMs, signal }: PollOptions): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return true;
    if (Date.now() >= deadline) return false;
    await sleep(intervalMs, signal);
  }
}

import { MockActivityEnvironment } from '@temporalio/testing';

/** Runs an activity function outside a worker, with a real activity Context (heartbeats, cancellation), typed. */
export function runActivity<A extends unknown[], R>(fn: (...args: A) => Promise<R>, ...args: A): Promise<R> {
  return new MockActivityEnvironment().run<A, R, typeof fn>(fn, ...args);
}

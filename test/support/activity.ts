import { MockActivityEnvironment } from '@temporalio/testing';

/** Runs an activity function outside a worker, with a real activity Context (heartbeats, cancellation), typed. */
export function runActivity<A extends unknown[], R>(fn: (...args: A) => Promise<R>, ...args: A): Promise<R> {
  return runActivityIn(new MockActivityEnvironment(), fn, ...args);
}

/** The same in an environment of the caller's, to watch its heartbeats. */
export function runActivityIn<A extends unknown[], R>(environment: MockActivityEnvironment, fn: (...args: A) => Promise<R>, ...args: A): Promise<R> {
  return environment.run<A, R, typeof fn>(fn, ...args);
}

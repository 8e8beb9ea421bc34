import { MockActivityEnvironment } from '@temporalio/testing';
import { DefaultLogger } from '@temporalio/worker';
import type { Info } from '@temporalio/activity';

/**
 * An activity environment whose logger keeps quiet below ERROR: every activity failure a test
 * provokes on purpose would otherwise print a WARN with its stack.
 */
export function activityEnvironment(info?: Partial<Info>): MockActivityEnvironment {
  return new MockActivityEnvironment(info, { logger: new DefaultLogger('ERROR') });
}

/** Runs an activity function outside a worker, with a real activity Context (heartbeats, cancellation), typed. */
export function runActivity<A extends unknown[], R>(fn: (...args: A) => Promise<R>, ...args: A): Promise<R> {
  return runActivityIn(activityEnvironment(), fn, ...args);
}

/** The same in an environment of the caller's, to watch its heartbeats. */
export function runActivityIn<A extends unknown[], R>(
  environment: MockActivityEnvironment,
  fn: (...args: A) => Promise<R>,
  ...args: A
): Promise<R> {
  return environment.run<A, R, typeof fn>(fn, ...args);
}

import { describe, expect, it } from 'vitest';
import { follow } from '../../../src/client/follow';
import type { DeploymentHandle } from '../../../src/temporal/deployments';
import type { DeployResult } from '../../../src/shared/messages';

/** A handle whose status query never answers (the server holds it while the workflow closes), and whose result arrives. */
function handleWithStuckQuery(result: DeployResult, deadlines: number[]): DeploymentHandle {
  const connection = {
    withDeadline: <T>(deadline: number, fn: () => Promise<T>): Promise<T> => {
      deadlines.push(deadline);
      return Promise.race([
        fn(),
        new Promise<T>((_, reject) => setTimeout(() => reject(new Error('deadline exceeded')), Math.max(0, deadline - Date.now()))),
      ]);
    },
  };
  return {
    client: { connection },
    query: () => new Promise(() => undefined),
    result: () => new Promise((resolve) => setTimeout(() => resolve(result), 50)),
  } as unknown as DeploymentHandle;
}

describe('follow', () => {
  it('ends with the result even when a status query never answers: every query is bounded by a deadline', async () => {
    const result = {
      outcome: 'aborted',
      service: 'web',
      targetRelease: 'v2',
      timeline: [],
      decisions: [],
      compensationFailures: [],
    } as DeployResult;
    const deadlines: number[] = [];
    const started = Date.now();
    expect(await follow(handleWithStuckQuery(result, deadlines), { onStatus: () => undefined, intervalMs: 10 })).toBe(result);
    expect(deadlines.length).toBeGreaterThan(0);
    expect(deadlines.every((deadline) => deadline > started)).toBe(true);
  }, 30_000);
});

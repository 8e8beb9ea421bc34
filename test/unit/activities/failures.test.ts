import { ApplicationFailure } from '@temporalio/common';
import { describe, expect, it } from 'vitest';
import { failure } from '../../../src/activities/failures';
import { FailureType, NON_RETRYABLE_FAILURES } from '../../../src/shared/errors';

describe('failure', () => {
  it.each(Object.values(FailureType))('%s is retryable exactly when it is not a permanent failure', (type) => {
    const made = failure(type, 'why');
    expect(made).toBeInstanceOf(ApplicationFailure);
    expect(made).toMatchObject({ type, message: 'why', nonRetryable: NON_RETRYABLE_FAILURES.includes(type) });
  });

  it('a replica Docker is restarting, a missed deadline and a failed analysis stay retryable', () => {
    for (const type of [FailureType.replicaNotRunning, FailureType.deadlineExceeded, FailureType.analysisFailed])
      expect(failure(type, 'x').nonRetryable).toBe(false);
  });

  it("details become the failure's single detail; none stays none", () => {
    expect(failure(FailureType.replicaUnhealthy, 'x', { replica: 'r' }).details).toEqual([{ replica: 'r' }]);
    expect(failure(FailureType.replicaUnhealthy, 'x').details).toBeUndefined();
  });
});

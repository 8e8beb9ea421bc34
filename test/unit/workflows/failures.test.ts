import { ActivityFailure, ApplicationFailure, RetryState } from '@temporalio/common';
import { describe, expect, it } from 'vitest';
import { FailureType } from '../../../src/shared/errors';
import { messageOf, refusalOf, validSpecOrFail } from '../../../src/workflows/failures';
import { specDocument } from '../../support/specs';

describe('failures the workflows share', () => {
  it('a valid spec comes back parsed (defaults applied)', () => {
    expect(validSpecOrFail(specDocument()).health.expectStatus).toBe(200);
  });

  it('an invalid spec fails the workflow, non-retryable, with every problem and its field', () => {
    let thrown: unknown;
    try {
      validSpecOrFail(specDocument({ replicas: 0, port: 'x' }));
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(ApplicationFailure);
    const failure = thrown as ApplicationFailure;
    expect(failure).toMatchObject({ type: FailureType.invalidSpec, nonRetryable: true });
    expect(failure.message).toMatch(/^invalid spec:\n/);
    expect(failure.message).toContain('replicas');
    expect(failure.message).toContain('port');
    expect((failure.details?.[0] as Array<{ path: string }>).map((p) => p.path).sort()).toEqual(['port', 'replicas']);
  });

  it("the planning activity's refusal is passed on as it was raised; anything else as it is", () => {
    const refused = ApplicationFailure.create({ type: FailureType.portTaken, message: 'port 80 is taken', nonRetryable: true });
    const activityFailure = new ActivityFailure(
      'observeAndPlan',
      'observeAndPlan',
      undefined,
      RetryState.NON_RETRYABLE_FAILURE,
      'identity',
      refused,
    );
    expect(refusalOf(activityFailure)).toBe(refused);
    const other = new Error('timeout');
    expect(refusalOf(other)).toBe(other);
  });

  it("a message with its causes' where they add something", () => {
    expect(messageOf(new Error('step failed', { cause: new Error('docker: no such image') }))).toBe('step failed: docker: no such image');
    expect(messageOf(new Error('same', { cause: new Error('same') }))).toBe('same');
    expect(messageOf('plain')).toBe('plain');
  });
});

/**
 * Progress deadlines: each phase of the plan must make progress within the
 * spec's `progressDeadline`, or the deployment fails (and rolls back) saying
 * which step ran out of time.
 */
import { ActivityFailure, ApplicationFailure, CancellationScope, isCancellation, sleep, TimeoutFailure } from '@temporalio/workflow';
import { formatDuration } from '../../shared/duration';
import { FailureType } from '../../shared/errors';
import type { DeploymentSpec } from '../../planner/spec';
import { messageOf } from '../failures';
import type { StepPhase } from '../../domain';
import { evenIfLost } from './fleet-report';
import type { DeploymentRun } from './run';

/** The phase's progress deadline in ms; none while paused (a pause waits for people). */
export function deadlineFor(spec: DeploymentSpec, phase: StepPhase): number | undefined {
  if (phase === 'paused') return undefined;
  const deadline = spec.progressDeadline;
  return typeof deadline === 'number' ? deadline : ((deadline as Record<string, number | undefined>)[phase] ?? deadline.default);
}

/**
 * Bounds `fn` (one step's activity, with its retries) by the phase's progress deadline.
 * Current deployments give the activity a schedule-to-close timeout: the server ends the
 * retries and reports the last attempt's error with the timeout. Deployments recorded
 * before that change keep the workflow timer that cancelled the step.
 */
export async function withDeadline<T>(run: DeploymentRun, phase: StepPhase, summary: string, call: () => Promise<T>): Promise<T> {
  // A fleet host's call outlives a lost worker: it waits for it, without a deadline (evenIfLost).
  const fn = () => evenIfLost(run, call);
  const limit = deadlineFor(run.spec, phase);
  if (limit === undefined) return fn();
  if (run.patches.deadlineOnActivities) {
    try {
      return await fn();
    } catch (error) {
      throw deadlineFailure(error, limit, phase, summary);
    }
  }
  return cancelledByTimer(limit, phase, summary, fn);
}

/**
 * The server ends the retries in one of two ways: a timeout while an attempt runs, or the last
 * attempt's own failure when the next retry would start past the deadline. Either is the deadline's failure.
 */
export function deadlineFailure(error: unknown, limit: number, phase: StepPhase, summary: string): unknown {
  const timedOut =
    error instanceof ActivityFailure && error.cause instanceof TimeoutFailure && error.cause.timeoutType === 'SCHEDULE_TO_CLOSE';
  if (!timedOut && !(error instanceof ActivityFailure && error.retryState === 'TIMEOUT')) return error;
  const lastError = timedOut ? error.cause.cause : error.cause;
  const last = lastError ? `; the last attempt failed with: ${messageOf(lastError)}` : '';
  return ApplicationFailure.create({
    type: FailureType.deadlineExceeded,
    nonRetryable: true,
    message: `progress deadline of ${formatDuration(limit)} passed during "${summary}" (phase ${phase})${last}`,
  });
}

/** Deployments recorded before the deadline moved onto the activity: a workflow timer cancels the step. */
async function cancelledByTimer<T>(limit: number, phase: StepPhase, summary: string, fn: () => Promise<T>): Promise<T> {
  const scope = new CancellationScope();
  const timer = new CancellationScope();
  let expired = false;
  timer
    .run(() => sleep(limit, { summary: `deadline: ${phase} ${formatDuration(limit)}` }))
    .then(
      () => {
        expired = true;
        scope.cancel();
      },
      () => undefined,
    );
  try {
    return await scope.run(fn);
  } catch (error) {
    if (expired && isCancellation(error)) {
      throw ApplicationFailure.create({
        type: FailureType.deadlineExceeded,
        nonRetryable: true,
        message: `progress deadline of ${limit} ms passed during "${summary}" (phase ${phase})`,
      });
    }
    throw error;
  } finally {
    timer.cancel();
  }
}

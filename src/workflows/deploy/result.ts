/** How a deployment ends: its outcome and reason recorded, counted, and returned (or, when it did not release, thrown with the same result). */
import { ApplicationFailure } from '@temporalio/workflow';
import { notReleasedFailureType } from '../../shared/errors';
import type { DeployResult } from '../../shared/messages';
import type { Outcome } from '../../domain';
import { now } from './control';
import type { ForwardFailure, ForwardProgress } from './forward';
import type { DeploymentRun } from './run';
import type { RollbackReport } from './rollback';

export function finish(run: DeploymentRun, { failure }: ForwardProgress, rollback: RollbackReport): DeployResult {
  const { control, spec } = run;
  const outcome: Outcome = !failure ? 'released' : rollback.compensationFailures.length > 0 ? 'failed' : failure.outcome;
  const reason = failure ? reasonFor(failure, rollback) : undefined;
  control.finished = true;
  control.record({ type: 'finished', outcome, ...(reason ? { reason } : {}), at: now() });
  run.metrics.finished.add(1, { service: spec.service, strategy: spec.strategy.type, outcome });
  const { status } = control;
  const result: DeployResult = {
    outcome,
    ...(reason ? { reason } : {}),
    service: spec.service,
    targetRelease: status.targetRelease,
    ...(status.stableRelease ? { stableRelease: status.stableRelease } : {}),
    ...(status.serving ? { serving: status.serving } : {}),
    timeline: status.timeline,
    decisions: status.decisions,
    compensationFailures: rollback.compensationFailures,
    ...(failure?.leftToDo?.length ? { leftToDo: failure.leftToDo } : {}),
  };
  // A deployment that did not release ends as a failed workflow, so the Web UI's list tells it apart
  // from the released ones at a glance; the failure carries the same result for the CLI. Its message
  // is recorded in histories and keeps its form (the CLI prints the result through describeOutcome).
  if (outcome !== 'released' && run.patches.failWhenNotReleased) {
    throw ApplicationFailure.create({
      type: notReleasedFailureType(outcome),
      nonRetryable: true,
      message: `${spec.service} ${outcome}${reason ? `: ${reason}` : ''}`,
      details: [result],
    });
  }
  return result;
}

/** The forward failure's reason, with what the rollback left out and, if it failed, where. */
function reasonFor(failure: ForwardFailure, { compensationFailures, leftOut }: RollbackReport): string {
  let reason = failure.reason;
  if (leftOut.length > 0)
    reason += `; the rollback left out replicas that did not turn healthy: ${leftOut.map((g) => `${g.release} slots ${g.slots.join(',')}`).join('; ')}`;
  const [first] = compensationFailures;
  if (first) reason += `; rollback incomplete: ${first.summary}: ${first.message}`;
  return reason;
}

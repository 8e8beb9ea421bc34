/**
 * The rollback: the compensation plan for the steps that began, run in reverse
 * out of reach of cancellation. It stops at the first undo step that fails, and
 * says what it did not do.
 */
import { CancellationScope, log } from '@temporalio/workflow';
import type { CompensationFailure } from '../../shared/messages';
import { messageOf } from '../failures';
import { describeStep } from '../../planner/describe';
import { rollbackSteps } from '../../planner/rollback';
import type { Plan, PlannedStep, ReplicaGroup, Step } from '../../domain';
import { now } from './control';
import { checksTheFleet, reportToFleet } from './fleet-report';
import type { ForwardFailure } from './forward';
import type { DeploymentRun } from './run';
import { runStep } from './steps';

export interface RollbackReport {
  /** Undo steps that failed or were not run: what a person must finish by hand. */
  compensationFailures: CompensationFailure[];
  /** Old replicas the rollback restarted that did not turn healthy: its way back routed around them. */
  leftOut: ReplicaGroup[];
}

export function nothingRolledBack(): RollbackReport {
  return { compensationFailures: [], leftOut: [] };
}

export async function rollBack(run: DeploymentRun, plan: Plan, begun: PlannedStep[], failure: ForwardFailure): Promise<RollbackReport> {
  const { control, spec } = run;
  control.beginRollback(failure.reason);
  // The fleet counts a host rolling back as failed, even should its worker be lost on the way. Told while
  // the first undo step starts (the way back does not wait for the fleet to hear it), or before it.
  const reporting = checksTheFleet(run) ? reportToFleet(run, { rollingBack: true }) : Promise.resolve(true);
  if (!run.patches.rollbackReportAlongside) await reporting;
  run.metrics.rollbacks.add(1, { service: spec.service, cause: failure.outcome === 'aborted' ? 'abort' : 'failure' });
  const undo = rollbackSteps(begun);
  const report = nothingRolledBack();
  await CancellationScope.nonCancellable(async () => {
    for (const [index, step] of undo.entries()) {
      const { phase, summary: what } = describeStep(step);
      const summary = `undo: ${what}`;
      control.record({ type: 'stepStarted', number: index + 1, total: undo.length, summary, phase, rollback: true, at: now() });
      try {
        await runStep(run, plan, step, phase, summary, report.leftOut);
        control.record({ type: 'stepSucceeded', step, at: now() });
      } catch (error) {
        // Stop at the first failed undo: later steps could remove the only capacity left serving.
        report.compensationFailures.push(...undoFailed(summary, error, undo.slice(index + 1)));
        log.error(`rollback step failed: ${summary}: ${messageOf(error)}`);
        break;
      }
    }
  });
  await reporting;
  return report;
}

function undoFailed(summary: string, error: unknown, notRun: Step[]): CompensationFailure[] {
  return [
    { summary, message: messageOf(error) },
    ...notRun.map((rest) => ({ summary: `not run: ${describeStep(rest).summary}`, message: 'skipped after the failure above' })),
  ];
}

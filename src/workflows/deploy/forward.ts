/**
 * The forward plan: plan, then run the steps in order, each one recorded as begun
 * before it starts (so that a rollback undoes a partial step too). Pauses hold
 * between steps; an abort cancels the running step, except past the point of no
 * return, where every step runs to its end.
 */
import { ApplicationFailure, CancellationScope, condition, log } from '@temporalio/workflow';
import type { Actor } from '../../shared/messages';
import { messageOf, refusalOf } from '../failures';
import type { Plan, PlannedStep, Step } from '../../domain';
import { now, TOO_LATE_TO_ABORT, WORKFLOW_CANCELLATION } from './control';
import { waitForFleet } from './fleet-host';
import { checksTheFleet, reportToFleet, waitForTheFleet } from './fleet-report';
import { makePlan, recordPlan } from './planning';
import type { DeploymentRun } from './run';
import { runStep } from './steps';

/** Why the forward plan did not finish, and the outcome that follows if nothing else fails. */
export interface ForwardFailure {
  outcome: 'rolledBack' | 'aborted' | 'failed';
  reason: string;
  /** Past the point of no return nothing is undone: the steps left for a person (or the next deploy). */
  leftToDo?: string[];
}

export interface ForwardProgress {
  /** Absent when planning failed or was stopped. */
  plan?: Plan;
  /** The steps that began, in the order they began: what a rollback undoes. */
  begun: PlannedStep[];
  /** Absent when every step ran. */
  failure?: ForwardFailure;
}

/** Runs the plan forward; a refused plan (nothing touched, no abort) fails the workflow with the refusal. */
export async function runForward(run: DeploymentRun, requestedBy: string): Promise<ForwardProgress> {
  const { control, patches } = run;
  const progress: ForwardProgress = { begun: [] };
  try {
    await control.forward.run(async () => {
      const planned = await makePlan(run);
      progress.plan = planned.plan;
      recordPlan(run, planned, requestedBy);
      const { targetRelease, stableRelease } = planned.plan;
      if (run.host) await reportToFleet(run, { targetRelease, ...(stableRelease ? { stableRelease } : {}) });
      await runSteps(run, planned.plan, progress.begun);
      // A fleet host with nothing irreversible to do (a first deployment) is ready once its steps ran.
      if (run.host) await waitForFleet(run);
    });
  } catch (error) {
    progress.failure = failureOf(run, progress, error);
    log.warn(`deployment of ${run.spec.service} stopping: ${progress.failure.reason}`);
  }
  progress.failure ??= lateAbort(run);
  // A cancellation that arrived past the point of no return: the steps ran forward (or stopped, failed); nothing was undone.
  if (patches.forwardOnlyPastNoReturn && control.pastPointOfNoReturn && control.forward.consideredCancelled)
    control.decide('abort', WORKFLOW_CANCELLATION, 'ignored', TOO_LATE_TO_ABORT);
  return progress;
}

async function runSteps(run: DeploymentRun, plan: Plan, begun: PlannedStep[]): Promise<void> {
  const { control, patches } = run;
  for (const [index, planned] of plan.steps.entries()) {
    const { step, phase, summary } = planned;
    // Held by `sluice pause` between steps; an abort (or, past the point of no return, a cancellation) ends the hold.
    if (control.paused) await (checksTheFleet(run) ? waitForTheFleet(run, () => !control.paused) : condition(() => !control.paused));
    if (control.promoteFull && skippedByFullPromotion(step)) continue;
    const irreversible = step.kind === 'removeReplicas' || (step.kind === 'migrate' && step.direction === 'contract');
    const runThisStep = async () => {
      begun.push(planned);
      control.record({ type: 'stepStarted', number: index + 1, total: plan.steps.length, summary, phase, rollback: false, at: now() });
      await runStep(run, plan, step, phase, summary);
      control.record({ type: 'stepSucceeded', step, at: now() });
    };
    if (!patches.forwardOnlyPastNoReturn) {
      if (irreversible) control.pastPointOfNoReturn = true;
      await runThisStep();
      continue;
    }
    // A fleet host waits for the fleet before anything irreversible: until then the fleet can roll it back.
    if (irreversible && run.host) await waitForFleet(run);
    // An abort accepted in the activation that finished the previous step (or the fleet gate) must win before the point of no return.
    if (!control.pastPointOfNoReturn && control.stoppedBy()) throw ApplicationFailure.create({ message: 'the forward plan was stopped' });
    if (irreversible) control.pastPointOfNoReturn = true;
    // From the point of no return on, a step always runs to its end: a cancelled contract migration could be half-applied.
    await (control.pastPointOfNoReturn ? CancellationScope.nonCancellable(runThisStep) : runThisStep());
  }
}

/** A full promotion skips the remaining analyses and pauses, never the contract gate. */
function skippedByFullPromotion(step: Step): boolean {
  return step.kind === 'analysis' || (step.kind === 'pause' && step.gate !== 'contract');
}

function failureOf(run: DeploymentRun, { plan, begun }: ForwardProgress, error: unknown): ForwardFailure {
  const { control, patches } = run;
  const stopper = control.stoppedBy();
  if (patches.forwardOnlyPastNoReturn && control.pastPointOfNoReturn && plan) return failedPastNoReturn(plan, begun, error);
  if (stopper) return abortedBy(stopper);
  if (!plan) throw refusalOf(error);
  return { outcome: 'rolledBack', reason: messageOf(error) };
}

function failedPastNoReturn(plan: Plan, begun: PlannedStep[], error: unknown): ForwardFailure {
  // The plan's index of the step that failed (steps skipped by a full promotion are not in `begun`).
  const failedAt = plan.steps.indexOf(begun[begun.length - 1]!);
  const leftToDo = plan.steps.slice(failedAt).map((s) => s.summary);
  const finishBy = plan.stableRelease ? 'deploy the same spec again to finish them' : 'the next deployment of the service runs them';
  return {
    outcome: 'failed',
    reason: `${plan.steps[failedAt]!.summary} failed past the point of no return, so nothing was undone and ${plan.targetRelease} keeps serving: ${messageOf(error)}; left to do: ${leftToDo.join('; ')} (${finishBy})`,
    leftToDo,
  };
}

/**
 * An abort (or a cancellation) accepted in the same activation as the last step's completion cancels nothing;
 * before the point of no return, honour it anyway.
 */
function lateAbort({ control, patches }: DeploymentRun): ForwardFailure | undefined {
  const lateStopper = patches.forwardOnlyPastNoReturn ? control.stoppedBy() : control.abortedBy;
  return lateStopper && !(patches.forwardOnlyPastNoReturn && control.pastPointOfNoReturn) ? abortedBy(lateStopper) : undefined;
}

function abortedBy(actor: Actor): ForwardFailure {
  return { outcome: 'aborted', reason: `aborted by ${actor.by}${actor.reason ? `: ${actor.reason}` : ''}` };
}

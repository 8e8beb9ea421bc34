/**
 * The deployment workflow: validate, observe, plan, then run the plan step by
 * step through activities. Every step registers its undo before it starts; a
 * failure, an abort or a missed progress deadline runs the undo steps in
 * reverse, out of reach of cancellation, and the workflow ends in a known
 * state: the new release serving, or the old one serving with the changes
 * undone (or, if an undo step fails, exactly what is left to do by hand).
 */
import {
  ActivityFailure,
  ApplicationFailure,
  CancellationScope,
  condition,
  isCancellation,
  log,
  metricMeter,
  patched,
  proxyActivities,
  setCurrentDetails,
  setHandler,
  sleep,
  upsertMemo,
  TimeoutFailure,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { ActivityOptions } from '@temporalio/workflow';
import type { SluiceActivities } from '../activities';
import type { PlannedDeployment } from '../activities/plan';
import type { Decision, DecisionKind, GateKind, Outcome, Plan, ReplicaGroup, Step, StepPhase } from '../domain';
import { FailureType, notReleasedFailureType } from '../shared/errors';
import { abortSignal, pauseSignal, promoteUpdate, resumeSignal, statusQuery } from '../shared/messages';
import type { Actor, CompensationFailure, DeployInput, DeployResult, PromoteRequest, PromoteResponse } from '../shared/messages';
import { formatDuration } from '../shared/duration';
import { describeProblems, validateSpec } from '../shared/spec';
import type { DeploymentSpec } from '../shared/spec';
import { judgeRun, judgeSample, type SampleVerdict } from './planner/analysis';
import { describeGate, describeStep, gateName } from './planner/describe';
import { PlanError } from './planner/errors';
import { planDeployment } from './planner/plan';
import { containerTemplate } from './planner/release';
import { rollbackSteps, withoutReplicas } from './planner/rollback';
import { describeStatus, initialStatus, reduceStatus, type StatusEvent } from './planner/status';
import { searchAttributeUpdates } from './search-attributes';

const activities = proxyActivities<SluiceActivities>({
  startToCloseTimeout: '10 minutes',
  retry: { initialInterval: '500ms', backoffCoefficient: 2, maximumInterval: '20s' },
});

/**
 * How a dead worker is noticed: activities that can run long heartbeat, and a
 * missed heartbeat hands the work to another attempt; short ones get a short
 * start-to-close for the same reason (never the whole progress deadline).
 */
const HEARTBEAT_TIMEOUT = '15s';
const SHORT_ACTIVITY_TIMEOUT_MS = 60_000;
const LONG_RUNNING: ReadonlySet<Step['kind']> = new Set(['startReplicas', 'waitHealthy', 'route', 'stopReplicas', 'removeReplicas', 'migrate']);

const TOO_LATE_TO_ABORT = 'too late: contract migrations or the removal of the old release have begun, so the deployment only goes forward; deploy the previous release instead';

/** The actor recorded when the workflow itself is cancelled rather than aborted with `sluice abort`. */
const WORKFLOW_CANCELLATION: Actor = { by: 'temporal', reason: 'the workflow was cancelled (Web UI, CLI or API)' };

interface Gate {
  kind: GateKind;
  promotable: boolean;
  answered: boolean;
}

function isActor(value: unknown): value is Actor {
  return typeof value === 'object' && value !== null && typeof (value as Actor).by === 'string' && (value as Actor).by.length > 0 && ((value as Actor).reason === undefined || typeof (value as Actor).reason === 'string');
}

function messageOf(error: unknown): string {
  if (error instanceof Error) {
    const cause = (error as { cause?: unknown }).cause;
    return cause instanceof Error && cause.message && cause.message !== error.message ? `${error.message}: ${messageOf(cause)}` : error.message;
  }
  return String(error);
}

/** sluice's own metrics, beside the SDK's, on the worker's Prometheus endpoint (replay-safe: not emitted during replay). */
function deploymentMetrics() {
  return {
    finished: metricMeter.createCounter('sluice_deployments', 'deployments', 'Deployments finished, by service, strategy and outcome'),
    rollbacks: metricMeter.createCounter('sluice_rollbacks', 'rollbacks', 'Rollbacks started, by service and cause (failure or abort)'),
    gateWait: metricMeter.createHistogram('sluice_gate_wait', 'int', 'ms', 'Time deployments waited at gates, by gate'),
  };
}

export async function deploy(input: DeployInput): Promise<DeployResult> {
  const metrics = deploymentMetrics();
  const now = () => new Date().toISOString();
  const service = typeof (input?.spec as { service?: unknown })?.service === 'string' ? String((input.spec as { service: string }).service) : 'unknown';
  let status = initialStatus(service, now());
  const record = (event: StatusEvent) => {
    const before = status.phase;
    status = reduceStatus(status, event);
    setCurrentDetails(describeStatus(status));
    if (status.phase !== before) upsertSearchAttributes(searchAttributeUpdates({ phase: status.phase }));
  };

  // Control state, changed only by message handlers and the main loop.
  let gate: Gate | undefined;
  let paused = false;
  let promoteFull = false;
  let abortedBy: Actor | undefined;
  let rollingBack = false;
  let finished = false;
  /** Set when contract migrations or the removal of the old release begin: from then on there is nothing to roll back to. */
  let pastPointOfNoReturn = false;
  const forward = new CancellationScope();

  const decide = (kind: DecisionKind, actor: Actor, result: Decision['result'], note?: string) => {
    record({ type: 'decision', decision: { kind, by: actor.by, ...(actor.reason ? { reason: actor.reason } : {}), at: now(), result, ...(note ? { note } : {}) } });
    log.info(`${kind} by ${actor.by}: ${result}${note ? ` (${note})` : ''}`);
  };

  // Handlers first: a message that arrives with the first task must find them.
  setHandler(statusQuery, () => status);
  setHandler(
    promoteUpdate,
    (request: PromoteRequest): PromoteResponse => {
      const full = request.full === true;
      // Recorded, not rejected: when promote and abort race, the history shows both.
      if (rollingBack) {
        decide('promote', request, 'ignored', 'the deployment is rolling back');
        return { full, ignored: true, message: 'ignored: the deployment is rolling back' };
      }
      decide('promote', request, 'accepted', full ? 'full promotion: remaining pauses and analyses are skipped' : undefined);
      if (full) promoteFull = true;
      // A full promotion skips pauses and analyses, never the contract gate: that one needs its own promote.
      const answered = gate && (full ? gate.kind !== 'contract' : gate.promotable) ? gate : undefined;
      if (answered) answered.answered = true;
      const message = answered
        ? `promoted past the ${gateName(answered.kind)}`
        : gate?.kind === 'contract'
          ? 'full promotion: the remaining pauses and analyses will be skipped; the contract gate waits for its own `sluice promote`'
          : 'full promotion: the remaining pauses and analyses will be skipped';
      return { ...(answered ? { gate: answered.kind } : {}), full, message };
    },
    {
      validator: (request: PromoteRequest) => {
        if (!isActor(request)) throw ApplicationFailure.create({ type: 'InvalidMessage', message: 'promote needs { by: string, reason?: string, full?: boolean }' });
        if (finished) throw ApplicationFailure.create({ type: 'NothingToPromote', message: `the deployment has finished (${status.phase})` });
        if (rollingBack || request.full === true) return; // during a rollback the handler records it as ignored
        if (!gate) throw ApplicationFailure.create({ type: 'NothingToPromote', message: `no gate is waiting (phase ${status.phase}${status.step ? `, step ${status.step.number}/${status.step.total}: ${status.step.summary}` : ''}); promote answers pauses, inconclusive analyses and the contract gate` });
        if (!gate.promotable) throw ApplicationFailure.create({ type: 'NothingToPromote', message: `the ${gate.kind} is a timer, not a gate; use promote --full to skip the remaining pauses` });
      },
    },
  );
  setHandler(abortSignal, (actor: Actor) => {
    if (!isActor(actor)) return log.warn('ignored an abort signal without { by: string }', { payload: actor });
    if (finished) return decide('abort', actor, 'ignored', 'the deployment has finished');
    if (rollingBack) return decide('abort', actor, 'ignored', 'already rolling back');
    if (pastPointOfNoReturn) return decide('abort', actor, 'ignored', TOO_LATE_TO_ABORT);
    abortedBy = actor;
    decide('abort', actor, 'accepted');
    forward.cancel();
  });
  setHandler(pauseSignal, (actor: Actor) => {
    if (!isActor(actor)) return log.warn('ignored a pause signal without { by: string }', { payload: actor });
    if (finished || rollingBack || paused) return decide('pause', actor, 'ignored', finished ? 'the deployment has finished' : rollingBack ? 'a rollback is never paused' : 'already paused');
    paused = true;
    decide('pause', actor, 'accepted', 'the plan holds after the current step');
    record({ type: 'paused', paused: true, at: now() });
  });
  setHandler(resumeSignal, (actor: Actor) => {
    if (!isActor(actor)) return log.warn('ignored a resume signal without { by: string }', { payload: actor });
    if (!paused) return decide('resume', actor, 'ignored', 'not paused');
    paused = false;
    decide('resume', actor, 'accepted');
    record({ type: 'paused', paused: false, at: now() });
  });

  const parsed = validateSpec(input?.spec);
  if (!parsed.ok) {
    finished = true;
    throw ApplicationFailure.create({ type: FailureType.invalidSpec, nonRetryable: true, message: `invalid spec:\n${describeProblems(parsed.problems)}`, details: [parsed.problems] });
  }
  const spec = parsed.spec;
  upsertSearchAttributes(searchAttributeUpdates({ service: spec.service, strategy: spec.strategy.type, phase: status.phase }));
  const deployment = `${workflowInfo().workflowId}/${workflowInfo().runId}`;
  // Changes to the commands a deployment issues, guarded so that deployments begun before them replay.
  const deadlineOnActivities = patched('progress-deadline-on-activities');
  const forwardOnlyPastNoReturn = patched('forward-only-past-point-of-no-return');
  const planRecorded = patched('plan-recorded-in-history');
  const failWhenNotReleased = patched('failed-when-not-released');

  // ------------------------------------------------------------ steps -> activities

  const deadlineFor = (phase: StepPhase): number | undefined => {
    if (phase === 'paused') return undefined;
    const deadline = spec.progressDeadline;
    return typeof deadline === 'number' ? deadline : ((deadline as Record<string, number | undefined>)[phase] ?? deadline.default);
  };

  /**
   * Bounds `fn` (one step's activity, with its retries) by the phase's progress deadline.
   * Current deployments give the activity a schedule-to-close timeout: the server ends the
   * retries and reports the last attempt's error with the timeout. Deployments recorded
   * before that change keep the workflow timer that cancelled the step.
   */
  async function withDeadline<T>(phase: StepPhase, summary: string, fn: () => Promise<T>): Promise<T> {
    const limit = deadlineFor(phase);
    if (limit === undefined) return fn();
    if (deadlineOnActivities) {
      try {
        return await fn();
      } catch (error) {
        // The server ends the retries in one of two ways: a timeout while an attempt runs, or the last
        // attempt's own failure when the next retry would start past the deadline.
        const timedOut = error instanceof ActivityFailure && error.cause instanceof TimeoutFailure && error.cause.timeoutType === 'SCHEDULE_TO_CLOSE';
        if (timedOut || (error instanceof ActivityFailure && error.retryState === 'TIMEOUT')) {
          const lastError = timedOut ? error.cause.cause : error.cause;
          const last = lastError ? `; the last attempt failed with: ${messageOf(lastError)}` : '';
          throw ApplicationFailure.create({ type: FailureType.deadlineExceeded, nonRetryable: true, message: `progress deadline of ${formatDuration(limit)} passed during "${summary}" (phase ${phase})${last}` });
        }
        throw error;
      }
    }
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
        throw ApplicationFailure.create({ type: FailureType.deadlineExceeded, nonRetryable: true, message: `progress deadline of ${limit} ms passed during "${summary}" (phase ${phase})` });
      }
      throw error;
    } finally {
      timer.cancel();
    }
  }

  function options(step: Step, phase: StepPhase, summary: string): ActivityOptions {
    const limit = deadlineFor(phase) ?? 600_000;
    const long = LONG_RUNNING.has(step.kind);
    return {
      summary,
      ...(deadlineOnActivities && deadlineFor(phase) !== undefined ? { scheduleToCloseTimeout: limit } : {}),
      startToCloseTimeout: long ? limit : Math.min(limit, SHORT_ACTIVITY_TIMEOUT_MS),
      ...(long ? { heartbeatTimeout: HEARTBEAT_TIMEOUT } : {}),
      retry: { initialInterval: '500ms', backoffCoefficient: 2, maximumInterval: '20s' },
    };
  }

  async function waitGate(kind: GateKind, durationMs: number | undefined, promotable: boolean): Promise<void> {
    if (promoteFull && kind !== 'contract') return;
    gate = { kind, promotable, answered: false };
    const current = gate;
    const openedAt = Date.now();
    record({ type: 'gateOpened', gate: kind, ...(durationMs !== undefined ? { durationMs } : {}), promotable, at: now() });
    try {
      // A full promotion also releases a gate that is waiting right now (except the contract gate).
      const released = () => current.answered || (promoteFull && kind !== 'contract');
      if (durationMs === undefined) await condition(released);
      else await condition(released, durationMs, { summary: describeGate(kind, durationMs) });
    } finally {
      gate = undefined;
      metrics.gateWait.record(Date.now() - openedAt, { service: spec.service, gate: kind });
      record({ type: 'gateClosed', at: now() });
    }
  }

  async function runAnalysis(step: Extract<Step, { kind: 'analysis' }>, phase: StepPhase, summary: string): Promise<void> {
    const verdicts: SampleVerdict[] = [];
    let since = Date.now();
    for (;;) {
      if (promoteFull) return;
      await sleep(step.analysis.interval, { summary: `analysis of ${step.release}: sample ${verdicts.length + 1}/${step.analysis.count} after ${formatDuration(step.analysis.interval)}` });
      const sample = await withDeadline(phase, summary, () =>
        activities.measureRelease.executeWithOptions(options(step, phase, `measure ${step.release}`), [{ service: spec.service, release: step.release, sinceMs: since }]),
      );
      since = Date.now();
      verdicts.push(judgeSample(step.analysis, sample));
      log.info(`analysis sample ${verdicts.length}/${step.analysis.count}: ${verdicts[verdicts.length - 1]!.verdict}`, { sample });
      const verdict = judgeRun(step.analysis, verdicts);
      if (verdict === 'failed') {
        const reasons = verdicts.filter((v) => v.verdict === 'fail').map((v) => v.reason);
        throw ApplicationFailure.create({ type: FailureType.analysisFailed, nonRetryable: true, message: `analysis of ${step.release} failed: ${reasons.join('; ')}` });
      }
      if (verdict === 'passed') return;
      if (verdict === 'inconclusive') return waitGate('inconclusiveAnalysis', undefined, true);
    }
  }

  async function runStep(plan: Plan, step: Step, phase: StepPhase, summary: string, rollback = false): Promise<void> {
    const opts = options(step, phase, summary);
    const within = <T>(fn: () => Promise<T>) => withDeadline(phase, summary, fn);
    const { service } = spec;
    switch (step.kind) {
      case 'prepareRouter':
        await within(() => activities.prepareRouter.executeWithOptions(opts, [{ service, settings: routerSettings(spec) }]));
        return;
      case 'migrate':
        await within(() => activities.migrate.executeWithOptions(opts, [{ service, deployment, direction: step.direction, settings: spec.migrations! }]));
        return;
      case 'startReplicas': {
        const template = step.release === plan.targetRelease ? { template: plan.template ?? containerTemplate(spec), health: spec.health } : {};
        await within(() => activities.startReplicas.executeWithOptions(opts, [{ service, release: step.release, slots: step.slots, deployment, ...template }]));
        return;
      }
      case 'waitHealthy': {
        // A rollback restarting the old release goes on without a replica that stays unhealthy (one crash-looping
        // container), as long as one is healthy: better the old release with less capacity than traffic left split.
        const report = await within(() => activities.waitHealthy.executeWithOptions(opts, [{ service, release: step.release, slots: step.slots, health: spec.health, ...(rollback ? { tolerate: true } : {}) }]));
        if (rollback && report.unhealthy?.length) leftOutOfRollback.push({ release: step.release, slots: report.unhealthy });
        return;
      }
      case 'route': {
        // A rollback's way back routes to the replicas that run, instead of halting on one Docker is restarting.
        const routing = rollback ? withoutReplicas(step.routing, leftOutOfRollback) : step.routing;
        await within(() => activities.route.executeWithOptions(opts, [{ service, routing, drainTimeoutMs: spec.traffic.drainTimeout, ...(rollback ? { onlyRunning: true } : {}) }]));
        return;
      }
      case 'stopReplicas':
        await within(() => activities.stopReplicas.executeWithOptions(opts, [{ service, release: step.release, slots: step.slots, gracePeriodMs: spec.stopGracePeriod }]));
        return;
      case 'removeReplicas':
        await within(() => activities.removeReplicas.executeWithOptions(opts, [{ service, release: step.release, slots: step.slots, gracePeriodMs: spec.stopGracePeriod }]));
        return;
      case 'pause':
        return waitGate(step.gate, step.durationMs, step.promotable);
      case 'analysis':
        return runAnalysis(step, phase, summary);
    }
  }

  /** Old replicas a rollback restarted that did not turn healthy: its way back routes around them. */
  const leftOutOfRollback: ReplicaGroup[] = [];

  // ------------------------------------------------------------ plan

  /** The plan as an activity made it (resolving the image and the secrets' digest): recorded in history, so replay never re-plans. */
  async function planInActivity(): Promise<PlannedDeployment> {
    const summary = `plan ${spec.service}: observe what runs, resolve ${spec.image}`;
    const limit = deadlineFor('preparing')!;
    return withDeadline('preparing', summary, () =>
      activities.observeAndPlan.executeWithOptions(
        { summary, scheduleToCloseTimeout: limit, startToCloseTimeout: limit, heartbeatTimeout: HEARTBEAT_TIMEOUT, retry: { initialInterval: '500ms', backoffCoefficient: 2, maximumInterval: '20s' } },
        [{ spec }],
      ),
    );
  }

  /** Deployments begun before plans were recorded plan here, from the observation; kept so that their histories replay. */
  async function planHere(): Promise<PlannedDeployment> {
    const observed = await activities.observeService.executeWithOptions({ summary: `observe ${spec.service}`, startToCloseTimeout: '1 minute' }, [{ service: spec.service }]);
    return { plan: planOrFail(spec, observed), observed };
  }

  // ------------------------------------------------------------ forward

  let plan: Plan | undefined;
  const begun: Plan['steps'] = [];
  let failed: { outcome: Outcome; reason: string } | undefined;
  /** Past the point of no return nothing is undone: what a failure there leaves for a person (or the next deploy). */
  let leftToDo: string[] = [];
  /** Who stopped the forward plan: an accepted abort, or a cancellation of the workflow itself (Web UI, API). */
  const stoppedBy = (): Actor | undefined => abortedBy ?? (forward.consideredCancelled ? WORKFLOW_CANCELLATION : undefined);
  const stoppedReason = (actor: Actor) => `aborted by ${actor.by}${actor.reason ? `: ${actor.reason}` : ''}`;
  try {
    await forward.run(async () => {
      const { plan: planned, observed } = planRecorded ? await planInActivity() : await planHere();
      plan = planned;
      const observedReplicas = Object.fromEntries(observed.releases.map((r) => [r.release, r.slots]));
      record({ type: 'planned', plan: planned, image: spec.image, observedReplicas, routing: planned.initialRouting, at: now() });
      upsertSearchAttributes(searchAttributeUpdates({ release: planned.targetRelease }));
      upsertMemo({ image: spec.image, imageId: planned.template?.imageId ?? null, pinnedImage: planned.template?.pinnedImage ?? null, replicas: spec.replicas, strategy: spec.strategy.type, targetRelease: planned.targetRelease, stableRelease: planned.stableRelease ?? null, requestedBy: input.requestedBy });
      for (const [index, { step, phase, summary }] of planned.steps.entries()) {
        // Held by `sluice pause` between steps; an abort (or, past the point of no return, a cancellation) ends the hold.
        if (paused) await condition(() => !paused);
        if (promoteFull && (step.kind === 'analysis' || (step.kind === 'pause' && step.gate !== 'contract'))) continue;
        const irreversible = step.kind === 'removeReplicas' || (step.kind === 'migrate' && step.direction === 'contract');
        const run = async () => {
          begun.push(planned.steps[index]!);
          record({ type: 'stepStarted', number: index + 1, total: planned.steps.length, summary, phase, rollback: false, at: now() });
          await runStep(planned, step, phase, summary);
          record({ type: 'stepSucceeded', step, at: now() });
        };
        if (!forwardOnlyPastNoReturn) {
          if (irreversible) pastPointOfNoReturn = true;
          await run();
          continue;
        }
        // An abort accepted in the activation that finished the previous step must win before the point of no return.
        if (!pastPointOfNoReturn && stoppedBy()) throw ApplicationFailure.create({ message: 'the forward plan was stopped' });
        if (irreversible) pastPointOfNoReturn = true;
        // From the point of no return on, a step always runs to its end: a cancelled contract migration could be half-applied.
        await (pastPointOfNoReturn ? CancellationScope.nonCancellable(run) : run());
      }
    });
  } catch (error) {
    const stopper = stoppedBy();
    if (forwardOnlyPastNoReturn && pastPointOfNoReturn && plan) {
      // The plan's index of the step that failed (steps skipped by a full promotion are not in `begun`).
      const failedAt = plan.steps.indexOf(begun[begun.length - 1]!);
      leftToDo = plan.steps.slice(failedAt).map((s) => s.summary);
      failed = {
        outcome: 'failed',
        reason: `${plan.steps[failedAt]!.summary} failed past the point of no return, so nothing was undone and ${plan.targetRelease} keeps serving: ${messageOf(error)}; left to do: ${leftToDo.join('; ')} (${plan.stableRelease ? 'deploy the same spec again to finish them' : 'the next deployment of the service runs them'})`,
      };
    } else if (stopper) failed = { outcome: 'aborted', reason: stoppedReason(stopper) };
    else if (!plan) throw planningFailure(error);
    else failed = { outcome: 'rolledBack', reason: messageOf(error) };
    log.warn(`deployment of ${spec.service} stopping: ${failed.reason}`);
  }
  // An abort (or a cancellation) accepted in the same activation as the last step's completion cancels nothing;
  // before the point of no return, honour it anyway.
  const lateStopper = forwardOnlyPastNoReturn ? stoppedBy() : abortedBy;
  if (!failed && lateStopper && !(forwardOnlyPastNoReturn && pastPointOfNoReturn)) failed = { outcome: 'aborted', reason: stoppedReason(lateStopper) };
  // A cancellation that arrived past the point of no return: the steps ran forward (or stopped, failed); nothing was undone.
  if (forwardOnlyPastNoReturn && pastPointOfNoReturn && forward.consideredCancelled) decide('abort', WORKFLOW_CANCELLATION, 'ignored', TOO_LATE_TO_ABORT);

  // ------------------------------------------------------------ rollback

  const compensationFailures: CompensationFailure[] = [];
  if (failed && plan && failed.outcome !== 'failed') {
    rollingBack = true;
    gate = undefined;
    paused = false;
    record({ type: 'rollbackStarted', reason: failed.reason, at: now() });
    metrics.rollbacks.add(1, { service: spec.service, cause: failed.outcome === 'aborted' ? 'abort' : 'failure' });
    const undo = rollbackSteps(begun);
    const rollbackPlan = plan;
    await CancellationScope.nonCancellable(async () => {
      for (const [index, step] of undo.entries()) {
        const { phase, summary: what } = describeStep(step);
        const summary = `undo: ${what}`;
        record({ type: 'stepStarted', number: index + 1, total: undo.length, summary, phase, rollback: true, at: now() });
        try {
          await runStep(rollbackPlan, step, phase, summary, true);
          record({ type: 'stepSucceeded', step, at: now() });
        } catch (error) {
          // Stop at the first failed undo: later steps could remove the only capacity left serving.
          compensationFailures.push({ summary, message: messageOf(error) });
          for (const rest of undo.slice(index + 1)) compensationFailures.push({ summary: `not run: ${describeStep(rest).summary}`, message: 'skipped after the failure above' });
          log.error(`rollback step failed: ${summary}: ${messageOf(error)}`);
          break;
        }
      }
    });
  }

  if (failed && leftOutOfRollback.length > 0) {
    failed.reason += `; the rollback left out replicas that did not turn healthy: ${leftOutOfRollback.map((g) => `${g.release} slots ${g.slots.join(',')}`).join('; ')}`;
  }
  const outcome: Outcome = !failed ? 'released' : compensationFailures.length > 0 ? 'failed' : failed.outcome;
  const reason = failed && compensationFailures.length > 0 ? `${failed.reason}; rollback incomplete: ${compensationFailures[0]!.summary}: ${compensationFailures[0]!.message}` : failed?.reason;
  finished = true;
  record({ type: 'finished', outcome, ...(reason ? { reason } : {}), at: now() });
  metrics.finished.add(1, { service: spec.service, strategy: spec.strategy.type, outcome });
  const result: DeployResult = {
    outcome,
    ...(reason ? { reason } : {}),
    service: spec.service,
    targetRelease: status.targetRelease,
    ...(status.stableRelease ? { stableRelease: status.stableRelease } : {}),
    ...(status.serving ? { serving: status.serving } : {}),
    timeline: status.timeline,
    decisions: status.decisions,
    compensationFailures,
    ...(leftToDo.length > 0 ? { leftToDo } : {}),
  };
  // A deployment that did not release ends as a failed workflow, so the Web UI's list tells it apart
  // from the released ones at a glance; the failure carries the same result for the CLI.
  if (outcome !== 'released' && failWhenNotReleased) {
    throw ApplicationFailure.create({ type: notReleasedFailureType(outcome), nonRetryable: true, message: `${spec.service} ${outcome}${reason ? `: ${reason}` : ''}`, details: [result] });
  }
  return result;
}

function planOrFail(spec: DeploymentSpec, observed: Parameters<typeof planDeployment>[1]): Plan {
  try {
    return planDeployment(spec, observed);
  } catch (error) {
    if (error instanceof PlanError) throw ApplicationFailure.create({ type: FailureType.planRejected, nonRetryable: true, message: error.message, details: [{ field: error.field }] });
    throw error;
  }
}

/** A plan that could not be made touched nothing: the workflow fails with the activity's own failure (type and message), for the CLI's exit 2. */
function planningFailure(error: unknown): unknown {
  return error instanceof ActivityFailure && error.cause instanceof ApplicationFailure ? error.cause : error;
}

function routerSettings(spec: DeploymentSpec) {
  const preview = spec.strategy.type === 'blueGreen' ? spec.strategy.preview : undefined;
  const extra = spec.traffic.extraListenPorts;
  return { listenPort: spec.traffic.listenPort, ...(extra.length > 0 ? { extraListenPorts: extra } : {}), ...(preview ? { preview } : {}) };
}

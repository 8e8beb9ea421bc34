/**
 * The step runner: a step of the plan becomes an activity call with its options,
 * bounded by its phase's progress deadline; a pause or an analysis waits in the
 * workflow instead.
 */
import type { ActivityOptions } from '@temporalio/workflow';
import type { DeploymentSpec } from '../../planner/spec';
import { containerTemplate } from '../../planner/release';
import { withoutReplicas } from '../../planner/rollback';
import { previewOf } from '../../planner/strategies';
import type { Plan, ReplicaGroup, Step, StepPhase } from '../../domain';
import { activities, stepActivityOptions } from './activity-calls';
import { withDeadline } from './deadlines';
import { runAnalysis, waitAtGate } from './gates';
import type { DeploymentRun } from './run';

/**
 * Runs one step. `leftOutOfRollback` is given for the steps of a rollback: its way back goes on without old replicas
 * that stay unhealthy (one crash-looping container), as long as one is healthy, and routes around them (they are
 * added to the list): better the old release with less capacity than traffic left split.
 */
export async function runStep(
  run: DeploymentRun,
  plan: Plan,
  step: Step,
  phase: StepPhase,
  summary: string,
  leftOutOfRollback?: ReplicaGroup[],
): Promise<void> {
  // Options per call: a fleet host found lost calls again with others (activity-calls.ts onHost).
  const within = <T>(call: (options: ActivityOptions) => Promise<T>) =>
    withDeadline(run, phase, summary, () => call(stepActivityOptions(run, step, phase, summary)));
  const { spec, deploymentId: deployment } = run;
  const { service } = spec;
  const rollback = leftOutOfRollback !== undefined;
  switch (step.kind) {
    case 'prepareRouter':
      await within((options) => activities.prepareRouter.executeWithOptions(options, [{ service, settings: routerSettings(spec) }]));
      return;
    case 'migrate':
      await within((options) =>
        activities.migrate.executeWithOptions(options, [{ service, deployment, direction: step.direction, settings: spec.migrations! }]),
      );
      return;
    case 'startReplicas': {
      const template =
        step.release === plan.targetRelease ? { template: plan.template ?? containerTemplate(spec), health: spec.health } : {};
      await within((options) =>
        activities.startReplicas.executeWithOptions(options, [
          { service, release: step.release, slots: step.slots, deployment, ...template },
        ]),
      );
      return;
    }
    case 'waitHealthy': {
      const report = await within((options) =>
        activities.waitHealthy.executeWithOptions(options, [
          { service, release: step.release, slots: step.slots, health: spec.health, ...(rollback ? { tolerate: true } : {}) },
        ]),
      );
      if (rollback && report.unhealthy?.length) leftOutOfRollback.push({ release: step.release, slots: report.unhealthy });
      return;
    }
    case 'route': {
      // A rollback's way back routes to the replicas that run, instead of halting on one Docker is restarting.
      const routing = rollback ? withoutReplicas(step.routing, leftOutOfRollback) : step.routing;
      await within((options) =>
        activities.route.executeWithOptions(options, [
          { service, routing, drainTimeoutMs: spec.traffic.drainTimeout, ...(rollback ? { onlyRunning: true } : {}) },
        ]),
      );
      return;
    }
    case 'stopReplicas':
      await within((options) =>
        activities.stopReplicas.executeWithOptions(options, [
          { service, release: step.release, slots: step.slots, gracePeriodMs: spec.stopGracePeriod },
        ]),
      );
      return;
    case 'removeReplicas':
      await within((options) =>
        activities.removeReplicas.executeWithOptions(options, [
          { service, release: step.release, slots: step.slots, gracePeriodMs: spec.stopGracePeriod },
        ]),
      );
      return;
    case 'pause':
      return waitAtGate(run, step.gate, step.durationMs, step.promotable);
    case 'analysis':
      return runAnalysis(run, step, phase, summary);
  }
}

function routerSettings(spec: DeploymentSpec) {
  const preview = previewOf(spec);
  const extra = spec.traffic.extraListenPorts;
  return { listenPort: spec.traffic.listenPort, ...(extra.length > 0 ? { extraListenPorts: extra } : {}), ...(preview ? { preview } : {}) };
}

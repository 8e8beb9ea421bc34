/** The plan of a deployment: made by an activity (its result is recorded in history, so replay never re-plans), then recorded in the status, search attributes and memo. */
import { ApplicationFailure, upsertMemo, upsertSearchAttributes } from '@temporalio/workflow';
import type { PlannedDeployment } from '../../activities/plan';
import { FailureType } from '../../shared/errors';
import type { DeploymentSpec } from '../../planner/spec';
import { planDeployment } from '../../planner/plan';
import type { Plan } from '../../domain';
import { PlanError } from '../../planner/errors';
import { searchAttributeUpdates } from '../../shared/search-attributes';
import { activities, deadlineOnActivity, HEARTBEAT_TIMEOUT, onHost } from './activity-calls';
import { now } from './control';
import { deadlineFor, withDeadline } from './deadlines';
import type { DeploymentRun } from './run';

/** Plans the deployment: in an activity, or here for deployments begun before plans were recorded. */
export async function makePlan(run: DeploymentRun): Promise<PlannedDeployment> {
  return run.patches.planRecorded ? planInActivity(run) : planHere(run.spec);
}

/** Records the plan: in the status, the release's search attribute and the memo (image, replicas, who asked). */
export function recordPlan(run: DeploymentRun, { plan, observed }: PlannedDeployment, requestedBy: string): void {
  const { spec, control } = run;
  const observedReplicas = Object.fromEntries(observed.releases.map((r) => [r.release, r.slots]));
  control.record({ type: 'planned', plan, image: spec.image, observedReplicas, routing: plan.initialRouting, at: now() });
  upsertSearchAttributes(searchAttributeUpdates({ release: plan.targetRelease }));
  upsertMemo({
    image: spec.image,
    imageId: plan.template?.imageId ?? null,
    pinnedImage: plan.template?.pinnedImage ?? null,
    replicas: spec.replicas,
    strategy: spec.strategy.type,
    targetRelease: plan.targetRelease,
    stableRelease: plan.stableRelease ?? null,
    requestedBy,
  });
}

/** The plan as an activity made it (resolving the image and the secrets' digest). */
async function planInActivity(run: DeploymentRun): Promise<PlannedDeployment> {
  const { spec } = run;
  const summary = `plan ${spec.service}: observe what runs, resolve ${spec.image}`;
  const limit = deadlineFor(spec, 'preparing')!;
  return withDeadline(run, 'preparing', summary, () =>
    activities.observeAndPlan.executeWithOptions(
      { summary, ...onHost(run), ...deadlineOnActivity(run, limit), startToCloseTimeout: limit, heartbeatTimeout: HEARTBEAT_TIMEOUT },
      [{ spec }],
    ),
  );
}

/** Deployments begun before plans were recorded plan here, from the observation; kept so that their histories replay. */
async function planHere(spec: DeploymentSpec): Promise<PlannedDeployment> {
  const observed = await activities.observeService.executeWithOptions(
    { summary: `observe ${spec.service}`, startToCloseTimeout: '1 minute' },
    [{ service: spec.service }],
  );
  return { plan: planOrFail(spec, observed), observed };
}

function planOrFail(spec: DeploymentSpec, observed: Parameters<typeof planDeployment>[1]): Plan {
  try {
    return planDeployment(spec, observed);
  } catch (error) {
    if (error instanceof PlanError)
      throw ApplicationFailure.create({
        type: FailureType.planRejected,
        nonRetryable: true,
        message: error.message,
        details: [{ field: error.field }],
      });
    throw error;
  }
}

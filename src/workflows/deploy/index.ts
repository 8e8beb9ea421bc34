/**
 * The deployment workflow: validate, observe, plan, then run the plan step by
 * step through activities. Every step registers its undo before it starts; a
 * failure, an abort or a missed progress deadline runs the undo steps in
 * reverse, out of reach of cancellation, and the workflow ends in a known
 * state: the new release serving, or the old one serving with the changes
 * undone (or, if an undo step fails, exactly what is left to do by hand).
 *
 * The parts live beside it: the control state and its message handlers, the
 * step runner, the forward plan, the rollback and the result.
 */
import { upsertSearchAttributes, workflowInfo } from '@temporalio/workflow';
import type { DeployInput, DeployResult } from '../../shared/messages';
import type { DeploymentSpec } from '../../planner/spec';
import { DeploymentControl } from './control';
import { runForward } from './forward';
import { finish } from './result';
import { nothingRolledBack, rollBack } from './rollback';
import { deploymentMetrics, deploymentPatches, type DeploymentRun } from './run';
import { validSpecOrFail } from '../failures';
import { deployFleet } from '../fleet';
import { searchAttributeUpdates } from '../../shared/search-attributes';

export async function deploy(input: DeployInput): Promise<DeployResult> {
  const metrics = deploymentMetrics();
  const control = new DeploymentControl(serviceNamedIn(input));
  control.registerHandlers();
  const spec = validSpecOrFinish(input, control);
  upsertSearchAttributes(searchAttributeUpdates({ service: spec.service, strategy: spec.strategy.type, phase: control.status.phase }));
  // A spec naming hosts deploys each of them (deployHost, below) under one fleet deployment.
  if (spec.hosts && !input.host) return deployFleet(input, spec, control, metrics);
  const { workflowId, runId } = workflowInfo();
  const run: DeploymentRun = {
    spec,
    deploymentId: `${workflowId}/${runId}`,
    control,
    metrics,
    patches: deploymentPatches(),
    ...(input.host ? { host: input.host } : {}),
  };

  const forward = await runForward(run, input.requestedBy);
  const { plan, failure } = forward;
  // Past the point of no return (outcome `failed`) there is nothing to roll back to.
  const rollback =
    plan && failure && failure.outcome !== 'failed' ? await rollBack(run, plan, forward.begun, failure) : nothingRolledBack();
  return finish(run, forward, rollback);
}

/**
 * One host's deployment within a fleet deployment: the same workflow under its own type, so that a
 * service's deployments (WorkflowType "deploy") list the fleet deployment and not its hosts.
 */
export async function deployHost(input: DeployInput): Promise<DeployResult> {
  return deploy(input);
}

/** The service, for the status, even before the spec is known to be valid. */
function serviceNamedIn(input: DeployInput): string {
  const service = (input?.spec as { service?: unknown } | undefined)?.service;
  return typeof service === 'string' ? service : 'unknown';
}

/** An invalid spec ends the deployment before anything is touched: a promote arriving with it finds it finished. */
function validSpecOrFinish(input: DeployInput, control: DeploymentControl): DeploymentSpec {
  try {
    return validSpecOrFail(input?.spec);
  } catch (invalid) {
    control.finished = true;
    throw invalid;
  }
}

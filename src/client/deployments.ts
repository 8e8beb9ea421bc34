/**
 * Starting and addressing deployments from a Temporal client: the same
 * options for the CLI, CI and tests. One deployment per service: the workflow
 * id is the lock, and a second start while one runs fails (conflict policy
 * FAIL) instead of attaching to or replacing the running one.
 */
import { WorkflowExecutionAlreadyStartedError, type Client, type WorkflowHandle } from '@temporalio/client';
import type { DeployInput } from '../shared/messages';
import { DEPLOY_WORKFLOW_TYPE } from '../shared/messages';
import { deploymentWorkflowId } from '../shared/names';
import type { DeploymentSpec } from '../shared/spec';
import type { deploy } from '../workflows';
import { searchAttributeUpdates } from '../workflows/search-attributes';

export type DeploymentHandle = WorkflowHandle<typeof deploy>;

/** Another deployment of the service is running; `sluice` exits 4 with this message. */
export class DeploymentInProgress extends Error {
  override readonly name = 'DeploymentInProgress';
  constructor(readonly service: string) {
    super(`a deployment of ${service} is already running (workflow ${deploymentWorkflowId(service)}): wait for it, or \`sluice abort ${service}\``);
  }
}

export async function startDeployment(client: Client, spec: DeploymentSpec, input: DeployInput, taskQueue: string): Promise<DeploymentHandle> {
  try {
    return await client.workflow.start<typeof deploy>(DEPLOY_WORKFLOW_TYPE, {
      args: [input],
      taskQueue,
      workflowId: deploymentWorkflowId(spec.service),
      workflowIdConflictPolicy: 'FAIL',
      workflowIdReusePolicy: 'ALLOW_DUPLICATE',
      typedSearchAttributes: searchAttributeUpdates({ service: spec.service, strategy: spec.strategy.type, phase: 'pending' }),
      staticSummary: `deploy ${spec.service}: ${spec.image} (${spec.strategy.type}, ${spec.replicas} replica${spec.replicas === 1 ? '' : 's'})`,
    });
  } catch (error) {
    if (error instanceof WorkflowExecutionAlreadyStartedError) throw new DeploymentInProgress(spec.service);
    throw error;
  }
}

/** The running (or latest) deployment of a service. */
export function deploymentHandle(client: Client, service: string): DeploymentHandle {
  return client.workflow.getHandle<typeof deploy>(deploymentWorkflowId(service));
}

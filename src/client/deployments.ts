/**
 * Starting and addressing deployments from a Temporal client: the same
 * options for the CLI, CI and tests. One deployment per service: the workflow
 * id is the lock, and a second start while one runs fails (conflict policy
 * FAIL) instead of attaching to or replacing the running one.
 */
import { WorkflowExecutionAlreadyStartedError, type Client, type WorkflowHandle, type WorkflowHandleWithFirstExecutionRunId } from '@temporalio/client';
import type { DeployInput } from '../shared/messages';
import { DEPLOY_WORKFLOW_TYPE } from '../shared/messages';
import { deploymentWorkflowId } from '../shared/names';
import type { DeploymentSpec } from '../shared/spec';
import type { deploy } from '../workflows';
import { searchAttributeKeys, searchAttributeUpdates } from '../workflows/search-attributes';

export type DeploymentHandle = WorkflowHandle<typeof deploy>;

/** Another deployment of the service is running; `sluice` exits 4 with this message. */
export class DeploymentInProgress extends Error {
  override readonly name = 'DeploymentInProgress';
  constructor(readonly service: string) {
    super(`a deployment of ${service} is already running (workflow ${deploymentWorkflowId(service)}): wait for it, or \`sluice abort ${service}\``);
  }
}

export async function startDeployment(client: Client, spec: DeploymentSpec, input: DeployInput, taskQueue: string): Promise<WorkflowHandleWithFirstExecutionRunId<typeof deploy>> {
  try {
    return await client.workflow.start<typeof deploy>(DEPLOY_WORKFLOW_TYPE, {
      args: [input],
      taskQueue,
      workflowId: deploymentWorkflowId(spec.service),
      workflowIdConflictPolicy: 'FAIL',
      workflowIdReusePolicy: 'ALLOW_DUPLICATE',
      typedSearchAttributes: searchAttributeUpdates({ service: spec.service, strategy: spec.strategy.type, phase: 'pending' }),
      staticSummary: `deploy ${spec.service}: ${spec.image} (${spec.strategy.type}, ${spec.replicas} replica${spec.replicas === 1 ? '' : 's'})`,
      // What `sluice history` and `sluice rollback` read back: the spec as written (no secret values: specs hold references).
      memo: { spec: input.spec, image: spec.image, requestedBy: input.requestedBy },
    });
  } catch (error) {
    if (error instanceof WorkflowExecutionAlreadyStartedError) throw new DeploymentInProgress(spec.service);
    throw error;
  }
}

export interface PastDeployment {
  workflowId: string;
  runId: string;
  startTime: Date;
  closeTime?: Date;
  status: string;
  release?: string;
  strategy?: string;
  phase?: string;
  image?: string;
  /** What the release ran: the registry digest or image id the worker resolved (absent before sluice recorded it). */
  pinnedImage?: string;
  requestedBy?: string;
  spec?: Record<string, unknown>;
}

/** A service's deployments, newest first; `releasedOnly` keeps those that ended with the new release serving. */
export async function listDeployments(client: Client, service: string, options: { limit: number; releasedOnly?: boolean }): Promise<PastDeployment[]> {
  // The name passed the spec grammar ([a-z0-9-]), so it is safe inside the query string.
  const query = `WorkflowType = "${DEPLOY_WORKFLOW_TYPE}" AND SluiceService = "${service}"${options.releasedOnly ? ' AND SluicePhase = "released"' : ''}`;
  const found: PastDeployment[] = [];
  for await (const execution of client.workflow.list({ query, pageSize: Math.min(options.limit, 100) })) {
    const attribute = (key: keyof typeof searchAttributeKeys) => execution.typedSearchAttributes.get(searchAttributeKeys[key]);
    const memo = (execution.memo ?? {}) as { image?: string; pinnedImage?: string | null; requestedBy?: string; spec?: Record<string, unknown> };
    found.push({
      workflowId: execution.workflowId,
      runId: execution.runId,
      startTime: execution.startTime,
      ...(execution.closeTime ? { closeTime: execution.closeTime } : {}),
      status: execution.status.name,
      release: attribute('release'),
      strategy: attribute('strategy'),
      phase: attribute('phase'),
      image: memo.image,
      ...(memo.pinnedImage ? { pinnedImage: memo.pinnedImage } : {}),
      requestedBy: memo.requestedBy,
      spec: memo.spec,
    });
    if (found.length >= options.limit) break;
  }
  return found.sort((a, b) => b.startTime.getTime() - a.startTime.getTime());
}

/** The running (or latest) deployment of a service. */
export function deploymentHandle(client: Client, service: string): DeploymentHandle {
  return client.workflow.getHandle<typeof deploy>(deploymentWorkflowId(service));
}

/**
 * Starting and addressing deployments from a Temporal client: the same
 * options for the CLI, the worker's reconciler, CI and tests. One deployment
 * per service: the workflow id is the lock, and a second start while one runs
 * fails (conflict policy FAIL) instead of attaching to or replacing the
 * running one.
 */
import {
  ApplicationFailure,
  WorkflowExecutionAlreadyStartedError,
  WorkflowFailedError,
  type Client,
  type WorkflowHandle,
  type WorkflowHandleWithFirstExecutionRunId,
} from '@temporalio/client';
import { isNotReleasedFailureType } from '../shared/errors';
import type { DeployInput, DeployResult } from '../shared/messages';
import { DEPLOY_WORKFLOW_TYPE } from '../shared/messages';
import { deploymentWorkflowId } from '../shared/names';
import type { DeploymentSpec } from '../planner/spec';
import type { deploy } from '../workflows';
import { searchAttributeKeys, searchAttributeUpdates } from '../shared/search-attributes';

export type DeploymentHandle = WorkflowHandle<typeof deploy>;

/** The result a deployment that did not release carries in its workflow's failure; undefined for any other error. */
export function notReleasedResult(error: unknown): DeployResult | undefined {
  if (error instanceof WorkflowFailedError && error.cause instanceof ApplicationFailure && isNotReleasedFailureType(error.cause.type)) {
    return error.cause.details?.[0] as DeployResult | undefined;
  }
  return undefined;
}

/**
 * The handle, with `result()` resolving to the deployment's result for every outcome: a released
 * deployment completes its workflow, one that did not (rolled back, aborted, failed) fails it
 * with the result as the failure's details (so the Web UI lists it as failed).
 */
function withDeployResult<H extends DeploymentHandle>(handle: H): H {
  return {
    ...handle,
    result: () =>
      handle.result().catch((error: unknown) => {
        const result = notReleasedResult(error);
        if (result) return result;
        throw error;
      }),
  };
}

/** Another deployment of the service is running; `sluice` exits 4 with this message. */
export class DeploymentInProgress extends Error {
  override readonly name = 'DeploymentInProgress';
  constructor(readonly service: string) {
    super(
      `a deployment of ${service} is already running (workflow ${deploymentWorkflowId(service)}): wait for it, or \`sluice abort ${service}\``,
    );
  }
}

export async function startDeployment(
  client: Client,
  spec: DeploymentSpec,
  input: DeployInput,
  taskQueue: string,
): Promise<WorkflowHandleWithFirstExecutionRunId<typeof deploy>> {
  try {
    const handle = await client.workflow.start<typeof deploy>(DEPLOY_WORKFLOW_TYPE, {
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
    return withDeployResult(handle);
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
export async function listDeployments(
  client: Client,
  service: string,
  options: { limit: number; releasedOnly?: boolean },
): Promise<PastDeployment[]> {
  // The name passed the spec grammar ([a-z0-9-]), so it is safe inside the query string.
  const query = `WorkflowType = "${DEPLOY_WORKFLOW_TYPE}" AND SluiceService = "${service}"${options.releasedOnly ? ' AND SluicePhase = "released"' : ''}`;
  const found: PastDeployment[] = [];
  for await (const execution of client.workflow.list({ query, pageSize: Math.min(options.limit, 100) })) {
    const attribute = (key: keyof typeof searchAttributeKeys) => execution.typedSearchAttributes.get(searchAttributeKeys[key]);
    const memo = (execution.memo ?? {}) as {
      image?: string;
      pinnedImage?: string | null;
      requestedBy?: string;
      spec?: Record<string, unknown>;
    };
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

/**
 * How a finished deployment ended: its result, or the error that ended its workflow (terminated,
 * timed out). Pinned to that run: read unpinned, a deployment started since would be waited for.
 */
export async function endedDeployment(
  client: Client,
  service: string,
  runId: string,
): Promise<{ result: DeployResult } | { error: string }> {
  return deploymentHandle(client, service, runId)
    .result()
    .then(
      (result) => ({ result }),
      (error: unknown) => ({ error: error instanceof WorkflowFailedError ? (error.cause?.message ?? error.message) : String(error) }),
    );
}

/** The running (or latest) deployment of a service. */
export function deploymentHandle(client: Client, service: string, runId?: string): DeploymentHandle {
  return withDeployResult(client.workflow.getHandle<typeof deploy>(deploymentWorkflowId(service), runId));
}

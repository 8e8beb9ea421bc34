import { deploymentHandle, type DeploymentHandle } from '../../temporal/deployments';
import type { CliContext } from '../context';
import { invalidInput } from '../errors';

/**
 * The running deployment of a service, or exit 2 saying there is none (and how the last one ended).
 * The handle is pinned to that run: an answer meant for it never reaches a deployment started later.
 */
export async function runningHandle(context: CliContext, service: string): Promise<DeploymentHandle> {
  const client = await context.client();
  const { status, runId } = await deploymentHandle(client, service).describe();
  if (status.name !== 'RUNNING')
    throw invalidInput(
      `no deployment of ${service} is running (the last one is ${status.name.toLowerCase()}): see \`sluice status ${service}\``,
    );
  return deploymentHandle(client, service, runId);
}

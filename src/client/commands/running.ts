import { deploymentHandle, type DeploymentHandle } from '../deployments';
import type { CliContext } from '../context';
import { invalidInput } from '../errors';

/** The running deployment of a service, or exit 2 saying there is none (and how the last one ended). */
export async function runningHandle(context: CliContext, service: string): Promise<DeploymentHandle> {
  const handle = deploymentHandle(await context.client(), service);
  const { status } = await handle.describe();
  if (status.name !== 'RUNNING') throw invalidInput(`no deployment of ${service} is running (the last one is ${status.name.toLowerCase()}): see \`sluice status ${service}\``);
  return handle;
}

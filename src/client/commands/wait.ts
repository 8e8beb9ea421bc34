/** Following a deployment from a verb: a live view on a terminal, lines in CI; Ctrl-C detaches, never aborts. */
import type { DeployResult } from '../../shared/messages';
import type { CliContext } from '../context';
import type { DeploymentHandle } from '../deployments';
import { follow } from '../follow';
import { lineView, terminalView, type ProgressView } from '../progress';

/** Resolves with the result, or undefined when the user detached with Ctrl-C. */
export async function waitForOutcome(context: CliContext, handle: DeploymentHandle, service: string): Promise<DeployResult | undefined> {
  const view: ProgressView | undefined = context.out.json ? undefined : process.stdout.isTTY ? terminalView() : lineView();
  let detach: () => void = () => undefined;
  const detached = new Promise<undefined>((resolve) => {
    detach = () => resolve(undefined);
  });
  const onInterrupt = () => {
    context.out.say(`\ndetached: the deployment of ${service} goes on; follow it with \`sluice status ${service} --watch\`, stop it with \`sluice abort ${service}\``);
    detach();
  };
  process.once('SIGINT', onInterrupt);
  try {
    return await Promise.race([follow(handle, { onStatus: (status) => view?.update(status) }), detached]);
  } finally {
    process.off('SIGINT', onInterrupt);
    view?.close();
  }
}

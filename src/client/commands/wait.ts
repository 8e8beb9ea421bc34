/** Following a deployment from a verb: a live view on a terminal, lines in CI; Ctrl-C detaches, never aborts. */
import type { DeploymentStatus } from '../../domain';
import { ExitCode } from '../../shared/errors';
import { formatDuration } from '../../shared/duration';
import { statusQuery, type DeployResult } from '../../shared/messages';
import type { CliContext } from '../context';
import type { DeploymentHandle } from '../../temporal/deployments';
import { sleep } from '../../timing/waits';
import { CliError } from '../errors';
import { noWorkerMessage, workerPolling } from '../workers';
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
    context.out.say(
      `\ndetached: the deployment of ${service} goes on; follow it with \`sluice status ${service} --watch\`, stop it with \`sluice abort ${service}\``,
    );
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

/** How long a verb that starts a deployment waits for a worker to plan it: a duration, or without limit. */
export interface WorkerWait {
  limitMs?: number;
}

/**
 * Waits until a worker has planned the deployment (it then knows the release), or until it has
 * already ended. A plan that was refused ends the workflow as failed: its result rejects, and the
 * CLI turns that into exit 2 with the planner's message. No worker within the limit: exit 5 with
 * the command that starts one; the deployment stays started and begins when a worker polls. Once
 * a worker answers, planning may take as long as it takes (the preparing deadline bounds it).
 */
export async function awaitPlanned(
  context: CliContext,
  handle: DeploymentHandle,
  service: string,
  wait: WorkerWait,
): Promise<{ status?: DeploymentStatus; result?: DeployResult }> {
  const client = await context.client();
  let deadline = wait.limitMs === undefined ? Number.POSITIVE_INFINITY : Date.now() + wait.limitMs;
  let warned = false;
  for (;;) {
    if ((await handle.describe()).status.name !== 'RUNNING') return { result: await handle.result() };
    // Without a worker a query waits for one: bounded, so the loop keeps its own deadline.
    const answer = await client.connection
      .withDeadline(Date.now() + 2000, () => handle.query(statusQuery))
      .then(
        (status) => ({ status }),
        (error: unknown) => ({ error: error as Error }),
      );
    // A worker answered, in payloads this CLI cannot decrypt (no codec key): it runs, and its status is not ours to read.
    if ('error' in answer && /Unknown encoding/.test(answer.error.message)) return {};
    if ('status' in answer && answer.status.targetRelease !== 'unknown') return { status: answer.status };
    // A worker answered: it has the deployment and is planning it (a large pull can take minutes), so the limit no longer applies.
    if ('status' in answer) deadline = Number.POSITIVE_INFINITY;
    if (Date.now() >= deadline) {
      throw new CliError(
        ExitCode.unreachable,
        `no worker picked up the deployment of ${service} within ${formatDuration(wait.limitMs!)}: ${noWorkerMessage(context.settings.namespace, context.taskQueue)}. The deployment stays started and begins as soon as a worker polls; follow it with \`sluice status ${service} --watch\`, or pass --wait-for-worker to wait without a limit`,
      );
    }
    if (!warned && !(await workerPolling(client, context.settings.namespace, context.taskQueue))) {
      context.out.say(`waiting for a worker: ${noWorkerMessage(context.settings.namespace, context.taskQueue)}`);
      warned = true;
    }
    await sleep(250);
  }
}

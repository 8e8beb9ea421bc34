import type { Command } from 'commander';
import { statusQuery } from '../../shared/messages';
import { exitCodeForOutcome } from '../../shared/errors';
import { ExitCode } from '../../shared/errors';
import { describeOutcome, renderResultBlock, renderStatusBlock } from '../progress';
import { CliError } from '../errors';
import { noWorkerMessage } from '../workers';
import { deploymentHandle, endedDeployment } from '../../temporal/deployments';
import { withHostDetails } from '../host-details';
import { waitForOutcome } from './wait';
import { examples, type Wrap } from './verb';

export function registerStatus(program: Command, wrap: Wrap): void {
  program
    .command('status')
    .description('phase, step i/n, weights, replicas and health per release, the gate waited on (of the running or the last deployment)')
    .argument('<service>', 'the service')
    .option('--watch', 'follow it until it ends (exit with its outcome)')
    .addHelpText('after', examples('sluice status web', 'sluice status web --watch', 'sluice status web --json'))
    .action(
      wrap(async (context, service: string, options: { watch?: boolean }) => {
        const client = await context.client();
        const description = await deploymentHandle(client, service).describe();
        // Everything below reads the run just described, not one a deploy may have started since.
        const handle = deploymentHandle(client, service, description.runId);
        const running = description.status.name === 'RUNNING';
        if (options.watch && running) {
          const result = await waitForOutcome(context, handle, service);
          if (result) context.out.result(result, `${service}: ${describeOutcome(result)}`);
          return result ? exitCodeForOutcome(result.outcome) : undefined;
        }
        const ids = { workflowId: description.workflowId, runId: description.runId, running };
        if (!running) {
          // A finished deployment is its result: no worker is needed to show it.
          const ended = await endedDeployment(client, service, description.runId);
          if ('result' in ended)
            return context.out.result({ ...ids, result: ended.result }, renderResultBlock(ended.result, description).join('\n'));
          return context.out.result(
            { ...ids, status: description.status.name, error: ended.error },
            `deploy/${service}: ${description.status.name.toLowerCase()}: ${ended.error}`,
          );
        }
        const queried = await client.connection.withDeadline(Date.now() + 10_000, () => handle.query(statusQuery)).catch(() => undefined);
        if (!queried)
          throw new CliError(
            ExitCode.unreachable,
            `the deployment of ${service} is running but no worker answered for its status: ${noWorkerMessage(context.settings.namespace, context.taskQueue)}`,
          );
        const status = await withHostDetails(client, queried);
        context.out.result({ ...ids, status }, renderStatusBlock(status).join('\n'));
      }),
    );
}

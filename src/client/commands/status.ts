import type { Command } from 'commander';
import { statusQuery } from '../../shared/messages';
import { exitCodeForOutcome } from '../../shared/errors';
import { renderStatusBlock } from '../progress';
import { deploymentHandle } from '../deployments';
import { invalidInput } from '../errors';
import { waitForOutcome } from './wait';
import { examples, type Wrap } from './index';

export function registerStatus(program: Command, wrap: Wrap): void {
  program
    .command('status')
    .description('phase, step i/n, weights, replicas and health per release, the gate waited on (of the running or the last deployment)')
    .argument('<service>', 'the service')
    .option('--watch', 'follow it until it ends (exit with its outcome)')
    .addHelpText('after', examples('sluice status web', 'sluice status web --watch', 'sluice status web --json'))
    .action(
      wrap(async (context, service: string, options: { watch?: boolean }) => {
        const handle = deploymentHandle(await context.client(), service);
        const description = await handle.describe();
        const running = description.status.name === 'RUNNING';
        if (options.watch && running) {
          const result = await waitForOutcome(context, handle, service);
          if (result) context.out.result(result, `${service}: ${result.outcome}${result.reason ? ` (${result.reason})` : ''}`);
          return result ? exitCodeForOutcome(result.outcome) : undefined;
        }
        const status = await handle.query(statusQuery).catch(() => undefined);
        if (!status) throw invalidInput(`the deployment of ${service} (${description.status.name.toLowerCase()}) has no status to show: it ended before it validated its spec, or no worker can answer (start one)`);
        context.out.result({ workflowId: description.workflowId, runId: description.runId, running, status }, renderStatusBlock(status).join('\n'));
      }),
    );
}

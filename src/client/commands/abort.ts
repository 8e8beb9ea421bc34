import type { Command } from 'commander';
import { exitCodeForOutcome } from '../../shared/errors';
import { abortSignal } from '../../shared/messages';
import { runningHandle } from './running';
import { describeOutcome } from '../progress';
import { waitForOutcome } from './wait';
import { examples, type Wrap } from './verb';

export function registerAbort(program: Command, wrap: Wrap): void {
  program
    .command('abort')
    .description('stop the deployment and roll back (traffic back to the stable release first)')
    .argument('<service>', 'the service')
    .option('--reason <text>', "why: recorded in the deployment's history")
    .option('--wait', 'follow the rollback to its end')
    .addHelpText('after', examples('sluice abort web --reason "p99 up"', 'sluice abort web --wait'))
    .action(
      wrap(async (context, service: string, options: { reason?: string; wait?: boolean }) => {
        const handle = await runningHandle(context, service);
        await handle.signal(abortSignal, { by: context.actor(), ...(options.reason ? { reason: options.reason } : {}) });
        if (!options.wait) {
          context.out.result(
            { sent: 'abort', service },
            `abort sent to ${service}: it rolls back now; \`sluice status ${service} --watch\` follows it`,
          );
          return;
        }
        const result = await waitForOutcome(context, handle, service);
        if (!result) return;
        context.out.result(result, `${service}: ${describeOutcome(result)}`);
        return exitCodeForOutcome(result.outcome);
      }),
    );
}

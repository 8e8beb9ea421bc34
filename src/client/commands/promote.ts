import type { Command } from 'commander';
import { promoteUpdate } from '../../shared/messages';
import { invalidInput } from '../errors';
import { runningHandle } from './running';
import { examples, type Wrap } from './verb';

export function registerPromote(program: Command, wrap: Wrap): void {
  program
    .command('promote')
    .description('answer the gate the deployment waits at (prints accepted, or why it was rejected)')
    .argument('<service>', 'the service')
    .option('--full', 'skip every remaining pause and analysis (replicas still start and turn healthy first)')
    .option('--reason <text>', "why: recorded in the deployment's history")
    .addHelpText('after', examples('sluice promote web', 'sluice promote web --full --reason "hotfix, verified on staging"'))
    .action(
      wrap(async (context, service: string, options: { full?: boolean; reason?: string }) => {
        const handle = await runningHandle(context, service);
        const answer = await handle.executeUpdate(promoteUpdate, {
          args: [{ by: context.actor(), ...(options.reason ? { reason: options.reason } : {}), ...(options.full ? { full: true } : {}) }],
        });
        if (answer.ignored) throw invalidInput(answer.message);
        context.out.result({ accepted: true, ...answer }, `accepted: ${answer.message}`);
      }),
    );
}

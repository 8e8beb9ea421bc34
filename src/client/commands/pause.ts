import type { Command } from 'commander';
import { pauseSignal, resumeSignal } from '../../shared/messages';
import { runningHandle } from './running';
import { examples, type Wrap } from './verb';

export function registerPause(program: Command, wrap: Wrap): void {
  program
    .command('pause')
    .description('hold the deployment after its current step (timers keep running; resume continues)')
    .argument('<service>', 'the service')
    .option('--reason <text>', "why: recorded in the deployment's history")
    .addHelpText('after', examples('sluice pause web --reason "checking dashboards"'))
    .action(
      wrap(async (context, service: string, options: { reason?: string }) => {
        const handle = await runningHandle(context, service);
        await handle.signal(pauseSignal, { by: context.actor(), ...(options.reason ? { reason: options.reason } : {}) });
        context.out.result({ sent: 'pause', service }, `pause sent to ${service}: it holds after the current step`);
      }),
    );
}

export function registerResume(program: Command, wrap: Wrap): void {
  program
    .command('resume')
    .description('continue a paused deployment')
    .argument('<service>', 'the service')
    .addHelpText('after', examples('sluice resume web'))
    .action(
      wrap(async (context, service: string) => {
        const handle = await runningHandle(context, service);
        await handle.signal(resumeSignal, { by: context.actor() });
        context.out.result({ sent: 'resume', service }, `resume sent to ${service}`);
      }),
    );
}

import type { Command } from 'commander';
import path from 'node:path';
import { stackUp } from '../../stack';
import { MissingPrerequisite } from '../../stack/errors';
import { stackSettings } from '../../stack/settings';
import { stopTemporal } from '../../stack/temporal';
import { workerConfig } from '../../worker/config';
import { installRuntime, runWorker } from '../../worker/run';
import { CliError } from '../errors';
import { ExitCode } from '../../shared/errors';
import { examples, type Wrap } from './verb';

export function registerDev(program: Command, wrap: Wrap): void {
  program
    .command('dev')
    .description(
      'everything on one machine, in the foreground: the local stack (Temporal dev server + Web UI, Docker, nginx, PostgreSQL) and a worker; Ctrl-C stops the worker and Temporal',
    )
    .addHelpText('after', examples('sluice dev', 'sluice deploy examples/specs/demo.yaml --wait   # in another terminal'))
    .action(
      wrap(async (context) => {
        const settings = stackSettings(context.env);
        let stack: Record<string, string>;
        try {
          stack = await stackUp(settings);
        } catch (error) {
          if (error instanceof MissingPrerequisite) throw new CliError(ExitCode.unreachable, error.message);
          throw error;
        }
        Object.assign(process.env, stack);
        // One machine, one developer: specs may use the local database (docs/security.md on grants).
        process.env.SLUICE_ENV_GRANTS ??= '*:DATABASE_URL';
        installRuntime({ logLevel: 'WARN', logFormat: 'text', metricsPort: 0 });
        const config = workerConfig(process.env, path.resolve(__dirname, '..', '..', '..'));
        context.out.say(
          `sluice dev: Temporal ${stack.TEMPORAL_ADDRESS} (Web UI ${stack.SLUICE_TEMPORAL_UI}), worker on task queue ${config.taskQueue}`,
        );
        context.out.say(
          'deploy from another terminal, e.g. `sluice deploy examples/specs/demo.yaml --wait`; Ctrl-C stops the worker and Temporal',
        );
        await runWorker(config);
        await stopTemporal(settings);
        context.out.say('sluice dev: stopped the worker and Temporal (Docker, nginx and PostgreSQL stay up: `npm run stack:down`)');
      }),
    );
}

import type { Command } from 'commander';
import path from 'node:path';
import { stackUp } from '../../stack';
import { MissingPrerequisite } from '../../stack/errors';
import { stackSettings } from '../../stack/settings';
import { MAX_FLEET_HOSTS } from '../../stack/fleet';
import { stopTemporal, temporalRunning } from '../../stack/temporal';
import { startDevFleet } from '../dev-fleet';
import { workerConfig } from '../../worker/config';
import { installRuntime, runWorker } from '../../worker/run';
import { CliError } from '../errors';
import { ExitCode } from '../../shared/errors';
import { examples, type Wrap } from './verb';

export function registerDev(program: Command, wrap: Wrap): void {
  program
    .command('dev')
    .description(
      'everything on one machine, in the foreground: the local stack (Temporal dev server + Web UI, Docker, nginx, PostgreSQL) and a worker; Ctrl-C stops the worker and the Temporal server it started',
    )
    .option(
      '--hosts <n>',
      `a simulated fleet of n hosts (1-${MAX_FLEET_HOSTS}, needs root): a Docker Engine, an nginx and a worker per host, HAProxy in front`,
    )
    .addHelpText(
      'after',
      examples(
        'sluice dev',
        'sluice deploy examples/specs/demo.yaml --wait   # in another terminal',
        'sluice dev --hosts 3',
        'sluice deploy examples/specs/fleet-demo.yaml --wait   # in another terminal',
      ),
    )
    .action(
      wrap(async (context, options: { hosts?: string }) => {
        const hosts = options.hosts === undefined ? undefined : fleetSize(options.hosts);
        const settings = stackSettings(context.env);
        // A Temporal server that ran before (`npm run stack:up`) is left running on Ctrl-C.
        const ownTemporal = !(await temporalRunning(settings));
        let stack: Record<string, string>;
        try {
          stack = await stackUp(settings, hosts === undefined ? {} : { hosts });
        } catch (error) {
          if (error instanceof MissingPrerequisite) throw new CliError(ExitCode.unreachable, error.message);
          throw error;
        }
        Object.assign(process.env, stack);
        // One machine, one developer: specs may use the local database (docs/security.md on grants).
        process.env.SLUICE_ENV_GRANTS ??= '*:DATABASE_URL';
        const config = workerConfig(process.env, path.resolve(__dirname, '..', '..', '..'));
        const temporal = `Temporal ${stack.TEMPORAL_ADDRESS} (Web UI ${stack.SLUICE_TEMPORAL_UI})`;
        if (hosts === undefined) {
          installRuntime({ logLevel: 'WARN', logFormat: 'text', metricsPort: 0 });
          context.out.say(`sluice dev: ${temporal}, worker on task queue ${config.taskQueue}`);
          context.out.say(
            `deploy from another terminal, e.g. \`sluice deploy examples/specs/demo.yaml --wait\`; Ctrl-C stops the worker${ownTemporal ? ' and Temporal' : ''}`,
          );
          await runWorker(config);
        } else {
          await runFleet(settings, config.taskQueue, temporal, ownTemporal, (line) => context.out.say(line));
        }
        if (ownTemporal) await stopTemporal(settings);
        context.out.say(
          `sluice dev: stopped the worker${hosts === undefined ? '' : 's'}${ownTemporal ? ' and Temporal' : ''} (Docker, nginx and PostgreSQL stay up: \`npm run stack:down\`)`,
        );
      }),
    );
}

/** The workers of a simulated fleet, until Ctrl-C (SIGINT) or SIGTERM, which stop them. */
async function runFleet(
  settings: ReturnType<typeof stackSettings>,
  taskQueue: string,
  temporal: string,
  ownTemporal: boolean,
  say: (line: string) => void,
): Promise<void> {
  const fleet = await startDevFleet(settings, say);
  const stop = () => void fleet.stop().catch((error: unknown) => say(`sluice dev: stopping the fleet failed: ${(error as Error).message}`));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  say(
    `sluice dev: ${temporal}, a fleet of ${fleet.hosts.length} host(s): ${fleet.hosts.map((host) => `${host.name} on ${host.address}`).join(', ')}, each with its own worker on task queue ${taskQueue}; HAProxy in front on ${fleet.front.url}/`,
  );
  say(
    `deploy from another terminal, e.g. \`sluice deploy examples/specs/fleet-demo.yaml --wait\`, then \`sluice hosts\` and \`curl ${fleet.front.url}/\`; Ctrl-C stops the workers${ownTemporal ? ' and Temporal' : ''}`,
  );
  await fleet.exited;
  await fleet.stop();
  process.off('SIGINT', stop);
  process.off('SIGTERM', stop);
}

function fleetSize(raw: string): number {
  const hosts = Number(raw);
  if (!Number.isInteger(hosts) || hosts < 1 || hosts > MAX_FLEET_HOSTS)
    throw new CliError(ExitCode.invalidInput, `--hosts ${raw} is not a fleet size: use a whole number from 1 to ${MAX_FLEET_HOSTS}`);
  return hosts;
}

import type { Command } from 'commander';
import Docker from 'dockerode';
import { realAdapters, servicesOnHost } from '../../worker/adapters';
import { workerConfig } from '../../worker/config';
import { deploymentStates, findOrphans, removeOrphans } from '../../worker/reconcile';
import { invalidInput } from '../errors';
import { examples, type Wrap } from './verb';

export function registerDoctor(program: Command, wrap: Wrap): void {
  program
    .command('doctor')
    .description(
      'list containers sluice labelled that no running deployment owns and no traffic reaches (run on a worker host, with its settings); --fix removes them',
    )
    .option('--fix', 'remove the orphans')
    .addHelpText('after', examples('sluice doctor', 'sluice doctor --fix --json'))
    .action(
      wrap(async (context, options: { fix?: boolean }) => {
        let config;
        try {
          config = { ...workerConfig(context.env), temporal: context.settings };
        } catch (error) {
          throw invalidInput(`${(error as Error).message} (doctor reads the worker's settings)`);
        }
        const docker = new Docker();
        const deps = realAdapters(config, docker);
        const orphans = await findOrphans({
          runtime: deps.runtime,
          router: deps.router,
          deployments: deploymentStates(await context.client()),
          services: () => servicesOnHost(docker),
        });
        if (!options.fix) {
          const lines = orphans.map((o) => `orphan ${o.name}: it ${o.reason}`);
          return context.out.result(
            { orphans, removed: [] },
            orphans.length === 0 ? 'no orphan containers' : [...lines, 'remove them with `sluice doctor --fix`'].join('\n'),
          );
        }
        const { removed, kept } = await removeOrphans(deps.runtime, orphans);
        const lines = [
          ...removed.map((o) => `removed ${o.name}: it ${o.reason}`),
          ...kept.map(
            (o) =>
              `kept ${o.name}: it ${o.reason}, but nothing proves a sluice worker of this host made it (an image can carry sluice's labels); remove it by hand if it is not needed`,
          ),
        ];
        context.out.result(
          { orphans, removed: removed.map((o) => o.name), kept: kept.map((o) => o.name) },
          orphans.length === 0 ? 'no orphan containers' : lines.join('\n'),
        );
      }),
    );
}

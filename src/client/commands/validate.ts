import type { Command } from 'commander';
import { releaseId } from '../../planner/release';
import { readSpec } from '../spec-input';
import { examples, type Wrap } from './verb';

export function registerValidate(program: Command, wrap: Wrap): void {
  program
    .command('validate')
    .description('check a spec: every problem at once, each with its field path; touches nothing')
    .argument('<spec>', 'spec file (YAML or JSON)')
    .option('--image <ref>', "check with this image instead of the spec's")
    .addHelpText(
      'after',
      examples('sluice validate deploy/web.yaml', 'sluice validate deploy/web.yaml --image registry.example.com/web:2.4.1 --json'),
    )
    .action(
      wrap(async ({ out }, file: string, options: { image?: string }) => {
        const { spec } = readSpec(file, options.image);
        out.result(
          {
            valid: true,
            service: spec.service,
            image: spec.image,
            strategy: spec.strategy.type,
            replicas: spec.replicas,
            release: releaseId(spec),
          },
          `${file} is valid: ${spec.service}, ${spec.image}, ${spec.strategy.type}, ${spec.replicas} replica(s), release ${releaseId(spec)}`,
        );
      }),
    );
}

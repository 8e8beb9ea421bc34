import type { Command } from 'commander';
import { exitCodeForOutcome } from '../../shared/errors';
import { deploymentWorkflowId } from '../../shared/names';
import { workflowUrl } from '../../temporal/connection';
import { startDeployment } from '../../temporal/deployments';
import { readSpec } from '../spec-input';
import { parseDuration } from '../../shared/duration';
import { invalidInput } from '../errors';
import { describeOutcome } from '../progress';
import { awaitPlanned, waitForOutcome, type WorkerWait } from './wait';
import { examples, type Wrap } from './verb';

/** The --worker-timeout and --wait-for-worker flags of verbs that start a deployment. */
export function workerWaitOptions(command: Command): Command {
  return command
    .option(
      '--worker-timeout <duration>',
      'how long to wait for a worker to plan the deployment before exiting 5 (it stays started)',
      '30s',
    )
    .option('--wait-for-worker', 'wait for a worker without a limit');
}

export function workerWait(options: { workerTimeout?: string; waitForWorker?: boolean }): WorkerWait {
  if (options.waitForWorker) return {};
  try {
    return { limitMs: parseDuration(options.workerTimeout ?? '30s') };
  } catch (error) {
    throw invalidInput(`--worker-timeout: ${(error as Error).message}`);
  }
}

export function registerDeploy(program: Command, wrap: Wrap): void {
  workerWaitOptions(
    program
      .command('deploy')
      .description('start a deployment and wait until a worker has planned it; with --wait, follow it to the end and exit with its outcome')
      .argument('<spec>', 'spec file (YAML or JSON)')
      .option('--image <ref>', "deploy this image instead of the spec's")
      .option('--wait', 'follow the deployment to its end (exit 0 released, 1 rolled back, 3 aborted)')
      .option('--detach', 'return as soon as the deployment is planned (the default)'),
  )
    .addHelpText(
      'after',
      examples(
        'sluice deploy deploy/web.yaml --image registry.example.com/web:2.4.1 --wait',
        'sluice deploy deploy/web.yaml --detach --json',
        'sluice deploy deploy/web.yaml --wait --wait-for-worker',
      ),
    )
    .action(
      wrap(
        async (
          context,
          file: string,
          options: { image?: string; wait?: boolean; detach?: boolean; workerTimeout?: string; waitForWorker?: boolean },
        ) => {
          const { document, spec } = readSpec(file, options.image);
          const wait = workerWait(options);
          const client = await context.client();
          const handle = await startDeployment(client, spec, { spec: document, requestedBy: context.actor() }, context.taskQueue);
          const workflowId = deploymentWorkflowId(spec.service);
          const url = workflowUrl(context.settings, workflowId);
          context.out.say(`deploying ${spec.service}: ${spec.image} (${spec.strategy.type})`);
          if (url) context.out.say(`Web UI: ${url}`);
          // The release is decided by the worker (it resolves the image and the secrets): known once planned.
          const planned = await awaitPlanned(context, handle, spec.service, wait);
          const release = planned.status?.targetRelease ?? planned.result?.targetRelease;
          const started = {
            workflowId,
            runId: handle.firstExecutionRunId,
            service: spec.service,
            image: spec.image,
            release,
            strategy: spec.strategy.type,
            url,
          };
          if (planned.status)
            context.out.say(`planned release ${release}${planned.status.notes.map((note) => `\nnote: ${note}`).join('')}`);
          if (planned.result || (options.wait && !options.detach)) {
            const result = planned.result ?? (await waitForOutcome(context, handle, spec.service));
            if (!result) return;
            context.out.result(
              { ...started, result },
              `${spec.service}: ${describeOutcome(result)}; serving ${result.serving ?? 'nothing'}`,
            );
            return exitCodeForOutcome(result.outcome);
          }
          context.out.result(
            started,
            `started ${workflowId} (run ${handle.firstExecutionRunId}); follow it with \`sluice status ${spec.service} --watch\``,
          );
        },
      ),
    );
}

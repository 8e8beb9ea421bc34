import type { Command } from 'commander';
import { exitCodeForOutcome } from '../../shared/errors';
import { deploymentWorkflowId } from '../../shared/names';
import { releaseId } from '../../workflows/planner/release';
import { workflowUrl } from '../connection';
import { startDeployment } from '../deployments';
import { readSpec } from '../spec-input';
import { noWorkerMessage, workerPolling } from '../workers';
import { waitForOutcome } from './wait';
import { examples, type Wrap } from './index';

export function registerDeploy(program: Command, wrap: Wrap): void {
  program
    .command('deploy')
    .description('start a deployment; with --wait, follow it to the end and exit with its outcome')
    .argument('<spec>', 'spec file (YAML or JSON)')
    .option('--image <ref>', 'deploy this image instead of the spec\'s')
    .option('--wait', 'follow the deployment to its end (exit 0 released, 1 rolled back, 3 aborted)')
    .option('--detach', 'return as soon as the deployment has started (the default)')
    .addHelpText('after', examples('sluice deploy deploy/web.yaml --image registry.example.com/web:2.4.1 --wait', 'sluice deploy deploy/web.yaml --detach --json'))
    .action(
      wrap(async (context, file: string, options: { image?: string; wait?: boolean; detach?: boolean }) => {
        const { document, spec } = readSpec(file, options.image);
        const client = await context.client();
        const handle = await startDeployment(client, spec, { spec: document, requestedBy: context.actor() }, context.taskQueue);
        const workflowId = deploymentWorkflowId(spec.service);
        const url = workflowUrl(context.settings, workflowId);
        const started = { workflowId, runId: handle.firstExecutionRunId, service: spec.service, image: spec.image, release: releaseId(spec), strategy: spec.strategy.type, url };
        context.out.say(`deploying ${spec.service}: ${spec.image} as release ${started.release} (${spec.strategy.type})`);
        if (url) context.out.say(`Web UI: ${url}`);
        if (!(await workerPolling(client, context.settings.namespace, context.taskQueue))) context.out.say(`warning: ${noWorkerMessage(context.settings.namespace, context.taskQueue)}; the deployment waits for it`);
        if (!options.wait || options.detach) {
          context.out.result(started, `started ${workflowId} (run ${handle.firstExecutionRunId}); follow it with \`sluice status ${spec.service} --watch\``);
          return;
        }
        const result = await waitForOutcome(context, handle, spec.service);
        if (!result) return;
        context.out.result({ ...started, result }, `${spec.service}: ${result.outcome}${result.reason ? ` (${result.reason})` : ''}; serving ${result.serving ?? 'nothing'}`);
        return exitCodeForOutcome(result.outcome);
      }),
    );
}

import type { Command } from 'commander';
import { randomUUID } from 'node:crypto';
import { ExitCode } from '../../shared/errors';
import { PLAN_WORKFLOW_TYPE } from '../../shared/messages';
import type { planPreview } from '../../workflows/plan-preview';
import { CliError } from '../errors';
import { readSpec } from '../spec-input';
import { noWorkerMessage, workerPolling } from '../workers';
import { examples, type Wrap } from './verb';

export function registerPlan(program: Command, wrap: Wrap): void {
  program
    .command('plan')
    .description('print the steps a deploy would run now, against what runs now; touches nothing')
    .argument('<spec>', 'spec file (YAML or JSON)')
    .option('--image <ref>', "plan with this image instead of the spec's")
    .addHelpText('after', examples('sluice plan deploy/web.yaml --image registry.example.com/web:2.4.1'))
    .action(
      wrap(async (context, file: string, options: { image?: string }) => {
        const { document, spec } = readSpec(file, options.image);
        const client = await context.client();
        // The plan is computed by a worker, from what it sees (its Docker host and router).
        if (!(await workerPolling(client, context.settings.namespace, context.taskQueue)))
          throw new CliError(ExitCode.unreachable, noWorkerMessage(context.settings.namespace, context.taskQueue));
        const plan = await client.workflow.execute<typeof planPreview>(PLAN_WORKFLOW_TYPE, {
          args: [{ spec: document }],
          taskQueue: context.taskQueue,
          workflowId: `plan/${spec.service}/${randomUUID()}`,
          workflowExecutionTimeout: '1 minute',
        });
        const human = [
          `${spec.service}: ${plan.stableRelease ? `${plan.stableRelease} -> ` : ''}${plan.targetRelease} (${plan.strategy})`,
          ...plan.steps.map((step, i) => `${String(i + 1).padStart(3)}. [${step.phase}] ${step.summary}`),
          ...plan.notes.map((note) => `note: ${note}`),
        ].join('\n');
        context.out.result(plan, human);
      }),
    );
}

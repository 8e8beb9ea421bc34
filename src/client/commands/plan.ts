import type { Command } from 'commander';
import { randomUUID } from 'node:crypto';
import type { Plan } from '../../domain';
import { ExitCode } from '../../shared/errors';
import { PLAN_WORKFLOW_TYPE } from '../../shared/messages';
import type { planPreview } from '../../workflows/plan-preview';
import { CliError } from '../errors';
import { readSpec } from '../spec-input';
import { noWorkerMessage, workerPolling } from '../workers';
import { examples, type Wrap } from './verb';

function describePlan(heading: string, plan: Plan): string[] {
  return [
    `${heading}: ${plan.stableRelease ? `${plan.stableRelease} -> ` : ''}${plan.targetRelease} (${plan.strategy})`,
    ...plan.steps.map((step, i) => `${String(i + 1).padStart(3)}. [${step.phase}] ${step.summary}`),
    ...plan.notes.map((note) => `note: ${note}`),
  ];
}

/** What a fleet does with the spec's migrations, beside its hosts' plans (src/workflows/fleet/migrations.ts). */
const FLEET_MIGRATIONS =
  'note: the fleet runs the migrations once, on the first host whose worker takes them: expand before any host starts; contract once every host is ready (after the contract gate, with contract: onPromote), before any host removes its old release';

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
        const preview = (host?: string) =>
          client.workflow.execute<typeof planPreview>(PLAN_WORKFLOW_TYPE, {
            args: [{ spec: document, ...(host ? { host } : {}) }],
            taskQueue: context.taskQueue,
            workflowId: `plan/${spec.service}/${randomUUID()}`,
            workflowExecutionTimeout: '1 minute',
          });
        if (!spec.hosts) {
          const plan = await preview();
          context.out.result(plan, describePlan(spec.service, plan).join('\n'));
          return;
        }
        // A fleet: each host's plan, made by its own worker from what runs there.
        const plans = await Promise.all(spec.hosts.map(async (host) => ({ host, plan: await preview(host) })));
        const lines = plans.flatMap(({ host, plan }) => describePlan(`${spec.service} on ${host}`, plan));
        if (spec.migrations) lines.push(FLEET_MIGRATIONS);
        context.out.result(plans, lines.join('\n'));
      }),
    );
}

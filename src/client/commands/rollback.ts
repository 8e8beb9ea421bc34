import type { Command } from 'commander';
import { exitCodeForOutcome } from '../../shared/errors';
import { promoteUpdate } from '../../shared/messages';
import { SERVICE_NAME_PATTERN } from '../../shared/spec';
import { validateSpec } from '../../planner/spec';
import { listDeployments, startDeployment } from '../../temporal/deployments';
import { invalidInput } from '../errors';
import { workerWait, workerWaitOptions } from './deploy';
import { describeOutcome } from '../progress';
import { awaitPlanned, waitForOutcome } from './wait';
import { examples, type Wrap } from './verb';

export function registerRollback(program: Command, wrap: Wrap): void {
  workerWaitOptions(program.command('rollback'))
    .description("deploy the previously released image again, with the service's last spec, promoted fully (no pauses or analyses)")
    .argument('<service>', 'the service')
    .option('--wait', 'follow the deployment to its end')
    .addHelpText('after', examples('sluice rollback web --wait'))
    .action(
      wrap(async (context, service: string, options: { wait?: boolean; workerTimeout?: string; waitForWorker?: boolean }) => {
        if (!SERVICE_NAME_PATTERN.test(service)) throw invalidInput(`"${service}" is not a service name (lowercase letters, digits and -)`);
        const client = await context.client();
        const released = await listDeployments(client, service, { limit: 50, releasedOnly: true });
        const current = released[0];
        const previous = released.find((d) => d.release !== current?.release && d.image);
        if (!current || !previous?.image)
          throw invalidInput(`${service} has no earlier released image to roll back to (${released.length} released deployment(s) found)`);
        const [last] = await listDeployments(client, service, { limit: 1 });
        if (!last?.spec)
          throw invalidInput(
            `the last deployment of ${service} recorded no spec to reuse: deploy the image ${previous.image} with your spec file`,
          );
        // The content that served, not the tag: a moving tag may point elsewhere now.
        const document = { ...last.spec, image: previous.pinnedImage ?? previous.image };
        const wait = workerWait(options);
        const result = validateSpec(document);
        if (!result.ok)
          throw invalidInput(
            `the last spec of ${service} no longer validates: ${result.problems.map((p) => `${p.path}: ${p.message}`).join('; ')}`,
          );
        const handle = await startDeployment(
          client,
          result.spec,
          { spec: document, requestedBy: `${context.actor()} (sluice rollback)` },
          context.taskQueue,
        );
        const planned = await awaitPlanned(context, handle, service, wait);
        // The image has served before: no canary pauses or analyses, but replicas still start and turn healthy before taking traffic.
        if (!planned.result)
          await handle.executeUpdate(promoteUpdate, {
            args: [{ by: context.actor(), full: true, reason: `rollback to ${previous.image}, released before` }],
          });
        const pinned = previous.pinnedImage ? ` as ${previous.pinnedImage}` : '';
        context.out.say(
          `rolling ${service} back from ${current.image} to ${previous.image}${pinned} (released ${previous.startTime.toISOString()}), skipping pauses and analyses${last.spec.migrations ? ' (a contract gate, when the spec has one, still waits for `sluice promote`)' : ''}`,
        );
        if (!options.wait) {
          context.out.result(
            { workflowId: handle.workflowId, runId: handle.firstExecutionRunId, image: previous.image },
            `started ${handle.workflowId}; follow it with \`sluice status ${service} --watch\``,
          );
          return;
        }
        const outcome = planned.result ?? (await waitForOutcome(context, handle, service));
        if (!outcome) return;
        context.out.result(outcome, `${service}: ${describeOutcome(outcome)}`);
        return exitCodeForOutcome(outcome.outcome);
      }),
    );
}

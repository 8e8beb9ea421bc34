import type { Command } from 'commander';
import type { DeployResult } from '../../shared/messages';
import { SERVICE_NAME_PATTERN } from '../../shared/spec';
import { deploymentHandle, listDeployments } from '../../temporal/deployments';
import { invalidInput } from '../errors';
import { formatTable } from '../output';
import { examples, type Wrap } from './verb';

export function registerHistory(program: Command, wrap: Wrap): void {
  program
    .command('history')
    .description('past deployments of a service: when, release, strategy, outcome, who started, promoted or aborted')
    .argument('<service>', 'the service')
    .option('--limit <n>', 'how many, newest first', '10')
    .addHelpText('after', examples('sluice history web', 'sluice history web --limit 50 --json'))
    .action(
      wrap(async (context, service: string, options: { limit: string }) => {
        if (!SERVICE_NAME_PATTERN.test(service)) throw invalidInput(`"${service}" is not a service name (lowercase letters, digits and -)`);
        const limit = Number(options.limit);
        if (!Number.isInteger(limit) || limit < 1 || limit > 1000) throw invalidInput('--limit: expected a whole number from 1 to 1000');
        const client = await context.client();
        const rows = await Promise.all(
          (await listDeployments(client, service, { limit })).map(async (row) => {
            const ended = row.status === 'COMPLETED' || row.status === 'FAILED';
            const result: DeployResult | undefined = ended
              ? await deploymentHandle(client, service, row.runId)
                  .result()
                  .catch(() => undefined)
              : undefined;
            const decisions = (result?.decisions ?? [])
              .filter((d) => d.result === 'accepted' && (d.kind === 'promote' || d.kind === 'abort'))
              .map((d) => `${d.kind} by ${d.by}`);
            const { spec: _spec, ...summary } = row;
            return {
              ...summary,
              outcome: result?.outcome ?? row.status.toLowerCase(),
              ...(result?.reason ? { reason: result.reason } : {}),
              decisions,
            };
          }),
        );
        if (rows.length === 0) throw invalidInput(`no deployments of ${service} found`);
        const table = [
          ['STARTED (UTC)', 'RELEASE', 'STRATEGY', 'OUTCOME', 'STARTED BY', 'DECISIONS'],
          ...rows.map((r) => [
            r.startTime.toISOString().slice(0, 19).replace('T', ' '),
            r.release ?? '-',
            r.strategy ?? '-',
            r.outcome,
            r.requestedBy ?? '-',
            r.decisions.join(', ') || '-',
          ]),
        ];
        context.out.result(rows, formatTable(table));
      }),
    );
}

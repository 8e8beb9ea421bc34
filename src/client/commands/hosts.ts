import type { Command } from 'commander';
import { WorkflowNotFoundError } from '@temporalio/client';
import type { KnownHost } from '../../domain';
import { hostsQuery } from '../../shared/messages';
import { hostRegistryWorkflowId } from '../../shared/names';
import { ExitCode } from '../../shared/errors';
import { CliError } from '../errors';
import { formatTable } from '../output';
import { noWorkerMessage, pollers, workerPolling, type Poller } from '../workers';
import { examples, type Wrap } from './verb';

/** A known host and whether a worker polls its task queue now. */
export interface HostRow extends KnownHost {
  polled: boolean;
  pollers: Poller[];
}

export function registerHosts(program: Command, wrap: Wrap): void {
  program
    .command('hosts')
    .description(
      "the fleet's Docker hosts: whether a worker serves each now, its identity, sluice, Docker and nginx versions, the releases it serves",
    )
    .addHelpText('after', examples('sluice hosts', 'sluice hosts --json'))
    .action(
      wrap(async (context) => {
        const client = await context.client();
        const { namespace } = context.settings;
        // The registry answers through a worker: without one, say so at once rather than wait for a query to time out.
        if (!(await workerPolling(client, namespace, context.taskQueue)))
          throw new CliError(ExitCode.unreachable, noWorkerMessage(namespace, context.taskQueue));
        const known = await client.workflow
          .getHandle(hostRegistryWorkflowId(context.taskQueue))
          .query(hostsQuery)
          .catch((error: unknown) => {
            if (error instanceof WorkflowNotFoundError) return [];
            throw error;
          });
        const rows: HostRow[] = await Promise.all(
          known.map(async (host) => {
            const polling = await pollers(client, namespace, host.taskQueue, 'activity');
            return { ...host, polled: polling.length > 0, pollers: polling };
          }),
        );
        if (rows.length === 0) {
          context.out.result(
            [],
            'no fleet host has introduced itself: start a worker with SLUICE_HOST=<name> on each Docker host (docs/fleet.md)',
          );
          return;
        }
        context.out.result(
          rows,
          formatTable([
            ['HOST', 'WORKER', 'IDENTITY', 'SLUICE', 'DOCKER', 'NGINX', 'INTRODUCED (UTC)', 'RELEASES'],
            ...rows.map((row) => [
              row.name,
              row.polled ? 'polling' : 'none',
              row.polled ? row.pollers.map((p) => p.identity).join(', ') : `${row.identity} (last)`,
              row.sluiceVersion,
              row.dockerVersion,
              row.nginxVersion ?? '-',
              row.seenAt.slice(0, 19).replace('T', ' '),
              Object.entries(row.releases ?? {})
                .map(([service, release]) => `${service} ${release}`)
                .join('; ') || '-',
            ]),
          ]),
        );
      }),
    );
}

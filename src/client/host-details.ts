/**
 * What each running host of a fleet deployment shows now: the fleet keeps its hosts' states and
 * gates, not their traffic, so `sluice status` asks each host's own deployment (a query, no history).
 */
import type { Client } from '@temporalio/client';
import type { DeploymentStatus, HostLive, HostStatus } from '../domain';
import { statusQuery } from '../shared/messages';
import { hostDeploymentWorkflowId } from '../shared/names';

/** States in which a host's deployment runs, and so answers for its status. */
const RUNNING: ReadonlySet<HostStatus['state']> = new Set(['deploying', 'ready', 'rollingBack', 'lost']);

/** The fleet's status with each running host's weights, health and step; a host that does not answer within `timeoutMs` is shown without. */
export async function withHostDetails(client: Client, status: DeploymentStatus, timeoutMs = 3000): Promise<DeploymentStatus> {
  if (!status.hosts) return status;
  const hosts = await Promise.all(
    status.hosts.map(async (host) => {
      if (!RUNNING.has(host.state)) return host;
      const handle = client.workflow.getHandle(hostDeploymentWorkflowId(status.service, host.name));
      const own = await client.connection.withDeadline(Date.now() + timeoutMs, () => handle.query(statusQuery)).catch(() => undefined);
      return own ? { ...host, live: liveOf(own) } : host;
    }),
  );
  return { ...status, hosts };
}

export function liveOf(status: DeploymentStatus): HostLive {
  const replicas = Object.values(status.replicas);
  const healthy = replicas.reduce((sum, r) => sum + r.healthy.length, 0);
  const running = replicas.reduce((sum, r) => sum + r.running.length, 0);
  return {
    weights: status.weights,
    healthy: `${healthy}/${running}`,
    ...(status.step ? { step: `${status.step.number}/${status.step.total}${status.step.rollback ? ' (rollback)' : ''}` } : {}),
  };
}

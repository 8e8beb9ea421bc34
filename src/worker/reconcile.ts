/**
 * The reconciler: containers sluice labelled that nothing owns any more. A
 * service's containers belong to its running deployment if there is one;
 * otherwise only the replicas its router table sends traffic to are in use,
 * and every other container of the service is an orphan (left by a crash
 * outside sluice's control, a deleted workflow, a manual `docker start`...).
 * Run at worker start (reported) and by `sluice doctor` (removed with --fix).
 */
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import type { ContainerRuntime, ReplicaInfo, TrafficRouter } from '../activities/ports';
import { deploymentWorkflowId } from '../shared/names';

export interface Orphan {
  name: string;
  service: string;
  release: string;
  slot: number;
  state: string;
  reason: string;
}

export interface ReconcileDeps {
  runtime: ContainerRuntime;
  router: TrafficRouter;
  client: Client;
  /** Every service that has sluice containers on this Docker host. */
  services: () => Promise<string[]>;
}

async function deploymentRunning(client: Client, service: string): Promise<boolean> {
  try {
    return (await client.workflow.getHandle(deploymentWorkflowId(service)).describe()).status.name === 'RUNNING';
  } catch (error) {
    if (error instanceof WorkflowNotFoundError) return false;
    throw error;
  }
}

export async function findOrphans(deps: ReconcileDeps): Promise<Orphan[]> {
  const orphans: Orphan[] = [];
  for (const service of await deps.services()) {
    if (await deploymentRunning(deps.client, service)) continue;
    const table = await deps.router.read(service);
    const routed = (replica: ReplicaInfo) =>
      replica.state === 'running' && !!table?.peers.some((peer) => peer.release === replica.release && peer.slot === replica.slot && (table.weights[peer.release] ?? 0) > 0);
    for (const replica of await deps.runtime.listReplicas(service)) {
      if (routed(replica)) continue;
      const reason = replica.state === 'running' ? 'runs, but no deployment is running and the router sends it no traffic' : `is ${replica.state} and no deployment is running`;
      orphans.push({ name: replica.name, service, release: replica.release, slot: replica.slot, state: replica.state, reason });
    }
  }
  return orphans;
}

export async function removeOrphans(runtime: ContainerRuntime, orphans: Orphan[], gracePeriodMs = 10_000): Promise<void> {
  const signal = new AbortController().signal;
  for (const orphan of orphans) await runtime.removeReplica(orphan.name, gracePeriodMs, signal);
}

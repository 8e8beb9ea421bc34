/**
 * The reconciler: containers sluice labelled that nothing owns any more. A
 * service's containers belong to its running deployment if there is one;
 * otherwise only the replicas its router table sends traffic to are in use,
 * and every other container of the service is an orphan (left by a crash
 * outside sluice's control, a deleted workflow, a manual `docker start`...),
 * except the releases a `failed` deployment's report names: those are left for
 * a person (the old release's stopped replicas, to restart by hand).
 * Run at worker start (reported) and by `sluice doctor` (removed with --fix).
 */
import { WorkflowFailedError, WorkflowNotFoundError, type Client } from '@temporalio/client';
import type { ContainerRuntime, ReplicaInfo, TrafficRouter } from '../activities/ports';
import { deploymentHandle, listDeployments } from '../temporal/deployments';
import type { DeployResult } from '../shared/messages';

export interface Orphan {
  name: string;
  service: string;
  release: string;
  slot: number;
  state: string;
  reason: string;
}

/** What the reconciler needs to know of a service's deployments. */
export interface DeploymentState {
  running: boolean;
  /** Releases a deployment that ended `failed` names in its report: left for a person (to restart or finish), never removed here. */
  held: string[];
}

/** A service's deployment state; undefined when it cannot be read (e.g. its payloads are encrypted with a key this process lacks). */
export type DeploymentStates = (service: string) => Promise<DeploymentState | undefined>;

export interface ReconcileDeps {
  runtime: ContainerRuntime;
  router: TrafficRouter;
  deployments: DeploymentStates;
  /** Every service that has sluice containers on this Docker host. */
  services: () => Promise<string[]>;
}

/**
 * A service's state from its deployments, newest first: running if the newest runs; otherwise the
 * releases the newest deployment with a result names when it ended `failed`. Runs without a result
 * (refused before they touched anything, or terminated) are passed over: a deploy refused for a typo
 * after a failed one must not release what the failed one left for a person.
 */
export async function stateFrom(running: boolean, results: Iterable<() => Promise<DeployResult | undefined>>): Promise<DeploymentState> {
  if (running) return { running: true, held: [] };
  for (const read of results) {
    const result = await read();
    if (!result) continue;
    return {
      running: false,
      held: result.outcome === 'failed' ? [result.stableRelease, result.targetRelease].filter((r): r is string => !!r) : [],
    };
  }
  return { running: false, held: [] };
}

/** How many past runs of a service the reconciler reads, looking for the latest one with a result. */
const RUNS_LOOKED_AT = 20;

/** Deployment states from Temporal: whether `deploy/<service>` runs now, and its past runs' results. */
export function deploymentStates(client: Client): DeploymentStates {
  return async (service) => {
    try {
      const running = await deploymentHandle(client, service)
        .describe()
        .then((d) => d.status.name === 'RUNNING');
      const runs = running ? [] : await listDeployments(client, service, { limit: RUNS_LOOKED_AT });
      const results = runs.map(
        (run) => () =>
          deploymentHandle(client, service, run.runId)
            .result()
            .catch((error: unknown) => {
              if (error instanceof WorkflowFailedError) return undefined; // refused before it touched anything, or terminated
              throw error;
            }),
      );
      return await stateFrom(running, results);
    } catch (error) {
      if (error instanceof WorkflowNotFoundError) return { running: false, held: [] };
      if (/Unknown encoding/.test((error as Error).message)) return undefined;
      throw error;
    }
  };
}

export async function findOrphans(deps: ReconcileDeps): Promise<Orphan[]> {
  const orphans: Orphan[] = [];
  for (const service of await deps.services()) {
    const state = await deps.deployments(service);
    // Unknown state (unreadable) or a running deployment: its containers are not ours to judge.
    if (!state || state.running) continue;
    const table = await deps.router.read(service);
    const routed = (replica: ReplicaInfo) =>
      replica.state === 'running' &&
      !!table?.peers.some(
        (peer) => peer.release === replica.release && peer.slot === replica.slot && (table.weights[peer.release] ?? 0) > 0,
      );
    for (const replica of await deps.runtime.listReplicas(service)) {
      if (routed(replica) || state.held.includes(replica.release)) continue;
      const reason =
        replica.state === 'running'
          ? 'runs, but no deployment is running and the router sends it no traffic'
          : `is ${replica.state} and no deployment is running`;
      orphans.push({ name: replica.name, service, release: replica.release, slot: replica.slot, state: replica.state, reason });
    }
  }
  return orphans;
}

/**
 * Removes the orphans a worker of this host provably made; keeps (and returns) the others: a
 * container from an image that carries sluice's labels, made by hand, or made before containers
 * carried a proof, is a person's to remove, volumes and all.
 */
export async function removeOrphans(
  runtime: ContainerRuntime,
  orphans: Orphan[],
  gracePeriodMs = 10_000,
): Promise<{ removed: Orphan[]; kept: Orphan[] }> {
  const signal = new AbortController().signal;
  const removed: Orphan[] = [];
  const kept: Orphan[] = [];
  for (const orphan of orphans) {
    if (!(await runtime.madeBySluice(orphan.name))) {
      kept.push(orphan);
      continue;
    }
    await runtime.removeReplica(orphan.name, gracePeriodMs, signal);
    removed.push(orphan);
  }
  return { removed, kept };
}

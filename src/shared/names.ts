/**
 * Names shared by the workflow, the activities, the worker and the CLI. Pure:
 * no Node APIs and no Temporal runtime imports, so workflow code may use it.
 */

/** The task queue sluice's workers poll unless SLUICE_TASK_QUEUE says otherwise. */
export const DEFAULT_TASK_QUEUE = 'sluice-deployments';

/**
 * A host's own task queue: the activities that touch its Docker Engine and its nginx run there and
 * only there. Workflows stay on the shared queue, which every worker polls, so a deployment goes on
 * when a host's worker is gone.
 */
export function hostTaskQueue(taskQueue: string, host: string): string {
  return `${taskQueue}@${host}`;
}

/** A host's name (SLUICE_HOST): a DNS label, as it becomes part of a task queue name. */
export const HOST_NAME_PATTERN = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;

/**
 * The hosts of a fleet (the workers sharing a task queue): a workflow, on that queue, every host's
 * worker introduces itself to when it starts.
 */
export function hostRegistryWorkflowId(taskQueue: string): string {
  return `sluice-hosts/${taskQueue}`;
}

/** One deployment per service: the workflow id is the lock. */
export function deploymentWorkflowId(service: string): string {
  return `deploy/${service}`;
}

/** One host's deployment within a fleet deployment of the service (a child of deploy/<service>). */
export function hostDeploymentWorkflowId(service: string, host: string): string {
  return `deploy/${service}@${host}`;
}

/** Search attributes sluice upserts, so the Web UI and `sluice history` can filter. */
export const SEARCH_ATTRIBUTE_NAMES = {
  service: 'SluiceService',
  release: 'SluiceRelease',
  strategy: 'SluiceStrategy',
  phase: 'SluicePhase',
} as const;

/** All are keywords: exact-match filters, not full-text. */
export const SEARCH_ATTRIBUTE_TYPE = 'Keyword';

/** Docker labels on every container sluice starts; listing by them finds a service's replicas. */
export const LABELS = {
  managedBy: 'dev.sluice.managed-by',
  service: 'dev.sluice.service',
  release: 'dev.sluice.release',
  slot: 'dev.sluice.slot',
  deployment: 'dev.sluice.deployment',
  image: 'dev.sluice.image',
  /** The release's health settings as JSON: how to probe the replica, whichever spec is deploying. */
  health: 'dev.sluice.health',
  /** A keyed hash of the container's identity: proves a sluice worker of this host made it (an image's labels cannot). */
  proof: 'dev.sluice.proof',
} as const;

export const MANAGED_BY_VALUE = 'sluice';

/**
 * Deterministic container name, so a retried start finds the container the first attempt made.
 * `_` separates the parts because neither a service name nor a release id can hold one: with
 * `-`, service `api-v1` release `2-3-…` and service `api` release `v1-2-3-…` had the same name.
 * Names are only where a container is looked for: whose it is, its labels say, and sluice
 * checks them before it adopts, stops or removes one.
 */
export function replicaName(service: string, release: string, slot: number): string {
  return `sluice_${service}_${release}_${slot}`;
}

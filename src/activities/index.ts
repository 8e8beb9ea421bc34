/**
 * createActivities(deps): the activity object a worker registers, built from
 * adapters that implement the ports. The workflow sees only its type.
 */
import { createMigrationActivities } from './migrate';
import { createObserveActivities } from './observe';
import { createPlanActivities } from './plan';
import type { ContainerRuntime, HealthProber, MigrationRunner, SecretDigester, SecretResolver, TrafficRouter } from './ports';
import { createReplicaActivities, type ReplicaActivityOptions } from './replicas';
import { createRoutingActivities } from './routing';

export interface ActivityDeps {
  runtime: ContainerRuntime;
  router: TrafficRouter;
  prober: HealthProber;
  migrations: MigrationRunner;
  secrets: SecretResolver;
  secretDigester: SecretDigester;
}

export function createActivities(deps: ActivityDeps, replicaOptions: ReplicaActivityOptions = {}) {
  return {
    ...createObserveActivities(deps),
    ...createPlanActivities(deps),
    ...createReplicaActivities(deps, replicaOptions),
    ...createRoutingActivities(deps),
    ...createMigrationActivities(deps),
  };
}

export type SluiceActivities = ReturnType<typeof createActivities>;

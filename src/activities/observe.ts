import type { ObservedGroup, ObservedService, ReplicaGroup, Routing } from '../domain';
import type { ContainerRuntime, ReplicaInfo, RoutingTable, TrafficRouter } from './ports';

/** Groups anything that has a release and a slot into release -> sorted slots. */
export function groupSlots(items: Array<{ release: string; slot: number }>): ReplicaGroup[] {
  const groups = new Map<string, number[]>();
  for (const { release, slot } of items) groups.set(release, [...(groups.get(release) ?? []), slot]);
  return [...groups.entries()].map(([release, slots]) => ({ release, slots: slots.sort((a, b) => a - b) }));
}

export function routingFromTable(table: RoutingTable): Routing {
  return { peers: groupSlots(table.peers), weights: table.weights, ...(table.preview ? { preview: table.preview } : {}) };
}

/** Groups replicas by release, with when the oldest of each group was created. */
function observedGroups(replicas: ReplicaInfo[]): ObservedGroup[] {
  return groupSlots(replicas).map((g) => {
    const created = replicas.filter((r) => r.release === g.release && r.createdAt !== undefined).map((r) => r.createdAt!);
    return created.length > 0 ? { ...g, createdAt: Math.min(...created) } : g;
  });
}

function withImages(groups: ObservedGroup[], replicas: ReplicaInfo[]): ObservedService['releases'] {
  return groups.map((g) => ({ ...g, image: replicas.find((r) => r.release === g.release)?.image ?? 'unknown' }));
}

/** What runs now for a service: its replicas by release and state, and the router's table. */
export async function observe(deps: { runtime: ContainerRuntime; router: TrafficRouter }, service: string): Promise<ObservedService> {
  const replicas = await deps.runtime.listReplicas(service);
  const table = await deps.router.read(service);
  const running = replicas.filter((r) => r.state === 'running');
  return {
    releases: withImages(observedGroups(running), running),
    stopped: observedGroups(replicas.filter((r) => r.state !== 'running')),
    ...(table ? { routing: routingFromTable(table) } : {}),
  };
}

export function createObserveActivities(deps: { runtime: ContainerRuntime; router: TrafficRouter }) {
  return {
    /** The planner's input, for deployments that plan in the workflow (those begun before plans were recorded). */
    observeService: (input: { service: string }): Promise<ObservedService> => observe(deps, input.service),
  };
}

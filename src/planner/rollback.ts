/**
 * The compensation plan for the steps a deployment has begun, built from each
 * step's undo (latest first) and ordered for the fastest safe return:
 * 1. restore the stable release's capacity (restart and await stopped replicas);
 * 2. one routing change, back to the routing before the deployment (every
 *    intermediate routing restore is superseded by it, and nothing between
 *    them needs it: undo never stops a replica);
 * 3. remove the new release's replicas, now out of traffic;
 * 4. undo expand migrations, once no new code runs.
 * So an abort with the stable release intact is a single routing change.
 */
import type { PlannedStep, ReplicaGroup, Routing, Step } from '../domain';

/**
 * A routing without some replicas (and the weights and preview of releases left with none). The
 * rollback returns to the routing from before without the replicas it removes (a release deployed
 * again after an unfinished deployment of it may be listed there) and without old replicas that
 * did not turn healthy again.
 */
export function withoutReplicas(routing: Routing, leftOut: ReplicaGroup[]): Routing {
  const out = (release: string, slot: number) => leftOut.some((g) => g.release === release && g.slots.includes(slot));
  const peers = routing.peers
    .map((g) => ({ release: g.release, slots: g.slots.filter((slot) => !out(g.release, slot)) }))
    .filter((g) => g.slots.length > 0);
  const routed = new Set(peers.map((g) => g.release));
  const weights = Object.fromEntries(Object.entries(routing.weights).filter(([release]) => routed.has(release)));
  return { peers, weights, ...(routing.preview && routed.has(routing.preview) ? { preview: routing.preview } : {}) };
}

export function rollbackSteps(begun: PlannedStep[]): Step[] {
  const undo = [...begun].reverse().flatMap((planned) => planned.undo);
  const removals = undo.filter((step): step is Extract<Step, { kind: 'removeReplicas' }> => step.kind === 'removeReplicas');
  const routes = undo.filter((step): step is Extract<Step, { kind: 'route' }> => step.kind === 'route');
  return [
    ...undo.filter((step) => step.kind === 'startReplicas' || step.kind === 'waitHealthy'),
    ...routes.slice(-1).map((step) => ({ ...step, routing: withoutReplicas(step.routing, removals) })),
    ...removals,
    ...undo.filter((step) => step.kind === 'migrate'),
  ];
}

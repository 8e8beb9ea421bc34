/**
 * Traffic activities. Routing is always set as a whole table (absolute
 * weights, the full peer list), so a retry re-applies the same state. Peers
 * that leave the table are drained before the activity returns, so the step
 * after it (stopping them) never cuts a request.
 */
import { Context } from '@temporalio/activity';
import { FailureType } from '../shared/errors';
import { replicaName } from '../shared/names';
import type { Routing } from '../workflows/planner/types';
import { failure } from './failures';
import type { ContainerRuntime, ReleaseTraffic, RouterServiceSettings, RoutedPeer, RoutingTable, TrafficRouter } from './ports';

export interface RouteInput {
  service: string;
  routing: Routing;
  drainTimeoutMs: number;
}

export function createRoutingActivities(deps: { runtime: ContainerRuntime; router: TrafficRouter }) {
  const { runtime, router } = deps;

  /** Turns (release, slot) into the addresses the router needs. A peer that does not run is retried: it may be restarting. */
  async function resolvePeers(service: string, routing: Routing): Promise<RoutedPeer[]> {
    const replicas = await runtime.listReplicas(service);
    return routing.peers.flatMap((group) =>
      group.slots.map((slot) => {
        const replica = replicas.find((r) => r.release === group.release && r.slot === slot);
        if (!replica?.address || replica.state !== 'running') {
          throw failure(FailureType.replicaMissing, `cannot route to ${replicaName(service, group.release, slot)}: it is ${replica ? replica.state : 'missing'}`);
        }
        return { release: group.release, slot, address: replica.address };
      }),
    );
  }

  return {
    prepareRouter: async (input: { service: string; settings: RouterServiceSettings }): Promise<void> => {
      await router.prepare(input.service, input.settings, Context.current().cancellationSignal);
    },

    route: async (input: RouteInput): Promise<{ drained: boolean; inFlight: number }> => {
      const ctx = Context.current();
      const table: RoutingTable = { peers: await resolvePeers(input.service, input.routing), weights: input.routing.weights, ...(input.routing.preview ? { preview: input.routing.preview } : {}) };
      const before = await router.read(input.service);
      await router.apply(input.service, table, ctx.cancellationSignal);
      ctx.heartbeat('applied');
      const kept = new Set(table.peers.map((p) => p.address));
      const leaving = (before?.peers ?? []).map((p) => p.address).filter((address) => !kept.has(address));
      if (leaving.length === 0) return { drained: true, inFlight: 0 };
      return router.drain(input.service, leaving, input.drainTimeoutMs, ctx.cancellationSignal, (inFlight) => ctx.heartbeat({ draining: leaving, inFlight }));
    },

    measureRelease: async (input: { service: string; release: string; sinceMs: number }): Promise<ReleaseTraffic> => {
      return router.traffic(input.service, input.release, input.sinceMs);
    },
  };
}

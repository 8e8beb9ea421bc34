/**
 * Traffic activities. Routing is always set as a whole table (absolute
 * weights, the full peer list), so a retry re-applies the same state. Peers
 * that leave the table are drained before the activity returns, so the step
 * after it (stopping them) never cuts a request.
 */
import { Context } from '@temporalio/activity';
import type { Routing } from '../domain';
import { FailureType } from '../shared/errors';
import { replicaName } from '../shared/names';
import { failure } from './failures';
import type { SecretSource } from '../shared/spec';
import type {
  ContainerRuntime,
  ReleaseTraffic,
  ReplicaInfo,
  RouterServiceSettings,
  RoutedPeer,
  RoutingTable,
  SecretResolver,
  TrafficRouter,
} from './ports';
import { resolveSecret } from './secrets';

export interface RouteInput {
  service: string;
  routing: Routing;
  drainTimeoutMs: number;
  /**
   * Route only to the replicas of `routing` that run now (a rollback: its way back must not
   * wait on, or send traffic to, a replica Docker is restarting). Without it every peer must run.
   */
  onlyRunning?: boolean;
}

/** The router settings as the spec gives them: the preview header's value is a reference the worker resolves. */
export interface RouterSpecSettings extends Omit<RouterServiceSettings, 'preview'> {
  preview?: { listenPort?: number; header?: string; headerValueFrom?: SecretSource };
}

/** Turns (release, slot) into the addresses the router needs. */
function resolvePeers(input: RouteInput, replicas: ReplicaInfo[]): RoutedPeer[] {
  const peers = input.routing.peers.flatMap((group) =>
    group.slots.flatMap((slot) => {
      const replica = replicas.find((r) => r.release === group.release && r.slot === slot);
      if (replica?.address && replica.state === 'running') return [{ release: group.release, slot, address: replica.address }];
      if (input.onlyRunning) return [];
      const name = replicaName(input.service, group.release, slot);
      // Missing cannot heal; restarting, created or paused can: retried until the step's deadline.
      if (!replica) throw failure(FailureType.replicaMissing, `cannot route to ${name}: it is missing`);
      throw failure(FailureType.replicaNotRunning, `cannot route to ${name} yet: it is ${replica.state}`);
    }),
  );
  const wanted = input.routing.peers.reduce((sum, group) => sum + group.slots.length, 0);
  if (peers.length === 0 && wanted > 0)
    throw failure(FailureType.replicaNotRunning, `cannot route ${input.service}: none of its ${wanted} replica(s) to route to runs yet`);
  return peers;
}

export function createRoutingActivities(deps: { runtime: ContainerRuntime; router: TrafficRouter; secrets: SecretResolver }) {
  const { runtime, router } = deps;

  return {
    prepareRouter: async (input: { service: string; settings: RouterSpecSettings }): Promise<void> => {
      const { preview, ...settings } = input.settings;
      const { headerValueFrom, ...shown } = preview ?? {};
      const headerValue = headerValueFrom
        ? await resolveSecret(input.service, headerValueFrom, deps.secrets, 'strategy.preview.headerValueFrom')
        : undefined;
      await router.prepare(
        input.service,
        { ...settings, ...(preview ? { preview: { ...shown, ...(headerValue !== undefined ? { headerValue } : {}) } } : {}) },
        Context.current().cancellationSignal,
      );
    },

    /**
     * Applies the table, then drains every replica of the service that it leaves out. The set to
     * drain is everything running that is not in the table, not the difference with the table
     * before: a retry after a crash between the two sees the new table already applied.
     */
    route: async (input: RouteInput): Promise<{ drained: boolean; inFlight: number }> => {
      const ctx = Context.current();
      const replicas = await runtime.listReplicas(input.service);
      const table: RoutingTable = {
        peers: resolvePeers(input, replicas),
        weights: input.routing.weights,
        ...(input.routing.preview ? { preview: input.routing.preview } : {}),
      };
      const before = await router.read(input.service);
      await router.apply(input.service, table, ctx.cancellationSignal);
      ctx.heartbeat('applied');
      const kept = new Set(table.peers.map((p) => p.address));
      const candidates = [...(before?.peers ?? []).map((p) => p.address), ...replicas.flatMap((r) => (r.address ? [r.address] : []))];
      const leaving = [...new Set(candidates)].filter((address) => !kept.has(address));
      if (leaving.length === 0) return { drained: true, inFlight: 0 };
      return router.drain(input.service, leaving, input.drainTimeoutMs, ctx.cancellationSignal, (inFlight) =>
        ctx.heartbeat({ draining: leaving, inFlight }),
      );
    },

    measureRelease: async (input: { service: string; release: string; sinceMs: number }): Promise<ReleaseTraffic> => {
      return router.traffic(input.service, input.release, input.sinceMs);
    },
  };
}

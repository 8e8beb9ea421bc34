/** The traffic picture of a service, and the ports the router listens on. */
import type { ReplicaGroup } from './release';

/**
 * The whole traffic picture of a service, always set absolutely: which
 * replicas are in the balancer, the weight of each release, and (blue-green)
 * the release the preview route reaches. Weights are relative integers: a
 * release gets weight / sum of traffic, shared round-robin by its replicas.
 */
export interface Routing {
  peers: ReplicaGroup[];
  weights: Record<string, number>;
  preview?: string;
}

/** The ports the router listens on: each service's listeners (traffic and preview), and its own admin port. */
export interface PortClaims {
  services: Record<string, { traffic: number[]; preview?: number }>;
  router: number[];
}

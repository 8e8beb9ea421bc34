/** What runs now, as the workflow's first activity observed it: the planner's starting point. */
import type { ReplicaGroup } from './release';
import type { PortClaims, Routing } from './routing';

/** Replicas of one release as observed, with when the oldest of them was created (epoch ms; absent in older observations). */
export type ObservedGroup = ReplicaGroup & { createdAt?: number };

/** What runs now, as the workflow's first activity observed it. */
export interface ObservedService {
  /** Running replicas, by release. */
  releases: Array<ObservedGroup & { image: string }>;
  /** Containers that exist but do not run (crashed, or stopped by an interrupted deployment). */
  stopped: ObservedGroup[];
  /** The router's current state for the service; absent when the router has never seen it. */
  routing?: Routing;
  /** The ports every service on this router listens on; absent where it was not observed (older deployments). */
  ports?: PortClaims;
}

import type { GateKind } from './plan';

/** What a host's deployment reports to its fleet deployment. */
export interface HostReport {
  host: string;
  /** The release it deploys, once planned. */
  targetRelease?: string;
  /** The release it serves before (with the target, once planned; absent on a first deployment). */
  stableRelease?: string;
  /** The gate it waits at now (the fleet gate once it is ready for the clean-up); absent: none. */
  gate?: HostGate;
  /** True: no worker took its work within hostLostAfter (it waits for one); false: its worker took it again. */
  lost?: boolean;
  /** It began rolling itself back (its own failure, or the fleet's abort). */
  rollingBack?: boolean;
}

/** A gate a host waits at. */
export interface HostGate {
  kind: GateKind;
  /** Which of the host's gates it is (1 for the first it opened): the same gate on every host of a lockstep fleet. */
  number: number;
  /** Whether `sluice promote` answers it (a timer does not, but for a full promotion). */
  promotable: boolean;
  /** A timed gate's duration. */
  durationMs?: number;
}

/** Where a host of a fleet deployment stands, as the fleet's status shows it. */
export interface HostStatus {
  name: string;
  /**
   * `refused`: its deployment was refused before it touched anything (a plan refused, an image it could not pull).
   * `lost`: its worker took no work for hostLostAfter; its deployment waits for the worker and then goes the way the fleet went.
   */
  state: 'waiting' | 'deploying' | 'ready' | 'released' | 'rollingBack' | 'rolledBack' | 'aborted' | 'failed' | 'refused' | 'lost';
  /** The wave it belongs to (1-based). */
  wave: number;
  targetRelease?: string;
  gate?: HostGate;
  reason?: string;
  /** What the host's own deployment shows now, read by `sluice status` from it (the fleet does not keep it). */
  live?: HostLive;
}

/** A running host's traffic, health and step, from its own deployment's status. */
export interface HostLive {
  /** Percent of the host's traffic per release. */
  weights: Record<string, number>;
  /** Healthy of running replicas, over every release: "4/4". */
  healthy: string;
  /** Its step: "3/6". */
  step?: string;
}

/** A Docker host of a fleet, as its worker introduced itself when it started. */
export interface KnownHost {
  /** SLUICE_HOST of the worker serving it. */
  name: string;
  /** The task queue its activities run on (hostTaskQueue). */
  taskQueue: string;
  /** The Temporal identity of the worker that last introduced the host (pid@machine). */
  identity: string;
  sluiceVersion: string;
  /** The Docker Engine's version, or what stopped the worker from asking it. */
  dockerVersion: string;
  /** nginx's version (`nginx -v`), or what stopped the worker from asking it. */
  nginxVersion?: string;
  /**
   * The release each service serves on the host: what ran when its worker started, then what each
   * fleet deployment left serving there (a service mid-deployment at the start lists both releases).
   */
  releases?: Record<string, string>;
  /** When the worker started (ISO 8601): the host's last introduction. */
  seenAt: string;
}

/**
 * What the activities need from the world, as interfaces. The docker, nginx,
 * http and knex adapters implement them; tests substitute fakes. A second
 * router (HAProxy, Traefik) or runtime (Podman) is a new adapter, not a change
 * to activities or workflows.
 *
 * Every method that can take long accepts an AbortSignal: activity
 * cancellation (abort, progress deadline) reaches Docker, fetch and SQL.
 */
import type { MigrationDirection, PortClaims, ResolvedImage } from '../domain';
import type { HealthSpec, MigrationsSpec, PullPolicy } from '../shared/spec';

export type ReplicaState = 'created' | 'running' | 'restarting' | 'paused' | 'exited' | 'dead' | 'removing';
export type DockerHealth = 'healthy' | 'unhealthy' | 'starting' | 'none';

export interface ReplicaInfo {
  name: string;
  service: string;
  release: string;
  slot: number;
  image: string;
  deployment: string;
  state: ReplicaState;
  /** host:port where the router (on the same host) reaches the replica; only while it runs. */
  address?: string;
  health: DockerHealth;
  /** The health settings of the release, recorded on the container when it was created (absent on older containers). */
  healthCheck?: HealthSpec;
  /** When Docker created the container (epoch ms). */
  createdAt?: number;
}

/** Everything needed to create one replica. Secrets are already resolved into env here, in the worker. */
export interface ReplicaSpec {
  service: string;
  release: string;
  slot: number;
  deployment: string;
  /** The image as the spec names it (labels). */
  image: string;
  /** What the container is created from when the worker resolved it (a digest or an image id). */
  pinnedImage?: string;
  port: number;
  env: Record<string, string>;
  command?: string[];
  memoryBytes?: number;
  cpus?: number;
  stopGracePeriodMs: number;
  /** Recorded on the container, so the release is always probed with its own settings (a rollback runs under a newer spec). */
  health?: HealthSpec;
}

/** How to get an image: the spec's pull policy, and whether a failed pull may fall back to the host's copy (the implicit `always`). */
export interface PullOptions {
  policy: PullPolicy;
  localFallback: boolean;
}

export interface ContainerRuntime {
  /**
   * Resolves an image reference to the content that will run, pulling as the policy says:
   * `always` pulls (a moved tag brings the new image), `missing` pulls only when the host has
   * none, `never` uses the host's copy or fails.
   */
  resolveImage(image: string, options: PullOptions, signal: AbortSignal, onProgress?: () => void): Promise<ResolvedImage>;
  /**
   * Makes sure the image is present locally (pulling it when missing). A pull
   * calls `onProgress` whenever the registry sends data, so the activity can
   * heartbeat through a long pull and still notice one that has stalled.
   */
  ensureImage(image: string, signal: AbortSignal, onProgress?: () => void): Promise<void>;
  /** Creates the replica if no container has its name, starts it if it is not running. Idempotent. */
  startReplica(spec: ReplicaSpec, signal: AbortSignal): Promise<ReplicaInfo>;
  /** Starts an existing, stopped replica again (rollback of a stop). */
  restartReplica(name: string, signal: AbortSignal): Promise<ReplicaInfo>;
  listReplicas(service: string): Promise<ReplicaInfo[]>;
  /** SIGTERM, wait up to the grace period, then SIGKILL. The container is kept. Missing or stopped: no-op. */
  stopReplica(name: string, gracePeriodMs: number, signal: AbortSignal): Promise<void>;
  /** Stops (gracefully) and removes. Missing: no-op. */
  removeReplica(name: string, gracePeriodMs: number, signal: AbortSignal): Promise<void>;
  /** The last lines the replica printed, for failure reports. */
  logs(name: string, lines: number): Promise<string>;
  /**
   * Whether a worker of this host made the container: its proof label matches its name and
   * labels under the host's key. Labels alone prove nothing (an image can carry them).
   */
  madeBySluice(name: string): Promise<boolean>;
}

export interface RoutedPeer {
  release: string;
  slot: number;
  address: string;
}

/** The router's view of a service: peers with addresses, release weights, preview release. */
export interface RoutingTable {
  peers: RoutedPeer[];
  weights: Record<string, number>;
  preview?: string;
}

export interface RouterServiceSettings {
  listenPort: number;
  /** More listeners for the same traffic (moving a service to a new port without a cut). */
  extraListenPorts?: number[];
  /** `headerValue`: the secret value the preview header must carry (resolved on the worker, never in Temporal). */
  preview?: { listenPort?: number; header?: string; headerValue?: string };
}

export interface ReleaseTraffic {
  requests: number;
  errors: number;
  p99Ms?: number;
}

export interface TrafficRouter {
  /** Installs the service's static config (listener, balancer hook) if it differs; validated before it goes live. */
  prepare(service: string, settings: RouterServiceSettings, signal: AbortSignal): Promise<void>;
  /** Sets the whole table; returns once the router confirms it serves exactly this table. */
  apply(service: string, table: RoutingTable, signal: AbortSignal): Promise<void>;
  /** The table the router serves now; undefined when it has never seen the service. */
  read(service: string): Promise<RoutingTable | undefined>;
  /** The ports the router listens on, by service, and its own. */
  claims(): Promise<PortClaims>;
  /** Waits until no request is in flight to these peers (they are already out of the table), up to timeoutMs; onWait reports progress. */
  drain(
    service: string,
    addresses: string[],
    timeoutMs: number,
    signal: AbortSignal,
    onWait?: (inFlight: number) => void,
  ): Promise<{ drained: boolean; inFlight: number }>;
  /** Requests answered by a release since a moment (epoch ms), from the router's own records. */
  traffic(service: string, release: string, sinceMs: number): Promise<ReleaseTraffic>;
}

export interface ProbeResult {
  ok: boolean;
  status?: number;
  error?: string;
  latencyMs: number;
  at: string;
}

export interface HealthProber {
  probe(url: string, expectStatus: number, timeoutMs: number, signal: AbortSignal): Promise<ProbeResult>;
}

export interface MigrationReport {
  direction: MigrationDirection;
  applied: string[];
}

export interface MigrationRun {
  service: string;
  /** The deployment (workflow id/run id): rollbackExpand undoes only what this deployment's expand applied. */
  deployment: string;
  direction: MigrationDirection;
  settings: MigrationsSpec;
}

export interface MigrationRunner {
  run(run: MigrationRun, onProgress: (detail: string) => void, signal: AbortSignal): Promise<MigrationReport>;
}

/** A secret's value, or why the service may not have it (not granted, missing, not a regular file). */
export type SecretLookup = { value: string } | { problem: string };

/**
 * Resolves a service's secret references on the worker, within what the worker's operator
 * granted that service; values never travel through Temporal.
 */
export interface SecretResolver {
  fromEnv(service: string, name: string): SecretLookup;
  fromFile(service: string, path: string): Promise<SecretLookup>;
}

/**
 * A keyed hash of secret values, computed on the worker with a key it keeps: a rotated secret
 * changes it (a new release), and neither the values nor an unkeyed hash of them reach Temporal.
 */
export interface SecretDigester {
  digest(values: Record<string, string>): string;
}

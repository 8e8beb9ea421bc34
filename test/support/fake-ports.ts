/**
 * In-memory implementations of the activity ports, for unit tests of the
 * activities themselves (the workflow tests fake whole activities instead).
 */
import type {
  ContainerRuntime,
  HealthProber,
  ProbeResult,
  ReleaseTraffic,
  ReplicaInfo,
  ReplicaSpec,
  RouterServiceSettings,
  RoutingTable,
  SecretResolver,
  TrafficRouter,
} from '../../src/activities/ports';
import type { PortClaims, ResolvedImage } from '../../src/domain';
import { replicaName } from '../../src/shared/names';

export function replica(release: string, slot: number, extra: Partial<ReplicaInfo> = {}): ReplicaInfo {
  return {
    name: replicaName('web', release, slot),
    service: 'web',
    release,
    slot,
    image: `app:${release}`,
    deployment: 'd',
    state: 'running',
    address: `127.0.0.1:${20000 + slot}`,
    health: 'none',
    ...extra,
  };
}

/** A container runtime whose listing the test sets (or scripts: one listing per call, the last one repeating). */
export class FakeRuntime implements ContainerRuntime {
  listings: ReplicaInfo[][];
  constructor(...listings: ReplicaInfo[][]) {
    this.listings = listings.length > 0 ? listings : [[]];
  }
  /** How many times the replicas were listed. */
  listCalls = 0;
  async listReplicas(): Promise<ReplicaInfo[]> {
    this.listCalls++;
    return this.listings.length > 1 ? this.listings.shift()! : this.listings[0]!;
  }
  /** The images resolved (pulled or looked up), in order. */
  resolved: string[] = [];
  /** The images made present before replicas were created, in order. */
  ensured: string[] = [];
  async ensureImage(image: string): Promise<void> {
    this.ensured.push(image);
  }
  async resolveImage(image: string): Promise<ResolvedImage> {
    this.resolved.push(image);
    return { reference: image, pinned: image, id: `id-of-${image}`, source: 'local' };
  }
  /** The specs of the replicas created, and the names of those restarted, in order. */
  created: ReplicaSpec[] = [];
  restarted: string[] = [];
  async startReplica(spec: ReplicaSpec): Promise<ReplicaInfo> {
    this.created.push(spec);
    return replica(spec.release, spec.slot, {
      name: replicaName(spec.service, spec.release, spec.slot),
      service: spec.service,
      image: spec.image,
      deployment: spec.deployment,
    });
  }
  async restartReplica(name: string): Promise<ReplicaInfo> {
    this.restarted.push(name);
    const found = this.listings.flat().find((r) => r.name === name);
    if (!found) throw new Error(`no container ${name}`);
    return { ...found, state: 'running' };
  }
  /** Names of the containers stopped and removed, in order, and the grace period each was given. */
  stopped: string[] = [];
  removed: string[] = [];
  graces: number[] = [];
  async stopReplica(name: string, gracePeriodMs: number): Promise<void> {
    this.stopped.push(name);
    this.graces.push(gracePeriodMs);
  }
  async removeReplica(name: string, gracePeriodMs: number): Promise<void> {
    this.removed.push(name);
    this.graces.push(gracePeriodMs);
  }
  /** What every container printed last. */
  containerOutput = '';
  async logs(): Promise<string> {
    return this.containerOutput;
  }
  /** Containers no worker made (an image's labels, a hand-made one): every other one is proven sluice's. */
  notMadeBySluice = new Set<string>();
  async madeBySluice(name: string): Promise<boolean> {
    return !this.notMadeBySluice.has(name);
  }
}

/** What a fake probe answers: up or down (503), or the result's fields (an error, a status). */
export type ProbeAnswer = boolean | Partial<Omit<ProbeResult, 'at' | 'latencyMs'>>;

/**
 * A prober that answers by URL, taking `delayMs`, and records what it was asked (with the timeout
 * and the signal it was given) and how many probes ran at once. An answer may be a promise: a probe
 * that hangs until the signal aborts, say.
 */
export class FakeProber implements HealthProber {
  readonly urls: string[] = [];
  readonly calls: Array<{ url: string; expectStatus: number; timeoutMs: number; signal: AbortSignal }> = [];
  maxConcurrent = 0;
  private running = 0;
  constructor(
    private readonly answer: (url: string, signal: AbortSignal) => ProbeAnswer | Promise<ProbeAnswer> = () => true,
    private readonly delayMs = 0,
  ) {}
  async probe(url: string, expectStatus: number, timeoutMs: number, signal: AbortSignal): Promise<ProbeResult> {
    this.urls.push(url);
    this.calls.push({ url, expectStatus, timeoutMs, signal });
    this.running++;
    this.maxConcurrent = Math.max(this.maxConcurrent, this.running);
    try {
      await new Promise((resolve) => setTimeout(resolve, this.delayMs));
      const answer = await this.answer(url, signal);
      const fields = typeof answer === 'boolean' ? { ok: answer, status: answer ? expectStatus : 503 } : { ok: false, ...answer };
      return { ...fields, latencyMs: this.delayMs, at: new Date().toISOString() };
    } finally {
      this.running--;
    }
  }
}

/** A probe answer that never comes: it rejects with the signal's reason when the caller aborts (as fetch does). */
export function hangUntilAborted(signal: AbortSignal): Promise<never> {
  return new Promise((_, reject) => {
    if (signal.aborted) return reject(signal.reason as Error);
    signal.addEventListener('abort', () => reject(signal.reason as Error), { once: true });
  });
}

/** Secrets from a map of the worker's environment, every name granted to every service (none by default); no files. */
export function fakeSecrets(env: Record<string, string | undefined> = {}): SecretResolver {
  return {
    fromEnv: (_service, name) =>
      env[name] !== undefined ? { value: env[name] } : { problem: `the worker has no environment variable ${name}` },
    fromFile: async (_service, file) => ({ problem: `the worker has no file ${file}` }),
  };
}

/**
 * A router that keeps the table (and settings) it is given; a drain reports `inFlightWhileDraining`
 * through its callback, then `drainResult` (by default: drained, nothing in flight).
 */
export class FakeRouter implements TrafficRouter {
  table: RoutingTable | undefined;
  prepared: RouterServiceSettings | undefined;
  drained: string[][] = [];
  drainTimeouts: number[] = [];
  inFlightWhileDraining: number[] = [];
  drainResult = { drained: true, inFlight: 0 };
  /** Every table applied, in order. */
  applied: RoutingTable[] = [];
  trafficAnswer: ReleaseTraffic = { requests: 0, errors: 0 };
  trafficAsked: Array<{ service: string; release: string; sinceMs: number }> = [];
  constructor(table?: RoutingTable) {
    this.table = table;
  }
  async prepare(_service: string, settings: RouterServiceSettings): Promise<void> {
    this.prepared = settings;
  }
  async apply(_service: string, table: RoutingTable): Promise<void> {
    this.table = table;
    this.applied.push(table);
  }
  async read(): Promise<RoutingTable | undefined> {
    return this.table;
  }
  async drain(
    _service: string,
    addresses: string[],
    timeoutMs: number,
    _signal: AbortSignal,
    onWait?: (inFlight: number) => void,
  ): Promise<{ drained: boolean; inFlight: number }> {
    this.drained.push(addresses);
    this.drainTimeouts.push(timeoutMs);
    for (const inFlight of this.inFlightWhileDraining) onWait?.(inFlight);
    return this.drainResult;
  }
  async claims(): Promise<PortClaims> {
    return { services: {}, router: [] };
  }
  async traffic(service: string, release: string, sinceMs: number): Promise<ReleaseTraffic> {
    this.trafficAsked.push({ service, release, sinceMs });
    return this.trafficAnswer;
  }
}

/**
 * In-memory implementations of the activity ports, for unit tests of the
 * activities themselves (the workflow tests fake whole activities instead).
 */
import type { ContainerRuntime, HealthProber, ProbeResult, ReplicaInfo, RouterServiceSettings, RoutingTable, SecretResolver, TrafficRouter } from '../../src/activities/ports';
import type { PortClaims, ResolvedImage } from '../../src/domain';
import { replicaName } from '../../src/shared/names';

export function replica(release: string, slot: number, extra: Partial<ReplicaInfo> = {}): ReplicaInfo {
  return { name: replicaName('web', release, slot), service: 'web', release, slot, image: `app:${release}`, deployment: 'd', state: 'running', address: `127.0.0.1:${20000 + slot}`, health: 'none', ...extra };
}

/** A container runtime whose listing the test sets (or scripts: one listing per call, the last one repeating). */
export class FakeRuntime implements ContainerRuntime {
  listings: ReplicaInfo[][];
  constructor(...listings: ReplicaInfo[][]) {
    this.listings = listings.length > 0 ? listings : [[]];
  }
  async listReplicas(): Promise<ReplicaInfo[]> {
    return this.listings.length > 1 ? this.listings.shift()! : this.listings[0]!;
  }
  /** The images resolved (pulled or looked up), in order. */
  resolved: string[] = [];
  async ensureImage(): Promise<void> {}
  async resolveImage(image: string): Promise<ResolvedImage> {
    this.resolved.push(image);
    return { reference: image, pinned: image, id: `id-of-${image}`, source: 'local' };
  }
  async startReplica(): Promise<ReplicaInfo> {
    throw new Error('not used');
  }
  async restartReplica(): Promise<ReplicaInfo> {
    throw new Error('not used');
  }
  /** Names of the containers stopped and removed, in order. */
  stopped: string[] = [];
  removed: string[] = [];
  async stopReplica(name: string): Promise<void> {
    this.stopped.push(name);
  }
  async removeReplica(name: string): Promise<void> {
    this.removed.push(name);
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

/** A prober that answers by URL, taking `delayMs`, and records what it was asked and how many probes ran at once. */
export class FakeProber implements HealthProber {
  readonly urls: string[] = [];
  maxConcurrent = 0;
  private running = 0;
  constructor(
    private readonly answer: (url: string) => boolean = () => true,
    private readonly delayMs = 0,
  ) {}
  async probe(url: string, expectStatus: number): Promise<ProbeResult> {
    this.urls.push(url);
    this.running++;
    this.maxConcurrent = Math.max(this.maxConcurrent, this.running);
    await new Promise((resolve) => setTimeout(resolve, this.delayMs));
    this.running--;
    const ok = this.answer(url);
    return { ok, status: ok ? expectStatus : 503, latencyMs: this.delayMs, at: new Date().toISOString() };
  }
}

/** Secrets from a map of the worker's environment, every name granted to every service (none by default); no files. */
export function fakeSecrets(env: Record<string, string | undefined> = {}): SecretResolver {
  return {
    fromEnv: (_service, name) => (env[name] !== undefined ? { value: env[name] } : { problem: `the worker has no environment variable ${name}` }),
    fromFile: async (_service, file) => ({ problem: `the worker has no file ${file}` }),
  };
}

/** A router that keeps the table (and settings) it is given and reports no requests in flight. */
export class FakeRouter implements TrafficRouter {
  table: RoutingTable | undefined;
  prepared: RouterServiceSettings | undefined;
  drained: string[][] = [];
  constructor(table?: RoutingTable) {
    this.table = table;
  }
  async prepare(_service: string, settings: RouterServiceSettings): Promise<void> {
    this.prepared = settings;
  }
  async apply(_service: string, table: RoutingTable): Promise<void> {
    this.table = table;
  }
  async read(): Promise<RoutingTable | undefined> {
    return this.table;
  }
  async drain(_service: string, addresses: string[]): Promise<{ drained: boolean; inFlight: number }> {
    this.drained.push(addresses);
    return { drained: true, inFlight: 0 };
  }
  async claims(): Promise<PortClaims> {
    return { services: {}, router: [] };
  }
  async traffic(): Promise<{ requests: number; errors: number }> {
    return { requests: 0, errors: 0 };
  }
}

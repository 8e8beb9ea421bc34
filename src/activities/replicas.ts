/**
 * Replica activities: start, wait until healthy, stop, remove. Each finds what
 * an earlier attempt did (deterministic container names) before acting, so a
 * retry after a worker crash converges instead of duplicating.
 */
import { Context } from '@temporalio/activity';
import type { ContainerTemplate } from '../domain';
import { FailureType } from '../shared/errors';
import type { HealthSpec } from '../shared/spec';
import { replicaName } from '../shared/names';
import { failure } from './failures';
import type { ContainerRuntime, HealthProber, ProbeResult, ReplicaInfo, ReplicaSpec, SecretResolver } from './ports';
import { resolveSecrets } from './secrets';
import { sleep } from '../timing/waits';
import { keepHeartbeating } from './timing';

export interface ReplicasInput {
  service: string;
  release: string;
  slots: number[];
}

export interface StartReplicasInput extends ReplicasInput {
  deployment: string;
  /** How to create missing replicas; absent when restarting a release that must already exist (rollback). */
  template?: ContainerTemplate;
  /** The release's health settings, recorded on the containers it creates. */
  health?: HealthSpec;
}

export interface HealthReport {
  healthy: number[];
  /** With `tolerate`: the slots that turned out unhealthy (left out by the caller). */
  unhealthy?: number[];
  probes: number;
}

export interface WaitHealthyInput extends ReplicasInput {
  health: HealthSpec;
  /**
   * A rollback's restart of the old release: a replica that stays unhealthy (one crash-looping
   * container) is reported instead of failing the wait, as long as one replica is healthy.
   */
  tolerate?: boolean;
}

const MEMORY_UNITS: Record<string, number> = { b: 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 };

export function memoryBytes(text: string): number {
  const unit = text.slice(-1).toLowerCase();
  return Number(text.slice(0, -1)) * (MEMORY_UNITS[unit] ?? 1);
}

/** One container listing shared by concurrent callers: many slots watched at once cost one Docker call per moment. */
function sharedListing(list: () => Promise<ReplicaInfo[]>): () => Promise<ReplicaInfo[]> {
  let inFlight: Promise<ReplicaInfo[]> | undefined;
  return () => {
    inFlight ??= list().finally(() => {
      inFlight = undefined;
    });
    return inFlight;
  };
}

function ofRelease(replicas: ReplicaInfo[], release: string, slots: number[]): Map<number, ReplicaInfo> {
  return new Map(replicas.filter((r) => r.release === release && slots.includes(r.slot)).map((r) => [r.slot, r]));
}

/** What a health wait has seen of one slot; heartbeated, so a retry resumes from it. */
interface SlotProgress {
  successes: number;
  failures: number;
}

export interface HealthProgress {
  /** When the first attempt began: the start period counts from here, across retries. */
  startedAt: number;
  slots: Record<number, SlotProgress>;
}

export interface ReplicaActivityOptions {
  /** How often waitHealthy heartbeats, whatever the probe interval (tests shorten it). */
  heartbeatEveryMs?: number;
  /**
   * Whether an unhealthy replica's last log lines go into its failure. A worker that encrypts
   * payloads withholds them: the SDK logs failures in clear, and container output can hold
   * anything the app was given, its secrets included.
   */
  containerLogs?: 'attach' | 'withhold';
}

interface ReplicaDeps {
  runtime: ContainerRuntime;
  prober: HealthProber;
  secrets: SecretResolver;
}

export function createReplicaActivities(deps: ReplicaDeps, options: ReplicaActivityOptions = {}) {
  const { runtime } = deps;
  return {
    startReplicas: (input: StartReplicasInput): Promise<ReplicaInfo[]> => startReplicas(deps, input),
    waitHealthy: (input: WaitHealthyInput): Promise<HealthReport> => waitHealthy(deps, options, input),
    stopReplicas: (input: ReplicasInput & { gracePeriodMs: number }): Promise<void> =>
      eachLabelled(runtime, input, 'stopped', (name, signal) => runtime.stopReplica(name, input.gracePeriodMs, signal)),
    removeReplicas: (input: ReplicasInput & { gracePeriodMs: number }): Promise<void> =>
      eachLabelled(runtime, input, 'removed', (name, signal) => runtime.removeReplica(name, input.gracePeriodMs, signal)),
  };
}

// ---------------------------------------------------------------- start

/** Keeps each running replica, restarts a stopped one, creates a missing one from the template. */
async function startReplicas(deps: ReplicaDeps, input: StartReplicasInput): Promise<ReplicaInfo[]> {
  const ctx = Context.current();
  const existing = ofRelease(await deps.runtime.listReplicas(input.service), input.release, input.slots);
  const missing = input.slots.filter((slot) => !existing.has(slot));
  const create = await replicaCreator(deps, input, missing, ctx);
  const started: ReplicaInfo[] = [];
  for (const slot of input.slots) {
    started.push(await startSlot(deps.runtime, existing.get(slot), () => create(slot), ctx.cancellationSignal));
    ctx.heartbeat({ started: started.map((r) => r.slot) });
  }
  return started;
}

async function startSlot(
  runtime: ContainerRuntime,
  found: ReplicaInfo | undefined,
  create: () => Promise<ReplicaInfo>,
  signal: AbortSignal,
): Promise<ReplicaInfo> {
  if (!found) return create();
  if (found.state === 'running') return found;
  return runtime.restartReplica(found.name, signal);
}

/**
 * How the release's missing replicas are created: its secrets resolved and its image made present
 * once, before the first container. A rollback's restart has no template: a missing replica then
 * cannot be recreated here.
 */
async function replicaCreator(
  deps: ReplicaDeps,
  input: StartReplicasInput,
  missing: number[],
  ctx: Context,
): Promise<(slot: number) => Promise<ReplicaInfo>> {
  const { template } = input;
  if (!template) {
    if (missing.length > 0) {
      throw failure(
        FailureType.replicaMissing,
        `release ${input.release} has no container for slot(s) ${missing.join(',')} and cannot be recreated here (removed outside sluice?); deploy it again`,
      );
    }
    return () => Promise.reject(new Error('no template to create a replica from'));
  }
  const env = { ...template.env, ...(await resolveSecrets(input.service, template.secrets, deps.secrets)) };
  const image = template.pinnedImage ?? template.image;
  if (missing.length > 0) await deps.runtime.ensureImage(image, ctx.cancellationSignal, () => ctx.heartbeat({ pulling: image }));
  return (slot) => deps.runtime.startReplica(replicaSpec(input, template, slot, env), ctx.cancellationSignal);
}

function replicaSpec(input: StartReplicasInput, template: ContainerTemplate, slot: number, env: Record<string, string>): ReplicaSpec {
  return {
    service: input.service,
    release: input.release,
    slot,
    deployment: input.deployment,
    image: template.image,
    ...(template.pinnedImage ? { pinnedImage: template.pinnedImage } : {}),
    port: template.port,
    env,
    command: template.command ?? undefined,
    memoryBytes: template.resources?.memory ? memoryBytes(template.resources.memory) : undefined,
    cpus: template.resources?.cpus,
    stopGracePeriodMs: template.stopGracePeriod,
    ...(input.health ? { health: input.health } : {}),
  };
}

// ---------------------------------------------------------------- stop, remove

/**
 * Acts on the containers labelled with this service, release and slot, found by those labels:
 * never one that merely has the name (another service's, or none of sluice's), and every one so
 * labelled (one made under an earlier name scheme included). Heartbeats each slot done.
 */
async function eachLabelled(
  runtime: ContainerRuntime,
  input: ReplicasInput,
  done: 'stopped' | 'removed',
  act: (name: string, signal: AbortSignal) => Promise<void>,
): Promise<void> {
  const ctx = Context.current();
  const found = await runtime.listReplicas(input.service);
  for (const slot of input.slots) {
    for (const replica of found.filter((r) => r.release === input.release && r.slot === slot))
      await act(replica.name, ctx.cancellationSignal);
    ctx.heartbeat({ [done]: slot });
  }
}

// ---------------------------------------------------------------- wait until healthy

/** What one health wait works with: the ports, its options, and the slots' progress (heartbeated). */
interface HealthWait {
  deps: ReplicaDeps;
  options: ReplicaActivityOptions;
  input: WaitHealthyInput;
  progress: HealthProgress;
  replicasNow: () => Promise<ReplicaInfo[]>;
  signal: AbortSignal;
  probes: number;
}

/**
 * Probes every slot at once, each at its own interval, until each has `healthyThreshold`
 * successes in a row; fails a slot after `unhealthyThreshold` failures in a row (failures
 * inside the start period do not count), or at once when its container has exited.
 * Each replica is probed with the health settings recorded on its container (the
 * release's own), else with `input.health`. Heartbeats every few seconds whatever the
 * interval, carrying the counts, so a retry resumes instead of starting over.
 */
async function waitHealthy(deps: ReplicaDeps, options: ReplicaActivityOptions, input: WaitHealthyInput): Promise<HealthReport> {
  const ctx = Context.current();
  const stopped = new AbortController();
  const wait: HealthWait = {
    deps,
    options,
    input,
    progress: resumedProgress(input.slots, ctx.info.heartbeatDetails as Partial<HealthProgress> | undefined),
    replicasNow: sharedListing(() => deps.runtime.listReplicas(input.service)),
    signal: AbortSignal.any([ctx.cancellationSignal, stopped.signal]),
    probes: 0,
  };
  const stopHeartbeats = keepHeartbeating(ctx, () => wait.progress, options.heartbeatEveryMs);
  const setAside = new Map<number, unknown>();
  try {
    await Promise.all(
      input.slots.map((slot) =>
        watchSlot(wait, slot).catch((error: unknown) => {
          // Tolerating: an unhealthy replica is set aside; anything else (cancellation, Docker trouble) still fails.
          if (input.tolerate && (error as { type?: string }).type === FailureType.replicaUnhealthy) return void setAside.set(slot, error);
          // Otherwise the first slot to fail stops the others' probes; its failure is the activity's.
          stopped.abort(error);
          throw error;
        }),
      ),
    );
  } finally {
    stopHeartbeats();
  }
  const healthy = input.slots.filter((slot) => !setAside.has(slot));
  if (healthy.length === 0) throw setAside.values().next().value;
  return { healthy, ...(setAside.size > 0 ? { unhealthy: [...setAside.keys()].sort((a, b) => a - b) } : {}), probes: wait.probes };
}

/** The counts an earlier attempt heartbeated, else a fresh start now. */
function resumedProgress(slots: number[], resumed: Partial<HealthProgress> | undefined): HealthProgress {
  const counts = (slot: number): SlotProgress => ({
    successes: resumed?.slots?.[slot]?.successes ?? 0,
    failures: resumed?.slots?.[slot]?.failures ?? 0,
  });
  return {
    startedAt: typeof resumed?.startedAt === 'number' ? resumed.startedAt : Date.now(),
    slots: Object.fromEntries(slots.map((slot) => [slot, counts(slot)])),
  };
}

/** Checks one slot until it is healthy (returns) or unhealthy (throws). */
async function watchSlot(wait: HealthWait, slot: number): Promise<void> {
  const { input } = wait;
  const state = wait.progress.slots[slot]!;
  let recent: ProbeResult[] = [];
  for (;;) {
    const replica = ofRelease(await wait.replicasNow(), input.release, [slot]).get(slot);
    if (!replica) {
      throw failure(
        FailureType.replicaMissing,
        `replica ${replicaName(input.service, input.release, slot)} disappeared while waiting for it to become healthy`,
      );
    }
    const health = replica.healthCheck ?? input.health;
    if (state.successes >= health.healthyThreshold) return;
    if (replica.state === 'exited' || replica.state === 'dead') await unhealthy(wait, replica, `its container is ${replica.state}`, recent);
    const result = await check(wait.deps.prober, replica, health, wait.signal);
    if (result) {
      wait.probes++;
      recent = [...recent, result].slice(-5);
      count(state, result, Date.now() - wait.progress.startedAt >= health.startPeriod);
      if (state.failures >= health.unhealthyThreshold) {
        await unhealthy(
          wait,
          replica,
          `${state.failures} failed checks in a row, last: ${result.error ?? `status ${result.status}`}`,
          recent,
        );
      }
      if (state.successes >= health.healthyThreshold) return;
    }
    await sleep(health.interval, wait.signal);
  }
}

/** A success extends the streak and clears failures; a failure after the start period breaks the streak and counts. */
function count(state: SlotProgress, result: ProbeResult, pastStartPeriod: boolean): void {
  if (result.ok) {
    state.successes++;
    state.failures = 0;
  } else if (pastStartPeriod) {
    state.successes = 0;
    state.failures++;
  }
}

async function unhealthy(wait: HealthWait, replica: ReplicaInfo, why: string, recent: ProbeResult[]): Promise<never> {
  const logs =
    wait.options.containerLogs === 'withhold'
      ? `(not attached: this worker encrypts payloads, and container output stays on the host: docker logs ${replica.name})`
      : await wait.deps.runtime.logs(replica.name, 20).catch((error: Error) => `(logs unavailable: ${error.message})`);
  throw failure(FailureType.replicaUnhealthy, `replica ${replica.name} is unhealthy: ${why}`, {
    replica: replica.name,
    recentProbes: recent,
    lastLogLines: logs,
  });
}

/** One look at a replica: an HTTP probe, Docker's own verdict, or (not running) a failed check; undefined while Docker's check is still undecided. */
async function check(
  prober: HealthProber,
  replica: ReplicaInfo,
  health: HealthSpec,
  signal: AbortSignal,
): Promise<ProbeResult | undefined> {
  const at = new Date().toISOString();
  // Docker restarting a crashed container, or one not started yet: a failed check that can heal, not a verdict.
  if (replica.state !== 'running' || !replica.address) return { ok: false, error: `its container is ${replica.state}`, latencyMs: 0, at };
  if (health.useDockerHealthcheck) {
    if (replica.health === 'none') {
      throw failure(
        FailureType.replicaUnhealthy,
        `image ${replica.image} has no HEALTHCHECK: set health.path instead of health.useDockerHealthcheck`,
      );
    }
    if (replica.health === 'starting') return undefined;
    return dockerHealth(replica);
  }
  return prober.probe(`http://${replica.address}${health.path}`, health.expectStatus, health.timeout, signal);
}

/** The container's own HEALTHCHECK verdict, as a probe result. */
function dockerHealth(replica: ReplicaInfo): ProbeResult {
  const ok = replica.health === 'healthy';
  return { ok, ...(ok ? {} : { error: `docker health is ${replica.health}` }), latencyMs: 0, at: new Date().toISOString() };
}

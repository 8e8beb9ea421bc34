/**
 * Replica activities: start, wait until healthy, stop, remove. Each finds what
 * an earlier attempt did (deterministic container names) before acting, so a
 * retry after a worker crash converges instead of duplicating.
 */
import { Context } from '@temporalio/activity';
import { FailureType } from '../shared/errors';
import type { HealthSpec } from '../shared/spec';
import type { ContainerTemplate } from '../workflows/planner/release';
import { replicaName } from '../shared/names';
import { failure } from './failures';
import type { ContainerRuntime, HealthProber, ProbeResult, ReplicaInfo, SecretResolver } from './ports';
import { resolveSecrets } from './secrets';

export interface ReplicasInput {
  service: string;
  release: string;
  slots: number[];
}

export interface StartReplicasInput extends ReplicasInput {
  deployment: string;
  /** How to create missing replicas; absent when restarting a release that must already exist (rollback). */
  template?: ContainerTemplate;
}

export interface HealthReport {
  healthy: number[];
  probes: number;
}

const MEMORY_UNITS: Record<string, number> = { b: 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 };

export function memoryBytes(text: string): number {
  const unit = text.slice(-1).toLowerCase();
  return Number(text.slice(0, -1)) * (MEMORY_UNITS[unit] ?? 1);
}

function ofRelease(replicas: ReplicaInfo[], release: string, slots: number[]): Map<number, ReplicaInfo> {
  return new Map(replicas.filter((r) => r.release === release && slots.includes(r.slot)).map((r) => [r.slot, r]));
}

interface SlotHealth {
  successes: number;
  failures: number;
  recent: ProbeResult[];
}

export function createReplicaActivities(deps: { runtime: ContainerRuntime; prober: HealthProber; secrets: SecretResolver }) {
  const { runtime, prober } = deps;

  async function unhealthy(replica: ReplicaInfo, why: string, recent: ProbeResult[]): Promise<never> {
    const logs = await runtime.logs(replica.name, 20).catch((error: Error) => `(logs unavailable: ${error.message})`);
    throw failure(FailureType.replicaUnhealthy, `replica ${replica.name} is unhealthy: ${why}`, { replica: replica.name, recentProbes: recent, lastLogLines: logs });
  }

  return {
    startReplicas: async (input: StartReplicasInput): Promise<ReplicaInfo[]> => {
      const ctx = Context.current();
      const existing = ofRelease(await runtime.listReplicas(input.service), input.release, input.slots);
      const missing = input.slots.filter((slot) => !existing.has(slot));
      const { template } = input;
      if (missing.length > 0 && !template) {
        throw failure(FailureType.replicaMissing, `release ${input.release} has no container for slot(s) ${missing.join(',')} and cannot be recreated here (removed outside sluice?); deploy it again`);
      }
      const env = template ? { ...template.env, ...(await resolveSecrets(template.secrets, deps.secrets)) } : {};
      if (template && missing.length > 0) await runtime.ensureImage(template.image, ctx.cancellationSignal, () => ctx.heartbeat({ pulling: template.image }));
      const started: ReplicaInfo[] = [];
      for (const slot of input.slots) {
        const found = existing.get(slot);
        const info = found
          ? found.state === 'running'
            ? found
            : await runtime.restartReplica(found.name, ctx.cancellationSignal)
          : await runtime.startReplica(
              {
                service: input.service,
                release: input.release,
                slot,
                deployment: input.deployment,
                image: template!.image,
                port: template!.port,
                env,
                command: template!.command ?? undefined,
                memoryBytes: template!.resources?.memory ? memoryBytes(template!.resources.memory) : undefined,
                cpus: template!.resources?.cpus,
                stopGracePeriodMs: template!.stopGracePeriod,
              },
              ctx.cancellationSignal,
            );
        started.push(info);
        ctx.heartbeat({ started: started.map((r) => r.slot) });
      }
      return started;
    },

    /**
     * Probes until every slot has `healthyThreshold` successes in a row; fails
     * a slot after `unhealthyThreshold` failures in a row (failures inside the
     * start period do not count), or at once when its container exits.
     */
    waitHealthy: async (input: ReplicasInput & { health: HealthSpec }): Promise<HealthReport> => {
      const ctx = Context.current();
      const { health } = input;
      const startedAt = Date.now();
      const state = new Map<number, SlotHealth>(input.slots.map((slot) => [slot, { successes: 0, failures: 0, recent: [] }]));
      let probes = 0;
      for (;;) {
        const replicas = ofRelease(await runtime.listReplicas(input.service), input.release, input.slots);
        for (const slot of input.slots) {
          const replica = replicas.get(slot);
          const slotState = state.get(slot)!;
          if (slotState.successes >= health.healthyThreshold) continue;
          if (!replica) throw failure(FailureType.replicaMissing, `replica ${replicaName(input.service, input.release, slot)} disappeared while waiting for it to become healthy`);
          if (replica.state !== 'running' || !replica.address) await unhealthy(replica, `its container is ${replica.state}`, slotState.recent);
          if (health.useDockerHealthcheck && replica.health === 'none') {
            throw failure(FailureType.replicaUnhealthy, `image ${replica.image} has no HEALTHCHECK: set health.path instead of health.useDockerHealthcheck`);
          }
          // Docker's "starting" is undecided: it counts neither way.
          if (health.useDockerHealthcheck && replica.health === 'starting') continue;
          const result = health.useDockerHealthcheck ? dockerHealth(replica) : await prober.probe(`http://${replica.address}${health.path}`, health.expectStatus, health.timeout, ctx.cancellationSignal);
          probes++;
          slotState.recent = [...slotState.recent, result].slice(-5);
          if (result.ok) {
            slotState.successes++;
            slotState.failures = 0;
          } else if (Date.now() - startedAt >= health.startPeriod) {
            slotState.successes = 0;
            slotState.failures++;
            if (slotState.failures >= health.unhealthyThreshold) {
              await unhealthy(replica, `${slotState.failures} failed checks in a row, last: ${result.error ?? `status ${result.status}`}`, slotState.recent);
            }
          }
        }
        const healthy = input.slots.filter((slot) => state.get(slot)!.successes >= health.healthyThreshold);
        ctx.heartbeat({ healthy, probes });
        if (healthy.length === input.slots.length) return { healthy, probes };
        await ctx.sleep(health.interval);
      }
    },

    stopReplicas: async (input: ReplicasInput & { gracePeriodMs: number }): Promise<void> => {
      const ctx = Context.current();
      for (const slot of input.slots) {
        await runtime.stopReplica(replicaName(input.service, input.release, slot), input.gracePeriodMs, ctx.cancellationSignal);
        ctx.heartbeat({ stopped: slot });
      }
    },

    removeReplicas: async (input: ReplicasInput & { gracePeriodMs: number }): Promise<void> => {
      const ctx = Context.current();
      for (const slot of input.slots) {
        await runtime.removeReplica(replicaName(input.service, input.release, slot), input.gracePeriodMs, ctx.cancellationSignal);
        ctx.heartbeat({ removed: slot });
      }
    },
  };
}

/** The container's own HEALTHCHECK verdict, as a probe result. */
function dockerHealth(replica: ReplicaInfo): ProbeResult {
  const ok = replica.health === 'healthy';
  return { ok, ...(ok ? {} : { error: `docker health is ${replica.health}` }), latencyMs: 0, at: new Date().toISOString() };
}

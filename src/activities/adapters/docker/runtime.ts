/**
 * ContainerRuntime on Docker Engine through dockerode. The engine is found the
 * way the docker CLI finds it (DOCKER_HOST, DOCKER_TLS_VERIFY, DOCKER_CERT_PATH;
 * tcp://, https:// or ssh://), or the local socket.
 *
 * Replicas publish their port on the engine host's loopback only: the router
 * runs on the same host and nothing else should reach a replica directly.
 */
import Docker from 'dockerode';
import net from 'node:net';
import type { ResolvedImage } from '../../../domain';
import { FailureType } from '../../../shared/errors';
import { LABELS, MANAGED_BY_VALUE, replicaName } from '../../../shared/names';
import { provenanceHolds, provenanceProof } from './provenance';
import type { HealthSpec } from '../../../shared/spec';
import { failure } from '../../failures';
import type { ContainerRuntime, DockerHealth, PullOptions, ReplicaInfo, ReplicaSpec, ReplicaState } from '../../ports';
import { sleep } from '../../../timing/waits';
import { demuxLogs } from './logs';
import { registryAuthFor } from './registry-auth';

export interface DockerRuntimeOptions {
  /** Host address replica ports are published on; the router connects there. */
  publishHost?: string;
  /** Where to read registry credentials (a docker config.json); defaults to $DOCKER_CONFIG or ~/.docker. */
  dockerConfigDir?: string;
  /** The host's key for the containers' proof label; without it, no container is proven sluice's. */
  provenanceKey?: Buffer;
}

interface DockerError {
  statusCode?: number;
  message?: string;
}

const statusOf = (error: unknown) => (error as DockerError)?.statusCode;

const PULL_ATTEMPTS = 3;

/** A port free on the publish address right now (the kernel's pick among ephemeral ports). */
function freeLoopbackPort(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, host, () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

function healthFromStatus(status: string): DockerHealth {
  if (status.includes('(healthy)')) return 'healthy';
  if (status.includes('(unhealthy)')) return 'unhealthy';
  if (status.includes('(health: starting)')) return 'starting';
  return 'none';
}

/** `registry/team/app:tag@digest` -> `registry/team/app`: the name Docker lists repository digests under. */
function repositoryOf(image: string): string {
  const withoutDigest = image.split('@')[0]!;
  const lastSlash = withoutDigest.lastIndexOf('/');
  const colon = withoutDigest.indexOf(':', lastSlash + 1);
  return colon === -1 ? withoutDigest : withoutDigest.slice(0, colon);
}

/** The registry digest Docker recorded for this image's repository: present once it was pulled from, or pushed to, it. */
function repositoryDigest(image: string, info: Docker.ImageInspectInfo): string | undefined {
  const repository = repositoryOf(image);
  return (info.RepoDigests ?? []).find((reference) => reference.split('@')[0] === repository);
}

const fromRegistry = (image: string, info: Docker.ImageInspectInfo) => repositoryDigest(image, info) !== undefined;

/** The content id, and the reference to create containers from: the registry digest of this repository, else (never pushed) the id. */
function resolved(image: string, info: Docker.ImageInspectInfo, source: ResolvedImage['source']): ResolvedImage {
  return { reference: image, pinned: repositoryDigest(image, info) ?? info.Id, id: info.Id, source };
}

/** The health settings recorded on a container; a label that does not parse counts as absent (the spec's settings apply). */
function recordedHealthCheck(labels: Record<string, string>): { healthCheck?: HealthSpec } {
  const text = labels[LABELS.health];
  if (!text) return {};
  try {
    const value = JSON.parse(text) as HealthSpec;
    return typeof value === 'object' && value !== null && typeof value.interval === 'number' ? { healthCheck: value } : {};
  } catch {
    return {};
  }
}

export class DockerRuntime implements ContainerRuntime {
  private readonly publishHost: string;

  constructor(
    private readonly docker: Docker = new Docker(),
    private readonly options: DockerRuntimeOptions = {},
  ) {
    this.publishHost = options.publishHost ?? '127.0.0.1';
  }

  async ensureImage(image: string, signal: AbortSignal, onProgress?: () => void): Promise<void> {
    if (await this.imageInfo(image)) return;
    const error = await this.pull(image, signal, onProgress, PULL_ATTEMPTS);
    if (error !== undefined) throw this.notFound(image, error);
  }

  async resolveImage(image: string, options: PullOptions, signal: AbortSignal, onProgress?: () => void): Promise<ResolvedImage> {
    const local = await this.imageInfo(image);
    if (options.policy === 'never' || (options.policy === 'missing' && local)) {
      if (!local)
        throw failure(
          FailureType.imageNotFound,
          `image ${image} is not on the Docker host and pull is "never": build or load it on the host, or set pull: missing`,
        );
      return resolved(image, local, 'local');
    }
    // The implicit `always` (a :latest or untagged image) of an image that exists only on this host (built or
    // loaded here, never pulled from its registry) tries once, then uses it. A copy that came from the registry
    // is never used in place of a failed pull: it may be the stale content of a tag that moved.
    const fallback = options.localFallback && local && !fromRegistry(image, local) ? local : undefined;
    const error = await this.pull(image, signal, onProgress, fallback ? 1 : PULL_ATTEMPTS);
    if (error !== undefined) {
      if (!fallback) throw this.notFound(image, error);
      return {
        ...resolved(image, fallback, 'local'),
        note: `image ${image} could not be pulled (${error}), so the copy built or loaded on this host runs; set pull: missing to skip the pull, or pull: always to require it`,
      };
    }
    const pulled = await this.imageInfo(image);
    if (!pulled) throw this.notFound(image, 'the pull finished but Docker does not have it');
    return resolved(image, pulled, 'pulled');
  }

  private async imageInfo(image: string): Promise<Docker.ImageInspectInfo | undefined> {
    try {
      return await this.docker.getImage(image).inspect();
    } catch (error) {
      if (statusOf(error) === 404) return undefined;
      throw error;
    }
  }

  /** Pulls with the worker's registry credentials; a few quick attempts absorb a registry blip. Resolves with the last error, or undefined once pulled. */
  private async pull(
    image: string,
    signal: AbortSignal,
    onProgress: (() => void) | undefined,
    attempts: number,
  ): Promise<string | undefined> {
    const authconfig = await registryAuthFor(image, this.options.dockerConfigDir);
    let lastError = '';
    for (let attempt = 1; attempt <= attempts; attempt++) {
      try {
        const stream = await this.docker.pull(image, { ...(authconfig ? { authconfig } : {}), abortSignal: signal });
        await new Promise<void>((resolve, reject) =>
          this.docker.modem.followProgress(stream, (error: Error | null) => (error ? reject(error) : resolve()), onProgress),
        );
        return undefined;
      } catch (error) {
        if (signal.aborted) throw error;
        lastError = ((error as DockerError).message ?? String(error)).replace(/^\(HTTP code \d+\) [a-z ]+ - /, '').trim();
        if (attempt < attempts) await sleep(1000 * attempt, signal);
      }
    }
    return lastError;
  }

  /** After the attempts, a missing image is a person's problem, not a retry's. */
  private notFound(image: string, why: string) {
    return failure(
      FailureType.imageNotFound,
      `image ${image} is not on the Docker host and could not be pulled (${why}): check the name and tag, build or load it on the host, or add registry credentials to the worker's docker config.json`,
    );
  }

  async startReplica(spec: ReplicaSpec, signal: AbortSignal): Promise<ReplicaInfo> {
    const name = replicaName(spec.service, spec.release, spec.slot);
    for (let attempt = 1; ; attempt++) {
      let found = await this.inspect(name);
      if (!found) {
        try {
          await this.docker.createContainer({
            ...this.containerConfig(name, spec, await freeLoopbackPort(this.publishHost)),
            abortSignal: signal,
          });
        } catch (error) {
          // 409: an earlier attempt (or a concurrent retry) created it; carry on with that one, if it is this replica.
          if (statusOf(error) !== 409) throw error;
          found = await this.inspect(name);
        }
      }
      this.refuseForeign(name, spec, found);
      try {
        return await this.restartReplica(name, signal);
      } catch (error) {
        if (attempt >= 3 || !(await this.replaceable(name, error))) throw error;
        await this.docker
          .getContainer(name)
          .remove({ force: true })
          .catch(() => undefined);
      }
    }
  }

  /** A container of that name is adopted only if its labels say it is this replica: never another service's. */
  private refuseForeign(name: string, spec: ReplicaSpec, found: (ReplicaInfo & { managed: boolean }) | undefined): void {
    if (!found || (found.managed && found.service === spec.service && found.release === spec.release && found.slot === spec.slot)) return;
    const whose = found.managed ? `replica ${found.slot} of release ${found.release} of service ${found.service}` : 'not a sluice replica';
    throw failure(
      FailureType.containerNameTaken,
      `container ${name} exists and is ${whose}: sluice does not adopt it; rename or remove it if it is not needed`,
    );
  }

  /**
   * A container this start created that Docker will not start is replaced:
   * its host port was taken meanwhile, or the daemon lost part of its state
   * (seen after a daemon restart: the container stays "created" for good).
   * It never ran, so nothing depends on it.
   */
  private async replaceable(name: string, error: unknown): Promise<boolean> {
    const message = String((error as DockerError).message);
    if (/port is already allocated|address already in use/i.test(message)) return true;
    return statusOf(error) === 500 && (await this.inspect(name))?.state === 'created';
  }

  /**
   * The host port is chosen here, not left to Docker: an ephemeral mapping can
   * change when Docker restarts the container (daemon restart, reboot), and the
   * router would keep sending traffic to the old port.
   */
  private containerConfig(name: string, spec: ReplicaSpec, hostPort: number): Docker.ContainerCreateOptions {
    const port = `${spec.port}/tcp`;
    return {
      name,
      Image: spec.pinnedImage ?? spec.image,
      Env: Object.entries(spec.env).map(([key, value]) => `${key}=${value}`),
      ...(spec.command ? { Cmd: spec.command } : {}),
      Labels: {
        [LABELS.managedBy]: MANAGED_BY_VALUE,
        [LABELS.service]: spec.service,
        [LABELS.release]: spec.release,
        [LABELS.slot]: String(spec.slot),
        [LABELS.deployment]: spec.deployment,
        [LABELS.image]: spec.image,
        ...(spec.health ? { [LABELS.health]: JSON.stringify(spec.health) } : {}),
        ...(this.options.provenanceKey
          ? {
              [LABELS.proof]: provenanceProof(this.options.provenanceKey, {
                name,
                service: spec.service,
                release: spec.release,
                slot: String(spec.slot),
              }),
            }
          : {}),
      },
      ExposedPorts: { [port]: {} },
      StopSignal: 'SIGTERM',
      StopTimeout: Math.ceil(spec.stopGracePeriodMs / 1000),
      HostConfig: {
        PortBindings: { [port]: [{ HostIp: this.publishHost, HostPort: String(hostPort) }] },
        // Survives engine restarts and reboots, but not an explicit stop (rollback keeps stopped replicas stopped).
        RestartPolicy: { Name: 'unless-stopped' },
        ...(spec.memoryBytes ? { Memory: spec.memoryBytes } : {}),
        ...(spec.cpus ? { NanoCpus: Math.round(spec.cpus * 1e9) } : {}),
      },
    };
  }

  async restartReplica(name: string, signal: AbortSignal): Promise<ReplicaInfo> {
    try {
      await this.docker.getContainer(name).start({ abortSignal: signal });
    } catch (error) {
      const status = statusOf(error);
      if (status === 404) throw failure(FailureType.replicaMissing, `container ${name} does not exist (removed outside sluice?)`);
      if (status !== 304) throw error; // 304: already running
    }
    const found = await this.inspect(name);
    if (!found) throw failure(FailureType.replicaMissing, `container ${name} vanished right after it started`);
    const { managed: _, ...info } = found;
    return info;
  }

  async listReplicas(service: string): Promise<ReplicaInfo[]> {
    const containers = await this.docker.listContainers({
      all: true,
      filters: { label: [`${LABELS.managedBy}=${MANAGED_BY_VALUE}`, `${LABELS.service}=${service}`] },
    });
    return containers.map((c) => {
      const published =
        c.Ports.find((p) => p.PublicPort !== undefined && p.IP === this.publishHost) ?? c.Ports.find((p) => p.PublicPort !== undefined);
      const state = c.State as ReplicaState;
      return {
        name: (c.Names[0] ?? '').replace(/^\//, ''),
        service,
        release: c.Labels[LABELS.release] ?? 'unknown',
        slot: Number(c.Labels[LABELS.slot] ?? -1),
        image: c.Labels[LABELS.image] ?? c.Image,
        deployment: c.Labels[LABELS.deployment] ?? 'unknown',
        state,
        ...(state === 'running' && published ? { address: `${this.publishHost}:${published.PublicPort}` } : {}),
        health: healthFromStatus(c.Status),
        ...recordedHealthCheck(c.Labels),
        createdAt: c.Created * 1000,
      };
    });
  }

  private async inspect(name: string): Promise<(ReplicaInfo & { managed: boolean }) | undefined> {
    let details: Docker.ContainerInspectInfo;
    try {
      details = await this.docker.getContainer(name).inspect();
    } catch (error) {
      if (statusOf(error) === 404) return undefined;
      throw error;
    }
    const labels = details.Config.Labels ?? {};
    const binding = Object.values(details.NetworkSettings.Ports ?? {})
      .flat()
      .find((b) => b?.HostPort);
    const running = details.State.Running;
    return {
      name,
      service: labels[LABELS.service] ?? 'unknown',
      release: labels[LABELS.release] ?? 'unknown',
      slot: Number(labels[LABELS.slot] ?? -1),
      image: labels[LABELS.image] ?? details.Config.Image,
      deployment: labels[LABELS.deployment] ?? 'unknown',
      state: details.State.Status as ReplicaState,
      ...(running && binding ? { address: `${this.publishHost}:${binding.HostPort}` } : {}),
      health: (details.State.Health?.Status as DockerHealth | undefined) ?? 'none',
      ...recordedHealthCheck(labels),
      createdAt: Date.parse(details.Created),
      managed: labels[LABELS.managedBy] === MANAGED_BY_VALUE,
    };
  }

  async stopReplica(name: string, gracePeriodMs: number, signal: AbortSignal): Promise<void> {
    try {
      await this.docker.getContainer(name).stop({ t: Math.ceil(gracePeriodMs / 1000), abortSignal: signal });
    } catch (error) {
      if (statusOf(error) !== 304 && statusOf(error) !== 404) throw error; // already stopped, or gone
    }
  }

  async removeReplica(name: string, gracePeriodMs: number, signal: AbortSignal): Promise<void> {
    await this.stopReplica(name, gracePeriodMs, signal);
    try {
      await this.docker.getContainer(name).remove({ force: true, v: true, abortSignal: signal });
    } catch (error) {
      // 404: gone already; 409: removal already in progress
      if (statusOf(error) !== 404 && statusOf(error) !== 409) throw error;
    }
  }

  async madeBySluice(name: string): Promise<boolean> {
    const key = this.options.provenanceKey;
    if (!key) return false;
    let labels: Record<string, string>;
    try {
      labels = (await this.docker.getContainer(name).inspect()).Config.Labels ?? {};
    } catch (error) {
      if (statusOf(error) === 404) return false;
      throw error;
    }
    const identity = {
      name,
      service: labels[LABELS.service] ?? '',
      release: labels[LABELS.release] ?? '',
      slot: labels[LABELS.slot] ?? '',
    };
    return labels[LABELS.managedBy] === MANAGED_BY_VALUE && provenanceHolds(key, identity, labels[LABELS.proof]);
  }

  async logs(name: string, lines: number): Promise<string> {
    const buffer = await this.docker.getContainer(name).logs({ stdout: true, stderr: true, tail: lines, follow: false });
    return demuxLogs(buffer);
  }
}

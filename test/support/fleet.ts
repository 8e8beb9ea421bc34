/**
 * A fleet world for the e2e and chaos tests: a test fleet of real hosts (each its own Docker Engine
 * and nginx on its own loopback address, src/stack/fleet.ts), a `sluice worker` process per host
 * started with SLUICE_HOST, HAProxy in front, the fixture images in the test registry, and the CLI.
 */
import Docker from 'dockerode';
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import YAML from 'yaml';
import { underLoad, type LoadSummary } from '../../bench/load/generator';
import { SLUICE_BIN, startWorkerProcess, type WorkerProcess } from '../../bench/worker-process';
import { LABELS } from '../../src/shared/names';
import { fixtureImage } from '../../src/stack/fixtures';
import { startFleet, type FleetHost } from '../../src/stack/fleet';
import { startFrontBalancer, type FrontBalancer } from '../../src/stack/haproxy';
import { stackSettings } from '../../src/stack/settings';
import { dockerConfigFor, pushAs, registryCredentials } from './registry';
import { freePort, getFresh, stackValue, testServiceName } from './stack';
import { collect, type CliRun } from './subprocess';

export type FixtureVersion = 'v1' | 'v2' | 'v3';

export interface FleetWorld {
  hosts: FleetHost[];
  /** The worker process of each host, in the hosts' order. */
  workers: WorkerProcess[];
  front: FrontBalancer;
  service: string;
  /** The CLI in a subprocess, without blocking this process (the load generator runs here). */
  sluice(args: string[]): Promise<CliRun>;
  /**
   * A rolling spec of the service on every host, one host at a time, for the fixture image `version`
   * (pushed to the test registry), with `overrides` (another strategy, other fleet settings).
   */
  spec(version: FixtureVersion, overrides?: Record<string, unknown>): string;
  /** What a host's own nginx answers for the service. */
  answers(host: FleetHost): Promise<string>;
  /** The images (as the specs name them) of the service's containers on a host. */
  imagesOn(host: FleetHost): Promise<Array<string | undefined>>;
  image(version: FixtureVersion): string;
  /** Runs `body` under a steady load through the front balancer (GET and POST, keep-alive and new connections). */
  underLoad(body: () => Promise<void>): Promise<LoadSummary>;
  /** Resolves once every host's worker polls its host's queue (what `sluice hosts` reads). */
  workersPolling(): Promise<void>;
  close(): Promise<void>;
}

/** A host's Docker Engine; `timeoutMs: 0` for a stream that may stay quiet for minutes (events), which a timeout would end. */
export const fleetEngine = (host: FleetHost, timeoutMs = 60_000) =>
  new Docker({ socketPath: host.dockerHost.replace(/^unix:\/\//, ''), ...(timeoutMs > 0 ? { timeout: timeoutMs } : {}) });

/** Pulls `image` from the test registry onto a host's engine, with the registry's credentials. */
export async function pullOnto(host: FleetHost, image: string): Promise<void> {
  const docker = fleetEngine(host);
  await new Promise<void>((resolve, reject) =>
    docker.pull(image, { authconfig: { ...registryCredentials(), serveraddress: stackValue('SLUICE_TEST_REGISTRY') } }, (error, stream) => {
      if (error || !stream) return reject(error instanceof Error ? error : new Error(`pull failed: ${String(error)}`));
      docker.modem.followProgress(stream, (failed: Error | null) => (failed ? reject(failed) : resolve()));
    }),
  );
}

/**
 * Brings the fleet world up. `withoutCredentials` lists hosts whose worker gets no registry
 * credentials: it runs only what its engine already has (v1 and v2 are pulled onto it here).
 * `workerEnv`: more of every worker's environment (a database and its grant).
 */
export async function fleetWorld(
  name: string,
  options: { hosts?: number; withoutCredentials?: string[]; workerEnv?: NodeJS.ProcessEnv } = {},
): Promise<FleetWorld> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-fleet-'));
  const queue = `fleet-${randomUUID()}`;
  const service = testServiceName(name);
  const port = await freePort();
  const hosts = await startFleet(stackSettings(), options.hosts ?? 2);
  const front = await startFrontBalancer(
    path.join(dir, 'haproxy'),
    await freePort(),
    hosts.map((host) => ({ name: host.name, address: host.address, port })),
  );
  const images = {} as Record<FixtureVersion, string>;
  for (const version of ['v1', 'v2', 'v3'] as const)
    images[version] = await pushAs(new Docker(), fixtureImage(version), `${service}:${version}`);
  const withCredentials = dockerConfigFor(stackValue('SLUICE_TEST_REGISTRY'));
  const without = fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-no-credentials-'));
  const workers: WorkerProcess[] = [];
  for (const host of hosts) {
    const credentials = !options.withoutCredentials?.includes(host.name);
    if (!credentials) for (const version of ['v1', 'v2'] as const) await pullOnto(host, images[version]);
    workers.push(
      await startWorkerProcess({
        temporalAddress: stackValue('TEMPORAL_ADDRESS'),
        namespace: stackValue('TEMPORAL_NAMESPACE'),
        nginx: host.nginx,
        extraEnv: {
          SLUICE_TASK_QUEUE: queue,
          SLUICE_HOST: host.name,
          DOCKER_HOST: host.dockerHost,
          DOCKER_CONFIG: credentials ? withCredentials : without,
          SLUICE_PUBLISH_HOST: host.address,
          SLUICE_NGINX_LISTEN_ADDRESS: host.address,
          ...options.workerEnv,
        },
      }),
    );
  }

  const sluice = (args: string[]): Promise<CliRun> =>
    collect(
      spawn(process.execPath, [SLUICE_BIN, ...args], {
        env: { ...process.env, TEMPORAL_ADDRESS: stackValue('TEMPORAL_ADDRESS'), SLUICE_TASK_QUEUE: queue, SLUICE_ACTOR: 'fleet-test' },
        stdio: ['ignore', 'pipe', 'pipe'],
      }),
      300_000,
    );

  const world: FleetWorld = {
    hosts,
    workers,
    front,
    service,
    sluice,
    spec(version, overrides = {}) {
      const file = path.join(dir, `${version}-${randomUUID()}.yaml`);
      fs.writeFileSync(
        file,
        YAML.stringify({
          service,
          image: images[version],
          replicas: 2,
          port: 8080,
          health: { path: '/ready', interval: '200ms', startPeriod: '10s' },
          strategy: { type: 'rolling' },
          traffic: { listenPort: port, drainTimeout: '1s' },
          hosts: hosts.map((host) => host.name),
          fleet: { hostsAtOnce: 1 },
          ...overrides,
        }),
      );
      return file;
    },
    async answers(host) {
      return (await getFresh(`http://${host.address}:${port}/`)).body;
    },
    async imagesOn(host) {
      const containers = await fleetEngine(host).listContainers({ all: true, filters: { label: [`${LABELS.service}=${service}`] } });
      return [...new Set(containers.map((c) => c.Labels[LABELS.image]))].sort();
    },
    image: (version) => images[version],
    underLoad: (body) => underLoad({ url: `${front.url}/`, ratePerSecond: 100, newConnectionShare: 0.3, postShare: 0.3 }, body),
    async workersPolling() {
      for (let tries = 0; ; tries++) {
        const listed = await sluice(['--json', 'hosts']);
        const rows = listed.code === 0 ? (JSON.parse(listed.stdout) as Array<{ polled: boolean }>) : [];
        if (rows.length === hosts.length && rows.every((row) => row.polled)) return;
        if (tries > 150)
          throw new Error(`the hosts' workers did not start: ${listed.stderr}\n${workers.map((w) => w.output()).join('\n')}`);
        await new Promise((resolve) => setTimeout(resolve, 400));
      }
    },
    async close() {
      await front.stop();
      await Promise.all(workers.map((worker) => worker.stop()));
      for (const host of hosts) {
        const containers = await fleetEngine(host).listContainers({ all: true, filters: { label: [`${LABELS.service}=${service}`] } });
        await Promise.all(containers.map((c) => fleetEngine(host).getContainer(c.Id).remove({ force: true })));
      }
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
  await world.workersPolling();
  return world;
}

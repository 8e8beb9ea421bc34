import Docker from 'dockerode';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawn } from 'node:child_process';
import YAML from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SLUICE_BIN, startWorkerProcess, type WorkerProcess } from '../../bench/worker-process';
import { LABELS } from '../../src/shared/names';
import { fixtureImage } from '../../src/stack/fixtures';
import { startFleet, type FleetHost } from '../../src/stack/fleet';
import { startFrontBalancer, type FrontBalancer } from '../../src/stack/haproxy';
import { startLoad, type LoadSummary } from '../../bench/load/generator';
import { stackSettings } from '../../src/stack/settings';
import { isRoot } from '../../src/stack/system';
import { dockerConfigFor, pushAs, registryCredentials } from '../support/registry';
import { freePort, getFresh, stackValue, testServiceName } from '../support/stack';

/**
 * A fleet deployment on a test fleet of real hosts (each its own Docker Engine and nginx on its own
 * loopback address), each served by a `sluice worker` process started with SLUICE_HOST.
 */
const fleetQueue = `fleet-${randomUUID()}`;
const service = testServiceName('fleet');
const workers: WorkerProcess[] = [];
const images: Record<string, string> = {};
let hosts: FleetHost[];
let port: number;
let dir: string;
let front: FrontBalancer;

const engine = (host: FleetHost) => new Docker({ socketPath: host.dockerHost.replace(/^unix:\/\//, ''), timeout: 60_000 });

/** The CLI in a subprocess, without blocking this process (the load generator runs here). */
function sluice(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [SLUICE_BIN, ...args], {
    env: { ...process.env, TEMPORAL_ADDRESS: stackValue('TEMPORAL_ADDRESS'), SLUICE_TASK_QUEUE: fleetQueue, SLUICE_ACTOR: 'e2e' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), 300_000);
  return new Promise((resolve) =>
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    }),
  );
}

function spec(version: string): string {
  const file = path.join(dir, `${version}.yaml`);
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
    }),
  );
  return file;
}

/** Runs `body` under a steady load through the front balancer (GET and POST, keep-alive and new connections). */
async function underLoad(body: () => Promise<void>): Promise<LoadSummary> {
  const load = startLoad({ url: `${front.url}/`, ratePerSecond: 100, newConnectionShare: 0.3, postShare: 0.3 });
  await new Promise((resolve) => setTimeout(resolve, 1000));
  try {
    await body();
  } finally {
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
  return load.stop();
}

async function answers(host: FleetHost): Promise<string> {
  return (await getFresh(`http://${host.address}:${port}/`)).body;
}

/** The images (as the specs name them) of the service's containers on a host. */
async function releasesOn(host: FleetHost): Promise<Array<string | undefined>> {
  const containers = await engine(host).listContainers({ all: true, filters: { label: [`${LABELS.service}=${service}`] } });
  return [...new Set(containers.map((c) => c.Labels[LABELS.image]))].sort();
}

/** Pulls `image` from the test registry onto a host's engine, with the registry's credentials. */
async function pullOnto(host: FleetHost, image: string): Promise<void> {
  const docker = engine(host);
  await new Promise<void>((resolve, reject) =>
    docker.pull(image, { authconfig: { ...registryCredentials(), serveraddress: stackValue('SLUICE_TEST_REGISTRY') } }, (error, stream) => {
      if (error || !stream) return reject(error instanceof Error ? error : new Error(`pull failed: ${String(error)}`));
      docker.modem.followProgress(stream, (failed: Error | null) => (failed ? reject(failed) : resolve()));
    }),
  );
}

describe.skipIf(!isRoot())('a fleet deployment across real hosts', () => {
  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-fleet-'));
    port = await freePort();
    hosts = await startFleet(stackSettings(), 2);
    front = await startFrontBalancer(
      path.join(dir, 'haproxy'),
      await freePort(),
      hosts.map((host) => ({ name: host.name, address: host.address, port })),
    );
    for (const version of ['v1', 'v2', 'v3'] as const)
      images[version] = await pushAs(new Docker(), fixtureImage(version), `${service}:${version}`);
    // host-2's worker has no registry credentials: it runs what its engine has (v1, v2), and cannot pull v3.
    for (const version of ['v1', 'v2']) await pullOnto(hosts[1]!, images[version]!);
    const withCredentials = dockerConfigFor(stackValue('SLUICE_TEST_REGISTRY'));
    const without = fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-no-credentials-'));
    for (const [index, host] of hosts.entries()) {
      workers.push(
        await startWorkerProcess({
          temporalAddress: stackValue('TEMPORAL_ADDRESS'),
          namespace: stackValue('TEMPORAL_NAMESPACE'),
          nginx: host.nginx,
          extraEnv: {
            SLUICE_TASK_QUEUE: fleetQueue,
            SLUICE_HOST: host.name,
            DOCKER_HOST: host.dockerHost,
            DOCKER_CONFIG: index === 0 ? withCredentials : without,
            SLUICE_PUBLISH_HOST: host.address,
            SLUICE_NGINX_LISTEN_ADDRESS: host.address,
          },
        }),
      );
    }
    // Ready once every host's worker polls its host's queue (what `sluice hosts` reads).
    for (let tries = 0; ; tries++) {
      const listed = await sluice(['--json', 'hosts']);
      const rows = listed.code === 0 ? (JSON.parse(listed.stdout) as Array<{ polled: boolean }>) : [];
      if (rows.length === hosts.length && rows.every((row) => row.polled)) break;
      if (tries > 150) throw new Error(`the hosts' workers did not start: ${listed.stderr}\n${workers.map((w) => w.output()).join('\n')}`);
      await new Promise((resolve) => setTimeout(resolve, 400));
    }
  }, 300_000);

  afterAll(async () => {
    await front?.stop();
    await Promise.all(workers.map((worker) => worker.stop()));
    for (const host of hosts ?? []) {
      const containers = await engine(host).listContainers({ all: true, filters: { label: [`${LABELS.service}=${service}`] } });
      await Promise.all(containers.map((c) => engine(host).getContainer(c.Id).remove({ force: true })));
    }
  });

  it('deploys every host, then rolls a new release host by host under load through the front balancer: no request fails, each host serves it, the old release removed', async () => {
    const plan = await sluice(['plan', spec('v1')]);
    expect(plan.code, plan.stderr).toBe(0);
    expect(plan.stdout).toMatch(new RegExp(`^${service} on host-1: \\S+ \\(rolling\\)\n(.*\n)*${service} on host-2: \\S+ \\(rolling\\)\n`));
    const first = await sluice(['deploy', spec('v1'), '--wait']);
    expect(first.code, first.stdout + first.stderr).toBe(0);
    for (const host of hosts) expect(await answers(host)).toContain('hello from v1');

    let second = { code: -1 as number | null, stdout: '', stderr: '' };
    const load = await underLoad(async () => {
      second = await sluice(['deploy', spec('v2'), '--wait']);
    });
    expect(second.code, second.stdout + second.stderr).toBe(0);
    expect(load).toMatchObject({ failed: 0 });
    expect(load.sent).toBeGreaterThan(100);
    // Both releases answered through the balancer while the hosts moved (release ids: v1-…, v2-…).
    expect(
      Object.keys(load.byRelease)
        .map((release) => release.split('-')[0])
        .sort(),
    ).toEqual(['v1', 'v2']);
    for (const host of hosts) {
      expect(await answers(host)).toContain('hello from v2');
      expect(await releasesOn(host)).toEqual([images.v2]);
    }
    const status = JSON.parse((await sluice(['--json', 'status', service])).stdout) as { result: { outcome: string; hosts: unknown[] } };
    expect(status.result.outcome).toBe('released');
    expect(status.result.hosts).toMatchObject([
      { name: 'host-1', state: 'released', wave: 1 },
      { name: 'host-2', state: 'released', wave: 2 },
    ]);
  }, 300_000);

  it('a release the second host cannot run rolls back the first host too, under load with no failed request: every host serves the stable release again', async () => {
    let bad = { code: -1 as number | null, stdout: '', stderr: '' };
    const load = await underLoad(async () => {
      bad = await sluice(['deploy', spec('v3'), '--wait']);
    });
    expect(bad.code, bad.stdout + bad.stderr).toBe(1);
    expect(load).toMatchObject({ failed: 0 });
    expect(bad.stdout + bad.stderr).toMatch(/host-2 was refused: .*v3/);
    for (const host of hosts) {
      expect(await answers(host)).toContain('hello from v2');
      expect(await releasesOn(host)).toEqual([images.v2]);
    }
    const history = JSON.parse((await sluice(['--json', 'history', service])).stdout) as Array<{ outcome: string }>;
    expect(history.map((row) => row.outcome)).toEqual(['rolledBack', 'released', 'released']);
  }, 300_000);
});

/**
 * `sluice dev --hosts N`: a fleet simulated on this machine, to try fleets out. Each host is a
 * Docker Engine and an nginx of its own on a loopback address of its own (the test fleet,
 * src/stack/fleet.ts), served by a `sluice worker` process of its own started with SLUICE_HOST,
 * as on real servers; HAProxy on 127.0.0.1 plays the cloud load balancer in front.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import readline from 'node:readline';
import type { Readable } from 'node:stream';
import { FIXTURE_RELEASES, fixtureImage } from '../stack/fixtures';
import { copyImagesOntoHosts, readFleet, type FleetHost } from '../stack/fleet';
import { startFrontBalancer, type FrontBalancer } from '../stack/haproxy';
import type { StackSettings } from '../stack/settings';
import { readPid, stopDaemon } from '../stack/system';

/** Where the front balancer listens on 127.0.0.1, and each host's listener: the port of examples/specs/fleet-demo.yaml. */
export const DEV_FLEET_PORT = 18100;

const SLUICE_BIN = path.resolve(__dirname, '..', '..', 'bin', 'sluice.js');

export interface DevFleet {
  hosts: FleetHost[];
  front: FrontBalancer;
  /** Resolves once every host's worker has exited. */
  exited: Promise<void>;
  /** Stops the workers (SIGTERM: each finishes its running activities first), then the front balancer. */
  stop(): Promise<void>;
}

/**
 * Starts the workers of the fleet `stack:up --hosts` started, the front balancer, and copies the
 * fixture images onto the hosts' engines (built on this machine's own; no registry needed).
 */
export async function startDevFleet(settings: StackSettings, say: (line: string) => void): Promise<DevFleet> {
  const hosts = readFleet(settings);
  const copied = await copyImagesOntoHosts(
    hosts,
    FIXTURE_RELEASES.map((release) => fixtureImage(release.tag)),
  );
  if (copied.length > 0) say(`sluice dev: copied images onto the hosts: ${copied.join(', ')}`);
  const dir = path.join(settings.stateDir, 'dev-fleet');
  // A front balancer an earlier `sluice dev --hosts` left running (killed with SIGKILL) holds the port.
  if (readPid(path.join(dir, 'haproxy.pid')) !== undefined) await stopDaemon(path.join(dir, 'haproxy.pid'), 'haproxy');
  const front = await startFrontBalancer(
    dir,
    DEV_FLEET_PORT,
    hosts.map((host) => ({ name: host.name, address: host.address, port: DEV_FLEET_PORT })),
  );
  const workers = hosts.map((host) => startHostWorker(host, say));
  const exited = Promise.all(workers.map((worker) => worker.exited)).then(() => undefined);
  return {
    hosts,
    front,
    exited,
    async stop() {
      for (const worker of workers) worker.kill();
      await exited;
      await front.stop();
    },
  };
}

/** The environment of a host's worker: the stack's, with the host's name, Docker Engine, address and nginx. */
export function hostWorkerEnv(host: FleetHost, env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return {
    ...env,
    SLUICE_HOST: host.name,
    DOCKER_HOST: host.dockerHost,
    SLUICE_PUBLISH_HOST: host.address,
    SLUICE_NGINX_LISTEN_ADDRESS: host.address,
    SLUICE_NGINX_PREFIX: host.nginx.prefix,
    SLUICE_NGINX_CONF_DIR: host.nginx.confDir,
    SLUICE_NGINX_CONFIG: host.nginx.configFile,
    SLUICE_NGINX_ADMIN_PORT: String(host.nginx.adminPort),
  };
}

/** A host's `sluice worker` process, its output lines prefixed with the host's name. */
function startHostWorker(host: FleetHost, say: (line: string) => void): { exited: Promise<void>; kill(): void } {
  // A process group of its own: Ctrl-C reaches `sluice dev` alone, which sends each worker one SIGTERM
  // (a second signal would kill a worker that is draining); should `sluice dev` die, its exit kills them.
  const child = spawn(process.execPath, [SLUICE_BIN, 'worker', '--log-format', 'text', '--log-level', 'WARN', '--metrics-port', '0'], {
    env: hostWorkerEnv(host, process.env),
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  const prefix = (stream: Readable) => readline.createInterface({ input: stream }).on('line', (line) => say(`[${host.name}] ${line}`));
  prefix(child.stdout);
  prefix(child.stderr);
  const exited = new Promise<void>((resolve) =>
    child.on('close', (code, signal) => {
      process.off('exit', killOnExit);
      say(`[${host.name}] worker exited (${signal ?? `code ${code}`})`);
      resolve();
    }),
  );
  return {
    exited,
    kill: () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    },
  };
}

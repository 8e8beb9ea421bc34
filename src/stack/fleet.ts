import Docker from 'dockerode';
import fs from 'node:fs';
import path from 'node:path';
import { writeFileAtomically } from '../files/safe-files';
import { dockerAnswers, removeSluiceContainers } from './docker';
import { MissingPrerequisite } from './errors';
import { startNginx, stopNginx } from './nginx';
import type { StackSettings } from './settings';
import { aptInstall, ensureCommands, isRoot, readPid, run, startDaemon, stopDaemon, waitUntil, which } from './system';

/**
 * A test fleet on one machine: each host a Docker Engine of its own (its own data and exec roots,
 * pid file, unix socket and bridge) and an nginx of its own, the host's replicas and listeners on
 * a loopback address of its own (127.0.0.2, 127.0.0.3, ...). What a fleet of servers is to sluice,
 * made of the same real parts: tests never fake a host.
 */
export interface FleetHost {
  /** The name a worker serving this host is started with (SLUICE_HOST). */
  name: string;
  /** Where the host's replicas publish and its nginx listens: 127.0.0.(n + 1). */
  address: string;
  dockerHost: string;
  nginx: { prefix: string; confDir: string; configFile: string; adminPort: number };
}

export const MAX_FLEET_HOSTS = 8;

/** Where the hosts' Docker Engines keep their exec roots and sockets: short paths, one fleet per machine. */
const FLEET_RUN_DIR = '/run/sluice-fleet';

/** The n-th host (1-based) of the fleet: its name, addresses and files, whether it runs or not. */
export function fleetHost(settings: StackSettings, n: number): FleetHost {
  const name = `host-${n}`;
  const dir = hostDir(settings, name);
  const prefix = path.join(dir, 'nginx');
  return {
    name,
    address: `127.0.0.${n + 1}`,
    // Beside the exec root: a unix socket path has 108 bytes, which a deep checkout could exceed.
    dockerHost: `unix://${path.join(FLEET_RUN_DIR, `${name}.sock`)}`,
    nginx: {
      prefix,
      confDir: path.join(prefix, 'conf.d'),
      configFile: path.join(prefix, 'nginx.conf'),
      adminPort: settings.nginx.adminPort + n,
    },
  };
}

function hostDir(settings: StackSettings, name: string): string {
  return path.join(settings.stateDir, 'fleet', name);
}

/** A bridge name fits in an interface name (15 characters); the subnet is the host's own. */
function bridge(n: number): { name: string; gateway: string } {
  return { name: `sluice-fleet${n}`, gateway: `10.231.${n}.1/24` };
}

function dockerFiles(settings: StackSettings, name: string) {
  const dir = hostDir(settings, name);
  // The exec root holds containerd's socket, whose path must stay short (a unix socket path has 108 bytes).
  return {
    dir,
    dataRoot: path.join(dir, 'data'),
    execRoot: path.join(FLEET_RUN_DIR, name),
    pidFile: path.join(dir, 'dockerd.pid'),
    logFile: path.join(dir, 'dockerd.log'),
  };
}

export function fleetFile(settings: StackSettings): string {
  return path.join(settings.stateDir, 'fleet.json');
}

/** The hosts `stack:up --hosts` started, as recorded in fleet.json (none when there is no fleet). */
export function readFleet(settings: StackSettings): FleetHost[] {
  const file = fleetFile(settings);
  return fs.existsSync(file) ? (JSON.parse(fs.readFileSync(file, 'utf8')) as { hosts: FleetHost[] }).hosts : [];
}

/** Starts hosts 1..count (each one reused when it already runs) and records them in fleet.json. Idempotent. */
export async function startFleet(settings: StackSettings, count: number): Promise<FleetHost[]> {
  if (!Number.isInteger(count) || count < 1 || count > MAX_FLEET_HOSTS) {
    throw new MissingPrerequisite(`--hosts ${count} is not a fleet size: use a whole number from 1 to ${MAX_FLEET_HOSTS}`);
  }
  if (!isRoot()) {
    throw new MissingPrerequisite(
      'a test fleet starts Docker Engines of its own, which needs root: run `npm run stack:up -- --hosts N` as root',
    );
  }
  if (!which('dockerd')) aptInstall(['docker.io'], 'Docker Engine is not installed');
  // The front load balancer a fleet's tests put in front of the hosts (haproxy.ts).
  ensureCommands({ haproxy: 'haproxy' }, 'is the front load balancer of a test fleet');
  const hosts: FleetHost[] = [];
  for (let n = 1; n <= count; n++) {
    const host = fleetHost(settings, n);
    await startHostDocker(settings, host, n);
    await startNginx(host.nginx.prefix);
    hosts.push(host);
  }
  writeFileAtomically(fleetFile(settings), `${JSON.stringify({ hosts }, null, 2)}\n`, 0o644);
  return hosts;
}

async function startHostDocker(settings: StackSettings, host: FleetHost, n: number): Promise<void> {
  const docker = new Docker({ socketPath: socketPath(host), timeout: 2000 });
  const files = dockerFiles(settings, host.name);
  if (readPid(files.pidFile) !== undefined && (await dockerAnswers(docker))) return;
  const { name, gateway } = bridge(n);
  if (run('ip', ['link', 'show', name]).status !== 0) {
    for (const args of [
      ['link', 'add', name, 'type', 'bridge'],
      ['addr', 'add', gateway, 'dev', name],
      ['link', 'set', name, 'up'],
    ]) {
      const result = run('ip', args);
      if (result.status !== 0) throw new MissingPrerequisite(`ip ${args.join(' ')} failed: ${result.stderr.trim()}`);
    }
  }
  fs.mkdirSync(files.dataRoot, { recursive: true });
  fs.mkdirSync(FLEET_RUN_DIR, { recursive: true });
  startDaemon(
    'dockerd',
    [
      `--host=${host.dockerHost}`,
      `--data-root=${files.dataRoot}`,
      `--exec-root=${files.execRoot}`,
      `--pidfile=${path.join(files.dir, 'dockerd.own.pid')}`,
      `--bridge=${name}`,
      // Ports published without an address stay on the host's own loopback address.
      `--ip=${host.address}`,
      // Containers of each engine apart, should the engines share a system containerd.
      `--containerd-namespace=sluice-${host.name}`,
      `--containerd-plugins-namespace=sluice-${host.name}-plugins`,
    ],
    files,
  );
  await waitUntil(`dockerd of ${host.name} to answer on ${host.dockerHost}`, () => dockerAnswers(docker), {
    timeoutMs: 60_000,
    logFile: files.logFile,
  });
}

/**
 * Copies images from the stack's own Docker Engine onto each host's (docker save | docker load),
 * skipping a host that has one already: how `sluice dev --hosts` gives a simulated fleet the
 * images built on this machine, with no registry. Returns the images copied, as "image -> host".
 */
export async function copyImagesOntoHosts(hosts: FleetHost[], images: string[], from = new Docker()): Promise<string[]> {
  const copied: string[] = [];
  for (const host of hosts) {
    const engine = new Docker({ socketPath: socketPath(host), timeout: 120_000 });
    for (const image of images) {
      const present = await engine
        .getImage(image)
        .inspect()
        .then(() => true)
        .catch(() => false);
      if (present) continue;
      const archive = await from.getImage(image).get();
      const loading = await engine.loadImage(archive);
      await new Promise<void>((resolve, reject) =>
        engine.modem.followProgress(loading, (error: Error | null) => (error ? reject(error) : resolve())),
      );
      copied.push(`${image} -> ${host.name}`);
    }
  }
  return copied;
}

function socketPath(host: FleetHost): string {
  return host.dockerHost.replace(/^unix:\/\//, '');
}

/** Stops every fleet host this state directory started (their containers removed first), and their bridges. */
export async function stopFleet(settings: StackSettings): Promise<string[]> {
  const stopped: string[] = [];
  const root = path.join(settings.stateDir, 'fleet');
  const names = fs.existsSync(root) ? fs.readdirSync(root).filter((name) => /^host-\d+$/.test(name)) : [];
  for (const name of names) {
    const n = Number(name.slice('host-'.length));
    const host = fleetHost(settings, n);
    await removeSluiceContainers(new Docker({ socketPath: socketPath(host), timeout: 10_000 }));
    const nginxStopped = await stopNginx(host.nginx.prefix);
    const dockerStopped = await stopDaemon(dockerFiles(settings, name).pidFile, `dockerd of ${name}`, 30_000);
    if (run('ip', ['link', 'show', bridge(n).name]).status === 0) run('ip', ['link', 'del', bridge(n).name]);
    fs.rmSync(dockerFiles(settings, name).execRoot, { recursive: true, force: true });
    fs.rmSync(socketPath(host), { force: true });
    if (nginxStopped || dockerStopped) stopped.push(name);
  }
  fs.rmSync(fleetFile(settings), { force: true });
  return stopped;
}

/**
 * A `sluice worker` in a process of its own, with an nginx of its own, on the
 * stack's Temporal and Docker: how the e2e tests and the benchmarks run sluice
 * (a killable process, a measurable RSS, a task queue nobody else uses).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { findNginx, startNginx, stopNginx } from '../src/stack/nginx';

const ROOT = path.resolve(__dirname, '..');
export const SLUICE_BIN = path.join(ROOT, 'bin', 'sluice.js');

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

export interface WorkerProcess {
  /** The environment the worker runs with, and that CLI calls against it need. */
  env: NodeJS.ProcessEnv;
  dir: string;
  pid: () => number | undefined;
  output: () => string;
  /** Starts (or starts again, after kill) the worker process. */
  start(): void;
  /** SIGKILL (a crash) or SIGTERM (a graceful stop); resolves when it has exited. */
  kill(signal: 'SIGKILL' | 'SIGTERM'): Promise<void>;
  stop(): Promise<void>;
}

export async function startWorkerProcess(options: {
  temporalAddress: string;
  namespace: string;
  extraEnv?: NodeJS.ProcessEnv;
  metricsPort?: number;
  /** A running nginx to route with (a fleet host's), instead of one of the worker's own. */
  nginx?: { prefix: string; confDir: string; configFile: string; adminPort: number };
}): Promise<WorkerProcess> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-worker-'));
  const prefix = options.nginx?.prefix ?? path.join(dir, 'nginx');
  const nginx = options.nginx ? { ...options.nginx, bin: findNginx().bin } : await startNginx(prefix);
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    TEMPORAL_ADDRESS: options.temporalAddress,
    TEMPORAL_NAMESPACE: options.namespace,
    SLUICE_TASK_QUEUE: `worker-${randomUUID()}`,
    SLUICE_NGINX_CONF_DIR: nginx.confDir,
    SLUICE_NGINX_BIN: nginx.bin,
    SLUICE_NGINX_PREFIX: prefix,
    SLUICE_NGINX_CONFIG: nginx.configFile,
    SLUICE_NGINX_ADMIN_PORT: String(options.nginx?.adminPort ?? (await freePort())),
    SLUICE_NGINX_LISTEN_ADDRESS: '127.0.0.1',
    SLUICE_MIGRATIONS_ROOT: ROOT,
    ...options.extraEnv,
  };
  let child: ChildProcess | undefined;
  let exited: Promise<void> = Promise.resolve();
  let text = '';
  const start = () => {
    child = spawn(
      process.execPath,
      [SLUICE_BIN, 'worker', '--metrics-port', String(options.metricsPort ?? 0), '--log-format', 'json', '--log-level', 'WARN'],
      { env, cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    child.stdout?.on('data', (chunk: Buffer) => (text += chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => (text += chunk.toString()));
    const current = child;
    exited = new Promise((resolve) => current.on('close', () => resolve()));
  };
  start();
  const kill = async (signal: 'SIGKILL' | 'SIGTERM') => {
    child?.kill(signal);
    await exited;
  };
  return {
    env,
    dir,
    pid: () => child?.pid,
    output: () => text,
    start,
    kill,
    async stop() {
      await kill('SIGTERM');
      if (!options.nginx) await stopNginx(prefix);
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

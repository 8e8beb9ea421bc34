/**
 * The CLI as a user runs it: `node bin/sluice.js ...` in a subprocess, and a
 * `sluice worker` subprocess with its own nginx, on the stack's Temporal and
 * Docker. Specs are written to files, as people keep them.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { SLUICE_BIN as BIN, startWorkerProcess, type WorkerProcess } from '../../../bench/worker-process';
import { stackValue } from '../../support/stack';
import { collect, type CliRun } from '../../support/subprocess';

export type { CliRun };

const ROOT = path.resolve(__dirname, '..', '..', '..');

export interface CliEnvironment {
  env: NodeJS.ProcessEnv;
  /** What the worker process printed (its JSON logs). */
  workerOutput(): string;
  /** Stops the worker process (SIGTERM) and starts it again. */
  restartWorker(): Promise<void>;
  /** The worker process itself, to stop and start as a test needs. */
  worker: WorkerProcess;
  dir: string;
  run(args: string[], options?: { env?: NodeJS.ProcessEnv; timeoutMs?: number }): Promise<CliRun>;
  /** Starts a CLI process without waiting for it. */
  spawn(args: string[]): { done: Promise<CliRun> };
  writeSpec(name: string, spec: Record<string, unknown>): string;
  stop(): Promise<void>;
}

/** A worker process (its own task queue and nginx) and a way to run the CLI against it. */
export async function cliEnvironment(workerEnv: NodeJS.ProcessEnv = {}, options: { metricsPort?: number } = {}): Promise<CliEnvironment> {
  const worker = await startWorkerProcess({
    temporalAddress: stackValue('TEMPORAL_ADDRESS'),
    namespace: stackValue('TEMPORAL_NAMESPACE'),
    extraEnv: { SLUICE_ACTOR: 'e2e', ...workerEnv },
    ...options,
  });
  const { env, dir } = worker;
  const run = (args: string[], options: { env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}) =>
    collect(
      spawn(process.execPath, [BIN, ...args], { env: { ...env, ...options.env }, cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] }),
      options.timeoutMs ?? 300_000,
    );
  // Ready once the worker polls: `plan` needs one, and answers quickly when it is there.
  const probe = path.join(dir, 'probe.yaml');
  fs.writeFileSync(
    probe,
    YAML.stringify({
      service: 'e2e-probe',
      image: 'sluice-fixture:v1',
      replicas: 1,
      port: 8080,
      health: { path: '/ready' },
      strategy: { type: 'rolling' },
      traffic: { listenPort: 1 },
    }),
  );
  const deadline = Date.now() + 60_000;
  while ((await run(['plan', probe])).code !== 0) {
    if (Date.now() > deadline) throw new Error(`the sluice worker did not start:\n${worker.output()}`);
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  return {
    env,
    dir,
    worker,
    workerOutput: () => worker.output(),
    restartWorker: async () => {
      await worker.kill('SIGTERM');
      worker.start();
    },
    run,
    spawn: (args) => ({ done: run(args) }),
    writeSpec(name, spec) {
      const file = path.join(dir, `${name}.yaml`);
      fs.writeFileSync(file, YAML.stringify(spec));
      return file;
    },
    stop: () => worker.stop(),
  };
}

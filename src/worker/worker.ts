/**
 * The sluice worker: deployment workflows from a prebuilt bundle (or bundled
 * at start in development), activities over the real adapters.
 *
 * Heartbeats are throttled to at most one a second so that an abort reaches a
 * running activity within about a second (Temporal delivers cancellation on
 * a heartbeat's answer).
 */
import { NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import fs from 'node:fs';
import path from 'node:path';
import { createActivities, type ActivityDeps } from '../activities';
import type { WorkerConfig } from './config';

/** `npm run build` writes the bundle here; without it the worker bundles src at start. */
export const PREBUILT_BUNDLE = path.resolve(__dirname, '..', '..', 'dist', 'workflow-bundle.js');

export function workflowSource(bundlePath = PREBUILT_BUNDLE): Pick<WorkerOptions, 'workflowBundle' | 'workflowsPath'> {
  if (fs.existsSync(bundlePath)) return { workflowBundle: { codePath: bundlePath } };
  const sourceDir = path.resolve(__dirname, '..', 'workflows');
  const entry = ['index.ts', 'index.js'].map((f) => path.join(sourceDir, f)).find((f) => fs.existsSync(f));
  if (!entry) throw new Error(`no workflow bundle at ${bundlePath} and no workflow sources in ${sourceDir}: run npm run build`);
  return { workflowsPath: entry };
}

export async function createWorker(config: WorkerConfig, deps: ActivityDeps, options: { connection?: NativeConnection; bundlePath?: string } = {}): Promise<Worker> {
  const connection =
    options.connection ??
    (await NativeConnection.connect({
      address: config.temporal.address,
      ...(config.temporal.tls ? { tls: config.temporal.tls } : {}),
      ...(config.temporal.apiKey ? { apiKey: config.temporal.apiKey } : {}),
    }));
  return Worker.create({
    connection,
    namespace: config.temporal.namespace,
    taskQueue: config.taskQueue,
    ...workflowSource(options.bundlePath),
    activities: createActivities(deps),
    maxHeartbeatThrottleInterval: '1s',
    defaultHeartbeatThrottleInterval: '1s',
    shutdownGraceTime: config.shutdownGraceMs,
  });
}

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

/** `npm run build` writes the bundle here (dist/workflow-bundle.js). */
export const PREBUILT_BUNDLE = path.resolve(__dirname, '..', 'workflow-bundle.js');

/**
 * Compiled code (dist/) loads the prebuilt bundle; code run from sources
 * (tsx, tests) bundles the sources it runs, so it never picks up a stale build.
 */
export function workflowSource(bundlePath?: string): Pick<WorkerOptions, 'workflowBundle' | 'workflowsPath'> {
  if (bundlePath) return { workflowBundle: { codePath: bundlePath } };
  const compiled = __filename.endsWith('.js');
  if (compiled) {
    if (!fs.existsSync(PREBUILT_BUNDLE)) throw new Error(`no workflow bundle at ${PREBUILT_BUNDLE}: run npm run build`);
    return { workflowBundle: { codePath: PREBUILT_BUNDLE } };
  }
  return { workflowsPath: path.resolve(__dirname, '..', 'workflows', 'index.ts') };
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

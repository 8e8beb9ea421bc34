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
import { codecFromEnv, failureConverterPath } from '../codec/aes-gcm';
import type { WorkerConfig } from './config';

/**
 * `npm run build` writes two bundles: one for workers without a codec key, one
 * with the failure converter that encodes failure messages (for workers with a key).
 */
export function prebuiltBundle(encrypted: boolean): string {
  return path.resolve(__dirname, '..', encrypted ? 'workflow-bundle.encrypted-failures.js' : 'workflow-bundle.js');
}

/**
 * Compiled code (dist/) loads a prebuilt bundle; code run from sources
 * (tsx, tests) bundles the sources it runs, so it never picks up a stale build.
 */
export function workflowSource(encrypted: boolean, bundlePath?: string): Pick<WorkerOptions, 'workflowBundle' | 'workflowsPath'> {
  if (bundlePath) return { workflowBundle: { codePath: bundlePath } };
  if (__filename.endsWith('.js')) {
    const prebuilt = prebuiltBundle(encrypted);
    if (!fs.existsSync(prebuilt)) throw new Error(`no workflow bundle at ${prebuilt}: run npm run build`);
    return { workflowBundle: { codePath: prebuilt } };
  }
  return { workflowsPath: path.resolve(__dirname, '..', 'workflows', 'index.ts') };
}

export async function createWorker(
  config: WorkerConfig,
  deps: ActivityDeps,
  options: { connection?: NativeConnection; bundlePath?: string } = {},
): Promise<Worker> {
  const connection =
    options.connection ??
    (await NativeConnection.connect({
      address: config.temporal.address,
      ...(config.temporal.tls ? { tls: config.temporal.tls } : {}),
      ...(config.temporal.apiKey ? { apiKey: config.temporal.apiKey } : {}),
    }));
  const codec = codecFromEnv();
  return Worker.create({
    connection,
    namespace: config.temporal.namespace,
    taskQueue: config.taskQueue,
    ...workflowSource(!!codec, options.bundlePath),
    ...(codec ? { dataConverter: { payloadCodecs: [codec], failureConverterPath: failureConverterPath() } } : {}),
    activities: createActivities(deps, { containerLogs: codec ? 'withhold' : 'attach' }),
    maxHeartbeatThrottleInterval: '1s',
    defaultHeartbeatThrottleInterval: '1s',
    shutdownGraceTime: config.shutdownGraceMs,
  });
}

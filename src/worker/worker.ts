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
import { hostTaskQueue } from '../shared/names';
import type { WorkerConfig } from './config';
import { whileEngineAnswers, type EngineWatch, type RunnableWorker } from './engine-watch';

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

/**
 * The Temporal workers of one sluice worker process. On one host, one worker polls the shared task
 * queue for workflows and activities. A fleet host's (config.host) polls the shared queue for
 * workflows only and its host's queue for activities: a deployment's side effects on a host run
 * on that host, and any worker drives the deployment itself.
 */
export async function createWorkers(
  config: WorkerConfig,
  deps: ActivityDeps,
  options: { connection?: NativeConnection; bundlePath?: string; engine?: EngineWatch } = {},
): Promise<RunnableWorker[]> {
  const connection =
    options.connection ??
    (await NativeConnection.connect({
      address: config.temporal.address,
      ...(config.temporal.tls ? { tls: config.temporal.tls } : {}),
      ...(config.temporal.apiKey ? { apiKey: config.temporal.apiKey } : {}),
    }));
  const codec = codecFromEnv();
  const common = {
    connection,
    namespace: config.temporal.namespace,
    ...(codec ? { dataConverter: { payloadCodecs: [codec], failureConverterPath: failureConverterPath() } } : {}),
    shutdownGraceTime: config.shutdownGraceMs,
  };
  const workflows = { ...workflowSource(!!codec, options.bundlePath) };
  const activities = {
    activities: createActivities(deps, { containerLogs: codec ? 'withhold' : 'attach' }),
    maxHeartbeatThrottleInterval: '1s',
    defaultHeartbeatThrottleInterval: '1s',
  } satisfies Partial<WorkerOptions>;
  if (config.host === undefined) return [await Worker.create({ ...common, taskQueue: config.taskQueue, ...workflows, ...activities })];
  const hostActivities = () => Worker.create({ ...common, taskQueue: hostTaskQueue(config.taskQueue, config.host!), ...activities });
  const first = await hostActivities();
  return [
    await Worker.create({ ...common, taskQueue: config.taskQueue, ...workflows }),
    // A host's work waits in its queue while its Docker Engine is gone (engine-watch.ts).
    options.engine ? whileEngineAnswers(first, hostActivities, options.engine) : first,
  ];
}

/**
 * Runs the workers until each has shut down (SIGINT or SIGTERM shuts down all of them). When one
 * ends or fails, the others shut down too: half a fleet worker (workflows without the host's
 * activities) must not go on polling, and a host's activities waiting for their Docker Engine
 * (engine-watch.ts) hear of the shutdown from here.
 */
export async function runWorkers(workers: RunnableWorker[]): Promise<void> {
  const shutDownOthers = (worker: RunnableWorker) => {
    for (const other of workers) if (other !== worker && other.getState() === 'RUNNING') other.shutdown();
  };
  const runs = workers.map((worker) =>
    worker.run().then(
      () => shutDownOthers(worker),
      (error: unknown) => {
        shutDownOthers(worker);
        throw error;
      },
    ),
  );
  const failure = (await Promise.allSettled(runs)).find((run) => run.status === 'rejected');
  if (failure) throw failure.reason;
}

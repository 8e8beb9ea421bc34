/**
 * Running a worker in this process: the SDK runtime (logs, Prometheus metrics)
 * is installed first, then the worker runs until SIGINT or SIGTERM, when it
 * stops polling and lets running activities finish (bounded by the shutdown grace).
 */
import { DefaultLogger, Runtime, type LogEntry, type LogLevel } from '@temporalio/worker';
import Docker from 'dockerode';
import v8 from 'node:v8';
import type { ActivityDeps } from '../activities';
import { connectClient } from '../temporal/connection';
import { nginxControl, realAdapters, servicesOnHost } from './adapters';
import { deploymentStates, findOrphans } from './reconcile';
import type { WorkerConfig } from './config';
import { hostIntroduction, introduceHost } from './introduce';
import { createWorkers, runWorkers } from './worker';

export interface RuntimeOptions {
  logLevel: LogLevel;
  logFormat: 'json' | 'text';
  /** 0 disables the Prometheus endpoint. */
  metricsPort: number;
  /** The address the metrics endpoint binds: loopback unless the operator opens it to a scraper. */
  metricsAddress?: string;
}

/** One JSON object per line: what log shippers want. */
function jsonLine(entry: LogEntry): void {
  const { timestampNanos, level, message, meta } = entry;
  process.stdout.write(
    `${JSON.stringify({ time: new Date(Number(timestampNanos / 1_000_000n)).toISOString(), level, message, ...meta })}\n`,
  );
}

export function installRuntime(options: RuntimeOptions): void {
  Runtime.install({
    logger: options.logFormat === 'json' ? new DefaultLogger(options.logLevel, jsonLine) : new DefaultLogger(options.logLevel),
    ...(options.metricsPort > 0
      ? {
          telemetryOptions: { metrics: { prometheus: { bindAddress: `${options.metricsAddress ?? '127.0.0.1'}:${options.metricsPort}` } } },
        }
      : {}),
  });
}

/** A fleet host's worker tells the host registry it serves the host; `sluice hosts` lists it. */
async function introduce(config: WorkerConfig, host: string, docker: Docker): Promise<void> {
  try {
    const client = await connectClient(config.temporal);
    await introduceHost(client, config.taskQueue, await hostIntroduction(host, config.taskQueue, docker, nginxControl(config, docker)));
    await client.connection.close();
    Runtime.instance().logger.info(`serving host ${host}: activities on task queue ${config.taskQueue}@${host}`);
  } catch (error) {
    Runtime.instance().logger.warn(`could not introduce host ${host} to the host registry: ${(error as Error).message}`);
  }
}

/** At start, report (not remove) containers nothing owns: `sluice doctor --fix` removes them. */
async function reportOrphans(config: WorkerConfig, deps: ActivityDeps, docker: Docker): Promise<void> {
  try {
    const client = await connectClient(config.temporal);
    const orphans = await findOrphans({
      runtime: deps.runtime,
      router: deps.router,
      deployments: deploymentStates(client),
      services: () => servicesOnHost(docker),
    });
    await client.connection.close();
    for (const orphan of orphans)
      Runtime.instance().logger.warn(`orphan container ${orphan.name}: it ${orphan.reason}; remove it with \`sluice doctor --fix\``, {
        ...orphan,
      });
  } catch (error) {
    Runtime.instance().logger.warn(`could not look for orphan containers: ${(error as Error).message}`);
  }
}

/**
 * V8 sizes each isolate's young generation from 16 MB semi-spaces; the SDK's
 * workflow thread gets its isolate when the worker is created, after this.
 * Workflow activations allocate little and briefly, so 1 MB semi-spaces cost
 * no measurable time and keep tens of MB off the worker's RSS (docs/benchmarks.md).
 */
const WORKFLOW_THREAD_V8_FLAGS = '--max-semi-space-size=1';

export async function runWorker(config: WorkerConfig): Promise<void> {
  v8.setFlagsFromString(WORKFLOW_THREAD_V8_FLAGS);
  const docker = new Docker();
  const deps = realAdapters(config, docker);
  await reportOrphans(config, deps, docker);
  const logger = Runtime.instance().logger;
  // A hung engine answers nothing: each ping gives up after 5 s, leaving no request behind (dockerode
  // takes the abort signal; its types do not say so).
  const ping = docker.ping.bind(docker) as unknown as (options: { abortSignal: AbortSignal }) => Promise<unknown>;
  const engine = {
    answers: () =>
      ping({ abortSignal: AbortSignal.timeout(5_000) }).then(
        () => true,
        () => false,
      ),
    everyMs: 5_000,
    misses: 3,
    log: logger,
  };
  const workers = await createWorkers(config, deps, config.host === undefined ? {} : { engine });
  if (config.host !== undefined) await introduce(config, config.host, docker);
  await runWorkers(workers);
}

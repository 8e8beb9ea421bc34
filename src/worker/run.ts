/**
 * Running a worker in this process: the SDK runtime (logs, Prometheus metrics)
 * is installed first, then the worker runs until SIGINT or SIGTERM, when it
 * stops polling and lets running activities finish (bounded by the shutdown grace).
 */
import { DefaultLogger, Runtime, type LogEntry, type LogLevel } from '@temporalio/worker';
import { realAdapters } from './adapters';
import type { WorkerConfig } from './config';
import { createWorker } from './worker';

export interface RuntimeOptions {
  logLevel: LogLevel;
  logFormat: 'json' | 'text';
  /** 0 disables the Prometheus endpoint. */
  metricsPort: number;
}

/** One JSON object per line: what log shippers want. */
function jsonLine(entry: LogEntry): void {
  const { timestampNanos, level, message, meta } = entry;
  process.stdout.write(`${JSON.stringify({ time: new Date(Number(timestampNanos / 1_000_000n)).toISOString(), level, message, ...meta })}\n`);
}

export function installRuntime(options: RuntimeOptions): void {
  Runtime.install({
    logger: options.logFormat === 'json' ? new DefaultLogger(options.logLevel, jsonLine) : new DefaultLogger(options.logLevel),
    ...(options.metricsPort > 0 ? { telemetryOptions: { metrics: { prometheus: { bindAddress: `0.0.0.0:${options.metricsPort}` } } } } : {}),
  });
}

export async function runWorker(config: WorkerConfig): Promise<void> {
  const worker = await createWorker(config, realAdapters(config));
  await worker.run();
}

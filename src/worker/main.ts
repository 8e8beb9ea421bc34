/**
 * Runs a sluice worker until SIGINT or SIGTERM: `node dist/worker/main.js`
 * (after `npm run build`), configured entirely from the environment (see
 * README, "Running sluice in production"). On a signal it stops polling and
 * lets running activities finish, for up to SLUICE_SHUTDOWN_GRACE_MS.
 */
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { realAdapters } from './adapters';
import { workerConfig } from './config';
import { createWorker } from './worker';

async function main(): Promise<void> {
  Runtime.install({ logger: new DefaultLogger((process.env.SLUICE_LOG_LEVEL as 'INFO' | undefined) ?? 'INFO') });
  const config = workerConfig();
  const worker = await createWorker(config, realAdapters(config));
  console.log(`sluice worker: namespace ${config.temporal.namespace} at ${config.temporal.address}, task queue ${config.taskQueue}`);
  await worker.run();
}

main().catch((error: unknown) => {
  console.error(`sluice worker: ${(error as Error).message}`);
  process.exit(1);
});

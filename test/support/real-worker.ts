import { Client, Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import Docker from 'dockerode';
import { randomUUID } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import { parseEnvGrants } from '../../src/activities/adapters/secret-scope';
import { startDeployment, type DeploymentHandle } from '../../src/temporal/deployments';
import { validateSpec } from '../../src/planner/spec';
import type { WorkerConfig } from '../../src/worker/config';
import { realAdapters } from '../../src/worker/adapters';
import { createWorkers, runWorkers } from '../../src/worker/worker';
import { privateRouter } from './router';
import { stackValue } from './stack';

/**
 * A sluice worker on the real stack (Temporal dev server, dockerd, PostgreSQL)
 * with an nginx of its own, so test files never share a router.
 */
export async function realWorker(bundlePath: string, extra: Partial<WorkerConfig> = {}) {
  const address = stackValue('TEMPORAL_ADDRESS');
  const namespace = stackValue('TEMPORAL_NAMESPACE');
  const nginx = await privateRouter();
  const config: WorkerConfig = {
    temporal: { address, namespace },
    taskQueue: `it-${randomUUID()}`,
    nginx: {
      confDir: nginx.confDir,
      adminPort: nginx.adminPort,
      listenAddress: '127.0.0.1',
      control: { kind: 'host', ...nginx.hostControl },
    },
    migrationsRoot: process.cwd(),
    publishHost: '127.0.0.1',
    shutdownGraceMs: 5000,
    secretDigestKey: { value: 'integration-tests-secret-digest-key-0123456789' },
    // What the tests' specs ask for, granted to every service: the operator's grant, as tests need it.
    secretScope: { dir: path.join(os.tmpdir(), 'sluice-it-secrets'), env: parseEnvGrants(`*:IT_TOKEN,DATABASE_URL`) },
    ...extra,
  };
  const docker = new Docker();
  const connection = await NativeConnection.connect({ address });
  const workers = await createWorkers(config, realAdapters(config, docker), { connection, bundlePath });
  const running = runWorkers(workers);
  const clientConnection = await Connection.connect({ address });
  const client = new Client({ connection: clientConnection, namespace });
  return {
    client,
    config,
    docker,
    async deploy(document: Record<string, unknown>): Promise<DeploymentHandle> {
      const result = validateSpec(document);
      if (!result.ok) throw new Error(JSON.stringify(result.problems));
      return startDeployment(client, result.spec, { spec: document, requestedBy: 'integration-test' }, config.taskQueue);
    },
    async stop() {
      for (const worker of workers) worker.shutdown();
      await running;
      await connection.close();
      await clientConnection.close();
      await nginx.stop();
    },
  };
}

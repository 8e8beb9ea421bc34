/**
 * Chaos harness: a real worker process that the tests kill and restart, a
 * client, a service under load, and the checks every fault ends with: the
 * outcome, what serves, no container created twice, no orphan left.
 */
import { Client, Connection } from '@temporalio/client';
import Docker from 'dockerode';
import { startLoad, type LoadRun } from '../../bench/load/generator';
import { startWorkerProcess, type WorkerProcess } from '../../bench/worker-process';
import { startDeployment, type DeploymentHandle } from '../../src/temporal/deployments';
import { promoteUpdate, statusQuery, type DeployResult } from '../../src/shared/messages';
import { LABELS } from '../../src/shared/names';
import { validateSpec } from '../../src/planner/spec';
import { realAdapters, servicesOnHost } from '../../src/worker/adapters';
import { workerConfig } from '../../src/worker/config';
import { deploymentStates, findOrphans } from '../../src/worker/reconcile';
import type { DeploymentStatus } from '../../src/domain';
import { freePort, getFresh, stackValue, testServiceName } from '../support/stack';

export interface ChaosWorld {
  worker: WorkerProcess;
  client: Client;
  docker: Docker;
  service: string;
  port: number;
  start(document: Record<string, unknown>): Promise<DeploymentHandle>;
  /** Polls status (tolerating a dead worker), calling `onStatus` for each new step and promoting at gates, until the result. */
  follow(handle: DeploymentHandle, onStep?: (status: DeploymentStatus) => Promise<void>): Promise<DeployResult>;
  /** How many times Docker created each container of the service since the world started. */
  creations(): Promise<Record<string, number>>;
  orphans(): Promise<string[]>;
  servedBy(): Promise<Set<string>>;
  load(): LoadRun;
  close(): Promise<void>;
}

export async function chaosWorld(name: string, workerEnv: NodeJS.ProcessEnv = {}): Promise<ChaosWorld> {
  const worker = await startWorkerProcess({
    temporalAddress: stackValue('TEMPORAL_ADDRESS'),
    namespace: stackValue('TEMPORAL_NAMESPACE'),
    extraEnv: workerEnv,
  });
  const connection = await Connection.connect({ address: stackValue('TEMPORAL_ADDRESS') });
  const client = new Client({ connection, namespace: stackValue('TEMPORAL_NAMESPACE') });
  const docker = new Docker();
  const service = testServiceName(name);
  const port = await freePort();
  const creations = await countCreations(docker, service);
  const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

  return {
    worker,
    client,
    docker,
    service,
    port,
    async start(document) {
      const result = validateSpec({ ...document, service, traffic: { listenPort: port, drainTimeout: '10s' } });
      if (!result.ok) throw new Error(JSON.stringify(result.problems));
      return startDeployment(
        client,
        result.spec,
        { spec: { ...document, service, traffic: { listenPort: port, drainTimeout: '10s' } }, requestedBy: 'chaos' },
        worker.env.SLUICE_TASK_QUEUE!,
      );
    },
    async follow(handle, onStep) {
      let done = false;
      const result = handle.result().finally(() => {
        done = true;
      });
      let lastStep = 0;
      while (!done) {
        // A deadline rather than a race: a query left retrying would fire on the closed connection after close().
        const status = await connection.withDeadline(Date.now() + 3000, () => handle.query(statusQuery)).catch(() => undefined);
        if (status?.step && !status.step.rollback && status.step.number > lastStep) {
          lastStep = status.step.number;
          await onStep?.(status);
        }
        if (status?.gate?.promotable && status.gate.until === undefined)
          await handle.executeUpdate(promoteUpdate, { args: [{ by: 'chaos' }] }).catch(() => undefined);
        await Promise.race([result.catch(() => undefined), sleep(30)]);
      }
      return result;
    },
    async creations() {
      await sleep(500); // events arrive asynchronously
      return creations.counts();
    },
    async orphans() {
      const config = workerConfig(worker.env);
      const deps = realAdapters(config, docker);
      const found = await findOrphans({
        runtime: deps.runtime,
        router: deps.router,
        deployments: deploymentStates(client),
        services: () => servicesOnHost(docker),
      });
      return found.filter((o) => o.service === service).map((o) => o.name);
    },
    async servedBy() {
      const seen = new Set<string>();
      for (let i = 0; i < 10; i++) seen.add((await getFresh(`http://127.0.0.1:${port}/`)).headers['x-release'] as string);
      return seen;
    },
    load: () => startLoad({ url: `http://127.0.0.1:${port}/`, ratePerSecond: 100, newConnectionShare: 0.3, postShare: 0.3 }),
    async close() {
      creations.stop();
      await worker.stop();
      await connection.close();
      const containers = await docker.listContainers({ all: true, filters: { label: [`${LABELS.service}=${service}`] } });
      await Promise.all(containers.map((c) => docker.getContainer(c.Id).remove({ force: true })));
    },
  };
}

/**
 * Counts the containers of `service` Docker creates on that engine from now on, by name. Docker
 * keeps only a short buffer of past events (health-check execs flood it): this listens live. The
 * stream ends when dockerd restarts (a chaos test does that); creations are then counted up to that point.
 */
export async function countCreations(docker: Docker, service: string): Promise<{ counts(): Record<string, number>; stop(): void }> {
  const created: Record<string, number> = {};
  const events = await docker.getEvents({
    filters: { type: ['container'], event: ['create'], label: [`${LABELS.service}=${service}`] } as never,
  });
  let pending = '';
  events.on('error', () => undefined);
  events.on('data', (chunk: Buffer) => {
    pending += chunk.toString();
    const lines = pending.split('\n');
    pending = lines.pop()!;
    for (const line of lines.filter(Boolean)) {
      const containerName = (JSON.parse(line) as { Actor: { Attributes: { name: string } } }).Actor.Attributes.name;
      created[containerName] = (created[containerName] ?? 0) + 1;
    }
  });
  return { counts: () => ({ ...created }), stop: () => (events as unknown as { destroy: () => void }).destroy() };
}

type History = Awaited<ReturnType<DeploymentHandle['fetchHistory']>>;

const millis = (time: { seconds?: unknown; nanos?: number | null } | null | undefined) =>
  Number(time?.seconds ?? 0) * 1000 + Math.round((time?.nanos ?? 0) / 1e6);

/**
 * How long each takeover took: for every workflow task that timed out (on the dead worker's sticky
 * queue, schedule-to-start; or in its hands, start-to-close), the time from its scheduling to the
 * start of the next workflow task on whichever worker picked it up. Read from the history.
 */
export function takeoverDelaysMs(history: History): Array<{ kind: 'sticky queue' | 'task in progress'; ms: number }> {
  const events = history.events ?? [];
  const byId = new Map(events.map((event) => [Number(event.eventId), event]));
  const delays: Array<{ kind: 'sticky queue' | 'task in progress'; ms: number }> = [];
  events.forEach((event, index) => {
    const timedOut = event.workflowTaskTimedOutEventAttributes;
    if (!timedOut) return;
    const scheduled = byId.get(Number(timedOut.scheduledEventId));
    const nextStart = events.slice(index + 1).find((later) => later.workflowTaskStartedEventAttributes);
    // TimeoutType 2 is SCHEDULE_TO_START (the sticky queue); 1 is START_TO_CLOSE.
    const kind = Number(timedOut.timeoutType) === 2 ? 'sticky queue' : 'task in progress';
    if (scheduled && nextStart) delays.push({ kind, ms: millis(nextStart.eventTime) - millis(scheduled.eventTime) });
  });
  return delays;
}

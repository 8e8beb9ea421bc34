/**
 * Runs the real deploy workflow on the time-skipping test server against a
 * FakeWorld, and offers the waits the tests need (status predicates, gates).
 */
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { randomUUID } from 'node:crypto';
import { startDeployment, type DeploymentHandle } from '../../../src/temporal/deployments';
import { statusQuery } from '../../../src/shared/messages';
import { validateSpec, type DeploymentSpec } from '../../../src/planner/spec';
import { planDeployment } from '../../../src/planner/plan';
import type { DeploymentStatus, Plan } from '../../../src/domain';
import { renderStep } from '../../support/plans';
import { specDocument } from '../../support/specs';
import { bundledWorker } from '../../support/temporal';
import type { SluiceActivities } from '../../../src/activities';
import { hostTaskQueue } from '../../../src/shared/names';
import type { FakeWorld } from './fake-world';

/** The activities of one host, each call logged as "<host> <activity>" before it runs. */
function logged(host: string, activities: SluiceActivities, log: string[]): SluiceActivities {
  return Object.fromEntries(
    Object.entries(activities).map(([name, fn]) => [
      name,
      (...args: unknown[]) => {
        log.push(`${host} ${name}`);
        return (fn as (...a: unknown[]) => unknown)(...args);
      },
    ]),
  ) as SluiceActivities;
}

let services = 0;

/** A spec document for a service name no other test in this process uses (the workflow id is per service). */
export function uniqueSpec(overrides: Parameters<typeof specDocument>[0] = {}): {
  document: Record<string, unknown>;
  spec: DeploymentSpec;
} {
  const document = specDocument({ service: `svc-${process.pid}-${++services}`, ...overrides });
  const result = validateSpec(document);
  if (!result.ok) throw new Error(JSON.stringify(result.problems));
  return { document, spec: result.spec };
}

/** The plan the workflow will compute for this world, and the calls it makes when nothing fails. */
export async function expectedPlan(world: FakeWorld, spec: DeploymentSpec): Promise<{ plan: Plan; calls: string[] }> {
  const observed = await world.activities().observeService({ service: spec.service });
  const plan = planDeployment(spec, observed);
  return { plan, calls: plan.steps.filter((s) => s.step.kind !== 'pause' && s.step.kind !== 'analysis').map((s) => renderStep(s.step)) };
}

export class Harness {
  constructor(
    private readonly env: TestWorkflowEnvironment,
    private readonly bundlePath: string,
  ) {}

  /** Runs `body` while a worker serves `world` on a fresh task queue. */
  async withWorker<T>(world: FakeWorld, body: (taskQueue: string) => Promise<T>, taskQueue = `test-${randomUUID()}`): Promise<T> {
    const worker = await bundledWorker(this.env, this.bundlePath, { taskQueue, activities: world.activities() });
    return worker.runUntil(body(taskQueue));
  }

  /**
   * Runs `body` while a fleet runs: one worker of workflows on a fresh shared task queue, and one of
   * activities per host on the host's own queue, serving that host's world (a host of the spec left
   * out has no worker: it is lost). Each activity call is logged as "<host> <activity>" in `log`, in
   * the order they began across hosts. `handOver`: workflows outlive the call, and a later one takes them
   * over on the same `taskQueue` (to bring a host's worker back).
   */
  async withFleet<T>(
    worlds: Record<string, FakeWorld>,
    body: (taskQueue: string) => Promise<T>,
    log: string[] = [],
    { handOver = false, taskQueue = `fleet-${randomUUID()}` }: { handOver?: boolean; taskQueue?: string } = {},
  ): Promise<T> {
    // Handing over, no workflow task may wait on the sticky queue of a worker gone (the test server never moves
    // one off it): the worker caches no workflow.
    const workflows = await bundledWorker(this.env, this.bundlePath, { taskQueue, ...(handOver ? { maxCachedWorkflows: 0 } : {}) });
    const hosts = await Promise.all(
      Object.entries(worlds).map(([host, world]) =>
        bundledWorker(this.env, this.bundlePath, {
          taskQueue: hostTaskQueue(taskQueue, host),
          activities: logged(host, world.activities(), log),
        }),
      ),
    );
    const running = hosts.map((worker) => worker.run());
    try {
      return await workflows.runUntil(body(taskQueue));
    } finally {
      for (const worker of hosts) worker.shutdown();
      await Promise.all(running);
    }
  }

  start(taskQueue: string, deployment: { document: Record<string, unknown>; spec: DeploymentSpec }): ReturnType<typeof startDeployment> {
    return startDeployment(this.env.client, deployment.spec, { spec: deployment.document, requestedBy: 'test' }, taskQueue);
  }

  /** Polls the status query until `predicate` holds (queries do not advance the test server's clock). */
  async waitForStatus(
    handle: DeploymentHandle,
    predicate: (status: DeploymentStatus) => boolean,
    timeoutMs = 20_000,
  ): Promise<DeploymentStatus> {
    const deadline = Date.now() + timeoutMs;
    let last: DeploymentStatus | undefined;
    while (Date.now() < deadline) {
      last = await handle.query(statusQuery);
      if (predicate(last)) return last;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    throw new Error(`status never matched; last: ${JSON.stringify(last, null, 1)}`);
  }

  /**
   * Advances the test server's clock `step` at a time until `predicate` holds. Awaiting a
   * result would skip time too, but without end once the workflow waits for a person.
   */
  async skipTimeUntil(
    handle: DeploymentHandle,
    predicate: (status: DeploymentStatus) => boolean,
    step = '1m',
    maxSteps = 100,
  ): Promise<DeploymentStatus> {
    for (let i = 0; i < maxSteps; i++) {
      const status = await handle.query(statusQuery);
      if (predicate(status)) return status;
      await this.env.sleep(step);
    }
    throw new Error(`status never matched after ${maxSteps} x ${step}`);
  }

  waitForGate(handle: DeploymentHandle, kind?: string): Promise<DeploymentStatus> {
    return this.waitForStatus(handle, (s) => s.gate !== undefined && (kind === undefined || s.gate.kind === kind));
  }
}

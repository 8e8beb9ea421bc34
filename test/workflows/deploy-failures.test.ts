import { WorkflowFailedError, type ApplicationFailure } from '@temporalio/client';
import { describe, expect, it } from 'vitest';
import { DeploymentInProgress } from '../../src/temporal/deployments';
import { promoteUpdate } from '../../src/shared/messages';
import { rollbackSteps } from '../../src/planner/rollback';
import { renderStep } from '../support/plans';
import { specDocument } from '../support/specs';
import { FakeWorld } from './support/fake-world';
import { expectedPlan, uniqueSpec } from './support/harness';
import { timeSkippingSuite } from './support/suite';

const suite = timeSkippingSuite();

describe('a failure at each step', () => {
  // prepare, expand, start, wait, route, route, stop, start, wait, route, route, stop, contract, remove
  const deployment = () => uniqueSpec({ replicas: 2, migrations: { directory: 'migrations', contract: 'auto' } });
  const probe = deployment();
  const stepCount = 14;

  it('the plan under test has the steps this table assumes', async () => {
    const { plan } = await expectedPlan(new FakeWorld({ release: 'v1', slots: [0, 1] }), probe.spec);
    expect(plan.steps).toHaveLength(stepCount);
  });

  // The last two steps (contract, removing v1) are past the point of no return: their failures are covered below.
  it.each(Array.from({ length: stepCount - 2 }, (_, i) => i))(
    'failing step %i rolls back exactly the steps begun, in rollback order',
    async (failing) => {
      const world = new FakeWorld({ release: 'v1', slots: [0, 1] });
      const spec = deployment();
      const { plan } = await expectedPlan(world, spec.spec);
      const failingCall = renderStep(plan.steps[failing]!.step);
      expect(
        plan.steps.slice(0, failing).map((s) => renderStep(s.step)),
        'the first call matching is the failing step',
      ).not.toContain(failingCall);
      world.failOn(failingCall);
      const result = await suite.harness().withWorker(world, async (taskQueue) => (await suite.harness().start(taskQueue, spec)).result());
      expect(result.outcome).toBe('rolledBack');
      expect(result.reason).toContain(`injected failure at "${failingCall}"`);
      expect(result.compensationFailures).toEqual([]);
      expect(world.callsAfter(failingCall)).toEqual(rollbackSteps(plan.steps.slice(0, failing + 1)).map(renderStep));
      expect(world.routing).toEqual({ peers: [{ release: 'v1', slots: [0, 1] }], weights: { v1: 100 } });
      expect(world.runningSlots('v1')).toEqual([0, 1]);
      expect(world.runningSlots(plan.targetRelease)).toEqual([]);
    },
  );
});

describe('past the point of no return a deployment only goes forward', () => {
  const deployment = () => uniqueSpec({ replicas: 2, migrations: { directory: 'migrations', contract: 'auto' } });

  it('a failing removal of the old release undoes nothing: the new release keeps serving and the result says what is left', async () => {
    const world = new FakeWorld({ release: 'v1', slots: [0, 1] });
    const spec = deployment();
    const { plan } = await expectedPlan(world, spec.spec);
    world.failOn('remove v1[0,1]');
    const result = await suite.harness().withWorker(world, async (taskQueue) => (await suite.harness().start(taskQueue, spec)).result());
    expect(result.outcome).toBe('failed');
    expect(world.callsAfter('remove v1[0,1]')).toEqual([]);
    expect(world.calls).not.toContain('migrate rollbackExpand');
    expect(Object.keys(world.routing.weights)).toEqual([plan.targetRelease]);
    expect(world.runningSlots(plan.targetRelease)).toEqual([0, 1]);
    expect(world.runningSlots('v1')).toEqual([]);
    expect(result.compensationFailures).toEqual([]);
    expect(result.leftToDo).toEqual(['remove 2 replicas of v1 (slots 0,1)']);
    expect(result.reason).toMatch(
      /remove 2 replicas of v1 \(slots 0,1\) failed past the point of no return, so nothing was undone and .+ keeps serving: .*injected failure/,
    );
    expect(result.serving).toBe(plan.targetRelease);
  });

  it('a failing contract migration never restarts the old release nor undoes expand, and deploying the same spec again finishes it', async () => {
    const world = new FakeWorld({ release: 'v1', slots: [0, 1] });
    const spec = deployment();
    const { plan } = await expectedPlan(world, spec.spec);
    world.failOn('migrate contract');
    const result = await suite.harness().withWorker(world, async (taskQueue) => (await suite.harness().start(taskQueue, spec)).result());
    expect(result.outcome).toBe('failed');
    expect(world.callsAfter('migrate contract')).toEqual([]);
    expect(world.runningSlots('v1')).toEqual([]);
    expect(Object.keys(world.routing.weights)).toEqual([plan.targetRelease]);
    expect(result.leftToDo).toEqual(['run contract migrations', 'remove 2 replicas of v1 (slots 0,1)']);

    const mark = world.calls.length;
    const again = await suite.harness().withWorker(world, async (taskQueue) => (await suite.harness().start(taskQueue, spec)).result());
    expect(again.outcome).toBe('released');
    expect(world.calls.slice(mark)).toEqual(['prepareRouter', 'remove v1[0,1]', 'migrate contract']);
    expect(world.runningSlots(plan.targetRelease)).toEqual([0, 1]);
  });

  it('after a full promotion skipped pauses, a failure past the point of no return still names exactly the steps left', async () => {
    const world = new FakeWorld({ release: 'v1', slots: [0, 1] }).failOn('remove v1[0,1]');
    const spec = uniqueSpec({
      replicas: 2,
      migrations: { directory: 'migrations', contract: 'auto' },
      strategy: { type: 'canary', steps: [{ setWeight: 50 }, { pause: {} }, { pause: { duration: '1h' } }] },
    });
    const result = await suite.harness().withWorker(world, async (taskQueue) => {
      const handle = await suite.harness().start(taskQueue, spec);
      await suite.harness().waitForGate(handle, 'canaryPause');
      await handle.executeUpdate(promoteUpdate, { args: [{ by: 'ci', full: true }] });
      return handle.result();
    });
    expect(result.outcome).toBe('failed');
    expect(result.leftToDo).toEqual(['remove 2 replicas of v1 (slots 0,1)']);
  });

  it('a retryable failure past the point of no return is retried and the deployment releases', async () => {
    const world = new FakeWorld({ release: 'v1', slots: [0, 1] });
    world.failOn('migrate contract', { nonRetryable: false, times: 2 });
    const result = await suite
      .harness()
      .withWorker(world, async (taskQueue) => (await suite.harness().start(taskQueue, deployment())).result());
    expect(result.outcome).toBe('released');
    expect(world.calls.filter((c) => c === 'migrate contract')).toHaveLength(3);
  });

  it('a cancellation of the workflow while contract runs lets the migration finish and the deployment ends forward', async () => {
    const world = new FakeWorld({ release: 'v1', slots: [0, 1] }).hangOn('migrate contract', { forMs: 1500 });
    const spec = deployment();
    const { plan } = await expectedPlan(world, spec.spec);
    const result = await suite.harness().withWorker(world, async (taskQueue) => {
      const handle = await suite.harness().start(taskQueue, spec);
      await world.reached('migrate contract');
      await handle.cancel();
      return handle.result();
    });
    expect(result.outcome).toBe('released');
    expect(world.hangsCancelled).toBe(0);
    expect(world.callsAfter('migrate contract')).toEqual(['remove v1[0,1]']);
    expect(result.decisions).toMatchObject([{ kind: 'abort', by: 'temporal', result: 'ignored', note: expect.stringMatching(/too late/) }]);
    expect(Object.keys(world.routing.weights)).toEqual([plan.targetRelease]);
  });

  it('a cancellation of the workflow before the point of no return rolls back like an abort', async () => {
    const world = new FakeWorld({ release: 'v1', slots: [0, 1] });
    const spec = uniqueSpec({ replicas: 2, strategy: { type: 'blueGreen' } });
    const result = await suite.harness().withWorker(world, async (taskQueue) => {
      const handle = await suite.harness().start(taskQueue, spec);
      await suite.harness().waitForGate(handle, 'promotion');
      await handle.cancel();
      return handle.result();
    });
    expect(result.outcome).toBe('aborted');
    expect(result.reason).toMatch(/aborted by temporal: the workflow was cancelled/);
    expect(world.routing.weights).toEqual({ v1: 100 });
  });
});

describe('retries, deadlines and failing compensations', () => {
  it('a retryable failure is retried and the deployment still releases', async () => {
    const world = new FakeWorld({ release: 'v1', slots: [0] });
    const deployment = uniqueSpec({ replicas: 1 });
    world.failOn(/^start /, { nonRetryable: false, times: 2 });
    const result = await suite
      .harness()
      .withWorker(world, async (taskQueue) => (await suite.harness().start(taskQueue, deployment)).result());
    expect(result.outcome).toBe('released');
    expect(world.calls.filter((c) => c.startsWith('start '))).toHaveLength(3);
  });

  it('a step that outlives its phase deadline is cancelled and rolled back', async () => {
    const world = new FakeWorld({ release: 'v1', slots: [0] }).hangOn(/^wait /);
    const deployment = uniqueSpec({ replicas: 1, progressDeadline: { default: '10m', starting: '2s' } });
    const result = await suite
      .harness()
      .withWorker(world, async (taskQueue) => (await suite.harness().start(taskQueue, deployment)).result());
    expect(result.outcome).toBe('rolledBack');
    expect(result.reason).toMatch(/progress deadline of 2s passed during "wait until 1 replica of .+ are healthy" \(phase starting\)/);
    expect(world.routing.peers).toEqual([{ release: 'v1', slots: [0] }]);
  });

  it("a step that fails until its deadline reports the last attempt's error in the reason", async () => {
    const world = new FakeWorld({ release: 'v1', slots: [0] }).failOn(/^wait /, { nonRetryable: false, times: 1000 });
    const deployment = uniqueSpec({ replicas: 1, progressDeadline: { default: '10m', starting: '3s' } });
    const result = await suite
      .harness()
      .withWorker(world, async (taskQueue) => (await suite.harness().start(taskQueue, deployment)).result());
    expect(result.outcome).toBe('rolledBack');
    expect(result.reason).toMatch(
      /progress deadline of 3s passed during "wait until 1 replica of .+ are healthy" \(phase starting\); the last attempt failed with: injected failure at "wait /,
    );
  });

  it('a rollback goes on without an old replica that stays unhealthy, routing traffic back to those that are healthy', async () => {
    const world = new FakeWorld({ release: 'v1', slots: [0, 1] });
    const deployment = uniqueSpec({ replicas: 2, strategy: { type: 'rolling', maxSurge: 0, maxUnavailable: 2 } });
    const { plan } = await expectedPlan(world, deployment.spec);
    world.failOn(`wait ${plan.targetRelease}[0,1]`);
    world.unhealthy.add('v1[1]');
    const result = await suite
      .harness()
      .withWorker(world, async (taskQueue) => (await suite.harness().start(taskQueue, deployment)).result());
    expect(result.outcome).toBe('rolledBack');
    expect(result.compensationFailures).toEqual([]);
    expect(result.reason).toMatch(/the rollback left out replicas that did not turn healthy: v1 slots 1/);
    expect(world.routing.peers).toEqual([{ release: 'v1', slots: [0] }]);
    expect(world.runningSlots(plan.targetRelease)).toEqual([]);
  });

  it('a failing compensation stops the rollback there and is reported with what was not run', async () => {
    const world = new FakeWorld({ release: 'v1', slots: [0, 1] });
    const deployment = uniqueSpec({ replicas: 2 });
    const { plan } = await expectedPlan(world, deployment.spec);
    world.failOn(`start ${plan.targetRelease}[1]`).failOn('start v1[0]');
    const result = await suite
      .harness()
      .withWorker(world, async (taskQueue) => (await suite.harness().start(taskQueue, deployment)).result());
    expect(result.outcome).toBe('failed');
    expect(result.reason).toMatch(/rollback incomplete: undo: start 1 replica of v1 \(slots 0\): .*injected failure/);
    expect(result.compensationFailures.map((f) => f.summary)).toEqual([
      'undo: start 1 replica of v1 (slots 0)',
      'not run: wait until 1 replica of v1 are healthy',
      'not run: route traffic: v1 100%',
      `not run: remove 1 replica of ${plan.targetRelease} (slots 1)`,
      `not run: remove 1 replica of ${plan.targetRelease} (slots 0)`,
    ]);
    expect(world.runningSlots(plan.targetRelease)).toEqual([0]);
  });

  it('a deployment that did not release ends its workflow as failed, carrying the result, so the Web UI lists it apart from released ones', async () => {
    const world = new FakeWorld({ release: 'v1', slots: [0] }).failOn(/^wait /);
    const deployment = uniqueSpec({ replicas: 1 });
    const handle = await suite.harness().withWorker(world, async (taskQueue) => {
      const started = await suite.harness().start(taskQueue, deployment);
      await started.result();
      return started;
    });
    const raw = suite.env().client.workflow.getHandle(handle.workflowId, handle.firstExecutionRunId);
    expect((await raw.describe()).status.name).toBe('FAILED');
    const error = await raw.result().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WorkflowFailedError);
    const cause = (error as WorkflowFailedError).cause as ApplicationFailure;
    expect(cause.type).toBe('DeploymentRolledBack');
    expect(cause.message).toMatch(/rolledBack: .*injected failure/);
    expect(cause.details?.[0]).toMatchObject({ outcome: 'rolledBack', serving: 'v1' });
  });

  it('a released deployment completes its workflow', async () => {
    const world = new FakeWorld({ release: 'v1', slots: [0] });
    const handle = await suite.harness().withWorker(world, async (taskQueue) => {
      const started = await suite.harness().start(taskQueue, uniqueSpec({ replicas: 1 }));
      await started.result();
      return started;
    });
    expect((await suite.env().client.workflow.getHandle(handle.workflowId, handle.firstExecutionRunId).describe()).status.name).toBe(
      'COMPLETED',
    );
  });

  it('a failed analysis rolls back with the measurements in the reason', async () => {
    const world = new FakeWorld({ release: 'v1', slots: [0, 1] });
    world.samples = [{ requests: 200, errors: 30 }];
    const deployment = uniqueSpec({
      replicas: 2,
      strategy: { type: 'canary', steps: [{ setWeight: 50 }, { analysis: { interval: '30s', count: 3, maxErrorRate: 0.05 } }] },
    });
    const result = await suite
      .harness()
      .withWorker(world, async (taskQueue) => (await suite.harness().start(taskQueue, deployment)).result());
    expect(result.outcome).toBe('rolledBack');
    expect(result.reason).toMatch(/analysis of .+ failed: error rate 15.00% \(30\/200\) above 5.00%/);
    expect(world.routing.weights).toEqual({ v1: 100 });
  });
});

describe('input that never touches anything', () => {
  it('an invalid spec fails the workflow with every problem, before any activity', async () => {
    const world = new FakeWorld();
    const document = { ...specDocument({ service: 'bad-input-1' }), replicas: 0, image: 'NOT VALID' };
    const error = await suite.harness().withWorker(world, async (taskQueue) => {
      const handle = await suite
        .env()
        .client.workflow.start('deploy', { args: [{ spec: document, requestedBy: 'test' }], taskQueue, workflowId: 'deploy/bad-input-1' });
      return handle.result().then(
        () => undefined,
        (e: unknown) => e,
      );
    });
    expect(error).toBeInstanceOf(WorkflowFailedError);
    const cause = (error as WorkflowFailedError).cause as Error & { type?: string };
    expect(cause.type).toBe('InvalidSpec');
    expect(cause.message).toMatch(/image: expected a Docker image reference/);
    expect(cause.message).toMatch(/replicas: expected at least 1 replica/);
    expect(world.calls).toEqual([]);
  });

  it('a spec whose rolling budget resolves to nothing is rejected as PlanRejected, naming the field', async () => {
    const world = new FakeWorld({ release: 'v1', slots: [0] });
    const deployment = uniqueSpec({ replicas: 1, strategy: { type: 'rolling', maxSurge: '0%', maxUnavailable: '50%' } });
    const error = await suite.harness().withWorker(world, async (taskQueue) =>
      (await suite.harness().start(taskQueue, deployment)).result().then(
        () => undefined,
        (e: unknown) => e,
      ),
    );
    const cause = (error as WorkflowFailedError).cause as Error & { type?: string };
    expect(cause.type).toBe('PlanRejected');
    expect(cause.message).toMatch(/^strategy\.maxSurge: /);
    expect(world.calls).toEqual([]);
  });

  it('a second deployment of a service that is deploying is refused', async () => {
    const world = new FakeWorld({ release: 'v1', slots: [0] });
    const first = uniqueSpec({ replicas: 1, strategy: { type: 'blueGreen' } });
    await suite.harness().withWorker(world, async (taskQueue) => {
      const handle = await suite.harness().start(taskQueue, first);
      await suite.harness().waitForGate(handle, 'promotion');
      await expect(
        suite.harness().start(taskQueue, { ...first, document: { ...first.document, image: 'sluice-fixture:v3' } }),
      ).rejects.toThrow(DeploymentInProgress);
      await expect(suite.harness().start(taskQueue, first)).rejects.toThrow(
        /a deployment of .+ is already running \(workflow deploy\/.+\): wait for it, or `sluice abort/,
      );
      await handle.terminate('test over');
    });
  });
});

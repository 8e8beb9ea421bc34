import { WorkflowUpdateFailedError } from '@temporalio/client';
import { describe, expect, it } from 'vitest';
import { abortSignal, pauseSignal, promoteUpdate, resumeSignal, statusQuery } from '../../src/shared/messages';
import { rollbackSteps } from '../../src/planner/rollback';
import { renderStep } from '../support/plans';
import { FakeWorld } from './support/fake-world';
import { expectedPlan, uniqueSpec } from './support/harness';
import { timeSkippingSuite } from './support/suite';

const suite = timeSkippingSuite();

const canary = (extra: Record<string, unknown> = {}) =>
  uniqueSpec({
    replicas: 2,
    strategy: {
      type: 'canary',
      steps: [{ setWeight: 50 }, { pause: {} }, { analysis: { interval: '1m', count: 2 } }, { pause: { duration: '1h' } }],
    },
    ...extra,
  });

async function promoteError(promise: Promise<unknown>): Promise<string> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(WorkflowUpdateFailedError);
  return String((error as WorkflowUpdateFailedError).cause?.message);
}

describe('promote', () => {
  it('is rejected with the reason when no gate is waiting, and the deployment carries on', async () => {
    const world = new FakeWorld({ release: 'v1', slots: [0, 1] }).hangOn(/^wait /, { forMs: 1500 });
    const deployment = uniqueSpec({ replicas: 2 });
    const result = await suite.harness().withWorker(world, async (taskQueue) => {
      const handle = await suite.harness().start(taskQueue, deployment);
      await world.reached(/^wait /);
      const reason = await promoteError(handle.executeUpdate(promoteUpdate, { args: [{ by: 'ana' }] }));
      expect(reason).toMatch(/no gate is waiting \(phase starting, step 3\/\d+: wait until 1 replica of .+ are healthy\)/);
      return handle.result();
    });
    expect(result.outcome).toBe('released');
    expect(result.decisions).toEqual([]);
  });

  it('with full: true skips every remaining pause and analysis, releasing the gate that waits now', async () => {
    const world = new FakeWorld({ release: 'v1', slots: [0, 1] });
    const deployment = canary();
    const result = await suite.harness().withWorker(world, async (taskQueue) => {
      const handle = await suite.harness().start(taskQueue, deployment);
      await suite.harness().waitForGate(handle, 'canaryPause');
      const answer = await handle.executeUpdate(promoteUpdate, { args: [{ by: 'ci', full: true }] });
      expect(answer).toMatchObject({ full: true, gate: 'canaryPause' });
      return handle.result();
    });
    expect(result.outcome).toBe('released');
    expect(result.decisions).toMatchObject([
      { kind: 'promote', by: 'ci', result: 'accepted', note: expect.stringMatching(/full promotion/) },
    ]);
    // No analysis ran and the 1h pause was skipped: the replicas still started before taking traffic.
    expect(world.calls.filter((c) => c.startsWith('start '))).toHaveLength(2);
  });

  it('with full: true while the contract gate waits leaves that gate waiting for its own promote', async () => {
    const world = new FakeWorld({ release: 'v1', slots: [0, 1] });
    const deployment = uniqueSpec({ replicas: 2, migrations: { directory: 'migrations' } });
    const result = await suite.harness().withWorker(world, async (taskQueue) => {
      const handle = await suite.harness().start(taskQueue, deployment);
      await suite.harness().waitForGate(handle, 'contract');
      const answer = await handle.executeUpdate(promoteUpdate, { args: [{ by: 'ci', full: true }] });
      expect(answer.gate).toBeUndefined();
      expect(answer.message).toMatch(/the contract gate waits for its own `sluice promote`/);
      expect((await handle.query(statusQuery)).gate?.kind).toBe('contract');
      expect(world.calls).not.toContain('migrate contract');
      expect(await handle.executeUpdate(promoteUpdate, { args: [{ by: 'dba' }] })).toMatchObject({ gate: 'contract' });
      return handle.result();
    });
    expect(result.outcome).toBe('released');
    expect(world.calls).toContain('migrate contract');
  });

  it('answers an inconclusive analysis, which waits for a person', async () => {
    const world = new FakeWorld({ release: 'v1', slots: [0, 1] });
    world.samples = [
      { requests: 1, errors: 0 },
      { requests: 2, errors: 0 },
    ];
    const deployment = uniqueSpec({
      replicas: 2,
      strategy: { type: 'canary', steps: [{ setWeight: 50 }, { analysis: { interval: '1m', count: 2, minRequests: 20 } }] },
    });
    const result = await suite.harness().withWorker(world, async (taskQueue) => {
      const handle = await suite.harness().start(taskQueue, deployment);
      await suite.harness().skipTimeUntil(handle, (s) => s.gate?.kind === 'inconclusiveAnalysis', '30s');
      await handle.executeUpdate(promoteUpdate, { args: [{ by: 'ana', reason: 'traffic is low on Sundays' }] });
      return handle.result();
    });
    expect(result.outcome).toBe('released');
  });
});

describe('pause and resume', () => {
  it('hold the plan after the current step and continue it, recording who did what', async () => {
    const world = new FakeWorld({ release: 'v1', slots: [0, 1] }).hangOn(/^start /, { forMs: 1000 });
    const deployment = uniqueSpec({ replicas: 2 });
    const { calls } = await expectedPlan(world, deployment.spec);
    const result = await suite.harness().withWorker(world, async (taskQueue) => {
      const handle = await suite.harness().start(taskQueue, deployment);
      await world.reached(/^start /);
      await handle.signal(pauseSignal, { by: 'ana', reason: 'checking dashboards' });
      const held = await suite.harness().waitForStatus(handle, (s) => s.paused && s.step?.number === 2);
      await new Promise((resolve) => setTimeout(resolve, 1500));
      expect((await handle.query(statusQuery)).step?.number).toBe(held.step?.number);
      expect(world.calls.at(-1)).toMatch(/^start /);
      await handle.signal(pauseSignal, { by: 'bob' });
      await handle.signal(resumeSignal, { by: 'ana' });
      return handle.result();
    });
    expect(result.outcome).toBe('released');
    expect(world.calls).toEqual(calls);
    expect(result.decisions.map((d) => `${d.kind} ${d.by} ${d.result}`)).toEqual([
      'pause ana accepted',
      'pause bob ignored',
      'resume ana accepted',
    ]);
  });
});

describe('abort', () => {
  it('at a gate rolls back exactly the begun steps, in rollback order, with traffic back on v1', async () => {
    const world = new FakeWorld({ release: 'v1', slots: [0, 1] });
    const deployment = canary({ migrations: { directory: 'migrations' } });
    const { plan } = await expectedPlan(world, deployment.spec);
    const result = await suite.harness().withWorker(world, async (taskQueue) => {
      const handle = await suite.harness().start(taskQueue, deployment);
      await suite.harness().waitForGate(handle, 'canaryPause');
      await handle.signal(abortSignal, { by: 'ana', reason: 'p99 up' });
      return handle.result();
    });
    expect(result).toMatchObject({ outcome: 'aborted', reason: 'aborted by ana: p99 up', serving: 'v1', compensationFailures: [] });
    const gateIndex = plan.steps.findIndex((s) => s.step.kind === 'pause');
    expect(world.callsAfter('migrate expand').slice(gateIndex - 2)).toEqual(
      rollbackSteps(plan.steps.slice(0, gateIndex + 1)).map(renderStep),
    );
    expect(world.routing).toEqual({ peers: [{ release: 'v1', slots: [0, 1] }], weights: { v1: 100 } });
    expect(world.runningSlots(plan.targetRelease)).toEqual([]);
    expect(world.calls.at(-1)).toBe('migrate rollbackExpand');
  });

  it('while paused just before the point of no return (contract next) still rolls back: nothing irreversible has begun', async () => {
    const world = new FakeWorld({ release: 'v1', slots: [0] }).hangOn(/^stop v1/, { forMs: 1000 });
    const deployment = uniqueSpec({ replicas: 1, migrations: { directory: 'migrations', contract: 'auto' } });
    const result = await suite.harness().withWorker(world, async (taskQueue) => {
      const handle = await suite.harness().start(taskQueue, deployment);
      await world.reached(/^stop v1/);
      await handle.signal(pauseSignal, { by: 'ana' });
      await suite.harness().waitForStatus(handle, (s) => s.paused && s.step?.summary.startsWith('stop ') === true);
      await new Promise((resolve) => setTimeout(resolve, 1500)); // the stop step has ended; the plan holds before contract
      await handle.signal(abortSignal, { by: 'ana', reason: 'changed my mind' });
      return handle.result();
    });
    expect(result.outcome).toBe('aborted');
    expect(result.decisions.filter((d) => d.kind === 'abort')).toMatchObject([{ result: 'accepted' }]);
    expect(world.calls).not.toContain('migrate contract');
    expect(world.runningSlots('v1')).toEqual([0]);
    expect(world.calls.at(-1)).toBe('migrate rollbackExpand');
  });

  it('during a long activity cancels it, then rolls back', async () => {
    const world = new FakeWorld({ release: 'v1', slots: [0, 1] }).hangOn(/^wait /);
    const deployment = uniqueSpec({ replicas: 2 });
    const { plan } = await expectedPlan(world, deployment.spec);
    const result = await suite.harness().withWorker(world, async (taskQueue) => {
      const handle = await suite.harness().start(taskQueue, deployment);
      await world.reached(/^wait /);
      await handle.signal(abortSignal, { by: 'ci', reason: 'pipeline cancelled' });
      return handle.result();
    });
    expect(result.outcome).toBe('aborted');
    expect(world.callsAfter(/^wait /)).toEqual([`remove ${plan.targetRelease}[0]`]);
  });

  it('while paused rolls back without waiting for resume', async () => {
    const world = new FakeWorld({ release: 'v1', slots: [0] }).hangOn(/^start /, { forMs: 500 });
    const deployment = uniqueSpec({ replicas: 1 });
    const result = await suite.harness().withWorker(world, async (taskQueue) => {
      const handle = await suite.harness().start(taskQueue, deployment);
      await world.reached(/^start /);
      await handle.signal(pauseSignal, { by: 'ana' });
      await suite.harness().waitForStatus(handle, (s) => s.paused && world.calls.some((c) => c.startsWith('start ')));
      await handle.signal(abortSignal, { by: 'ana', reason: 'wrong image' });
      return handle.result();
    });
    expect(result.outcome).toBe('aborted');
    expect(result.decisions.map((d) => d.kind)).toEqual(['pause', 'abort']);
  });

  it('during rollback: a second abort, a pause and a promote are recorded as ignored, and the rollback finishes', async () => {
    const world = new FakeWorld({ release: 'v1', slots: [0, 1] }).hangOn(/^remove /, { forMs: 2000 });
    const deployment = canary();
    const result = await suite.harness().withWorker(world, async (taskQueue) => {
      const handle = await suite.harness().start(taskQueue, deployment);
      await suite.harness().waitForGate(handle, 'canaryPause');
      await handle.signal(abortSignal, { by: 'ana', reason: 'first' });
      await world.reached(/^remove /);
      const rollingBack = await handle.query(statusQuery);
      expect(rollingBack.phase).toBe('rollingBack');
      expect(rollingBack.step).toMatchObject({ rollback: true });
      await handle.signal(abortSignal, { by: 'bob', reason: 'second' });
      await handle.signal(pauseSignal, { by: 'bob' });
      expect(await handle.executeUpdate(promoteUpdate, { args: [{ by: 'bob' }] })).toMatchObject({
        ignored: true,
        message: 'ignored: the deployment is rolling back',
      });
      return handle.result();
    });
    expect(result.outcome).toBe('aborted');
    expect(result.reason).toBe('aborted by ana: first');
    expect(result.decisions.map((d) => `${d.kind} ${d.by} ${d.result} ${d.note ?? ''}`.trim())).toEqual([
      'abort ana accepted',
      'abort bob ignored already rolling back',
      'pause bob ignored a rollback is never paused',
      'promote bob ignored the deployment is rolling back',
    ]);
  });

  it('ignores malformed messages instead of failing the deployment', async () => {
    const world = new FakeWorld({ release: 'v1', slots: [0] });
    const deployment = canary({ replicas: 1 });
    const result = await suite.harness().withWorker(world, async (taskQueue) => {
      const handle = await suite.harness().start(taskQueue, deployment);
      await suite.harness().waitForGate(handle, 'canaryPause');
      await handle.signal(abortSignal, {} as never);
      await handle.signal(pauseSignal, 'nonsense' as never);
      expect(await promoteError(handle.executeUpdate(promoteUpdate, { args: [42 as never] }))).toMatch(/promote needs \{ by: string/);
      await handle.executeUpdate(promoteUpdate, { args: [{ by: 'ana', full: true }] });
      return handle.result();
    });
    expect(result.outcome).toBe('released');
  });
});

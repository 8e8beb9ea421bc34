import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { promoteUpdate, statusQuery } from '../../src/shared/messages';
import { devServerEnvironment } from '../support/temporal';
import { FakeWorld } from './support/fake-world';
import { expectedPlan, Harness, uniqueSpec } from './support/harness';

let env: TestWorkflowEnvironment;
let harness: Harness;

beforeAll(async () => {
  // A real dev server: the time-skipping server keeps routing tasks to a stopped worker's sticky queue.
  env = await devServerEnvironment();
  harness = new Harness(env, inject('workflowBundlePath'));
});
afterAll(async () => env?.teardown());

describe('durability', () => {
  it('a deployment waiting at a gate survives its worker stopping; a new worker finishes it after promote', async () => {
    const world = new FakeWorld({ release: 'v1', slots: [0, 1] });
    const deployment = uniqueSpec({ replicas: 2, strategy: { type: 'canary', steps: [{ setWeight: 50 }, { pause: {} }] } });
    const { calls } = await expectedPlan(world, deployment.spec);
    const taskQueue = `durable-${randomUUID()}`;
    // The first worker runs until the gate, then shuts down (runUntil stops it).
    const handle = await harness.withWorker(
      world,
      async () => {
        const started = await harness.start(taskQueue, deployment);
        await harness.waitForGate(started, 'canaryPause');
        return started;
      },
      taskQueue,
    );
    // No worker now: promote cannot be validated yet, but the gate is durable state in history.
    const callsWhileDown = world.calls.length;
    const result = await harness.withWorker(
      world,
      async () => {
        expect((await handle.query(statusQuery)).gate?.kind).toBe('canaryPause');
        await handle.executeUpdate(promoteUpdate, { args: [{ by: 'ana' }] });
        return handle.result();
      },
      taskQueue,
    );
    expect(result.outcome).toBe('released');
    expect(world.calls).toEqual(calls);
    expect(world.calls.length).toBeGreaterThan(callsWhileDown);
  });
});

import { defaultPayloadConverter } from '@temporalio/common';
import { describe, expect, it } from 'vitest';
import { promoteUpdate, statusQuery } from '../../src/shared/messages';
import { FakeWorld } from './support/fake-world';
import { expectedPlan, uniqueSpec } from './support/harness';
import { timeSkippingSuite } from './support/suite';

const suite = timeSkippingSuite();

describe('happy paths: every strategy releases, running exactly its plan', () => {
  it('rolling replaces v1 replica by replica and ends with v1 removed', async () => {
    const world = new FakeWorld({ release: 'v1', slots: [0, 1] });
    const deployment = uniqueSpec({ replicas: 2 });
    const { plan, calls } = await expectedPlan(world, deployment.spec);
    const result = await suite
      .harness()
      .withWorker(world, async (taskQueue) => (await suite.harness().start(taskQueue, deployment)).result());
    expect(result).toMatchObject({ outcome: 'released', serving: plan.targetRelease, stableRelease: 'v1', compensationFailures: [] });
    expect(world.calls).toEqual(calls);
    expect(world.routing.peers).toEqual([{ release: plan.targetRelease, slots: [0, 1] }]);
    expect(world.runningSlots('v1')).toEqual([]);
    expect(result.timeline.map((p) => p.phase)).toEqual(
      expect.arrayContaining(['preparing', 'starting', 'shifting', 'draining', 'cleaningUp', 'released']),
    );
  });

  it('blue-green waits at the promotion gate with green previewed, switches on promote, then scales blue down after the delay', async () => {
    const world = new FakeWorld({ release: 'v1', slots: [0, 1] });
    const deployment = uniqueSpec({
      replicas: 2,
      strategy: {
        type: 'blueGreen',
        preview: { header: 'X-Preview', headerValueFrom: { fromEnv: 'PREVIEW_TOKEN' } },
        scaleDownDelay: '10m',
      },
    });
    const { plan, calls } = await expectedPlan(world, deployment.spec);
    const result = await suite.harness().withWorker(world, async (taskQueue) => {
      const handle = await suite.harness().start(taskQueue, deployment);
      const atGate = await suite.harness().waitForGate(handle, 'promotion');
      expect(atGate.weights).toEqual({ v1: 100 });
      expect(atGate.routing.preview).toBe(plan.targetRelease);
      expect(atGate.replicas[plan.targetRelease]).toEqual({ running: [0, 1], healthy: [0, 1] });
      const answer = await handle.executeUpdate(promoteUpdate, { args: [{ by: 'ana', reason: 'preview looks good' }] });
      expect(answer).toMatchObject({ gate: 'promotion', full: false });
      // The 10 minute scale-down delay passes on the test server's clock.
      return handle.result();
    });
    expect(result.outcome).toBe('released');
    expect(world.calls).toEqual(calls);
    expect(result.decisions).toMatchObject([{ kind: 'promote', by: 'ana', reason: 'preview looks good', result: 'accepted' }]);
  });

  it('canary shifts 10% then 50% through a timed pause and a promote-gated pause, then promotes fully', async () => {
    const world = new FakeWorld({ release: 'v1', slots: [0, 1, 2, 3] });
    const deployment = uniqueSpec({
      replicas: 4,
      strategy: {
        type: 'canary',
        steps: [
          { setWeight: 10 },
          { pause: { duration: '5m' } },
          { setWeight: 50 },
          { pause: {} },
          { analysis: { interval: '30s', count: 2 } },
        ],
      },
    });
    const { plan, calls } = await expectedPlan(world, deployment.spec);
    const result = await suite.harness().withWorker(world, async (taskQueue) => {
      const handle = await suite.harness().start(taskQueue, deployment);
      const timed = await suite.harness().waitForStatus(handle, (s) => s.gate?.kind === 'canaryPause' && s.gate.until !== undefined);
      expect(timed.weights).toEqual({ v1: 90, [plan.targetRelease]: 10 });
      await suite.env().sleep('5m'); // the test server's clock, not ours
      const atGate = await suite.harness().waitForStatus(handle, (s) => s.gate?.kind === 'canaryPause' && s.gate.until === undefined);
      expect(atGate.weights).toEqual({ v1: 50, [plan.targetRelease]: 50 });
      await handle.executeUpdate(promoteUpdate, { args: [{ by: 'ci' }] });
      return handle.result(); // skips through the analysis intervals
    });
    expect(result.outcome).toBe('released');
    expect(world.calls).toEqual(calls);
    expect(world.routing).toEqual({
      peers: [{ release: plan.targetRelease, slots: [0, 1, 2, 3] }],
      weights: { [plan.targetRelease]: 100 },
    });
  });

  it('names its timers and its planning step in the history, so the Web UI says what each waits for', async () => {
    const world = new FakeWorld({ release: 'v1', slots: [0, 1] });
    const deployment = uniqueSpec({
      replicas: 2,
      strategy: { type: 'canary', steps: [{ setWeight: 50 }, { pause: { duration: '5m' } }, { analysis: { interval: '30s', count: 1 } }] },
    });
    const handle = await suite.harness().withWorker(world, async (taskQueue) => {
      const started = await suite.harness().start(taskQueue, deployment);
      await started.result();
      return started;
    });
    const events = (await handle.fetchHistory()).events ?? [];
    const summaries = events
      .filter((event) => event.timerStartedEventAttributes || event.activityTaskScheduledEventAttributes)
      .map((event) => defaultPayloadConverter.fromPayload<string>(event.userMetadata!.summary!));
    expect(summaries).toEqual(
      expect.arrayContaining([
        `plan ${deployment.spec.service}: observe what runs, resolve ${deployment.spec.image}`,
        'canary pause: 5m',
        expect.stringMatching(/^analysis of .+: sample 1\/1 after 30s$/),
      ]),
    );
  });

  it('recreate stops v1 before starting the new release', async () => {
    const world = new FakeWorld({ release: 'v1', slots: [0] });
    const deployment = uniqueSpec({ replicas: 1, strategy: { type: 'recreate' } });
    const { calls } = await expectedPlan(world, deployment.spec);
    const result = await suite
      .harness()
      .withWorker(world, async (taskQueue) => (await suite.harness().start(taskQueue, deployment)).result());
    expect(result.outcome).toBe('released');
    expect(world.calls).toEqual(calls);
    expect(calls.indexOf('stop v1[0]')).toBeLessThan(calls.findIndex((c) => c.startsWith('start ')));
  });

  it('a first deployment, then a redeploy of the same spec that has nothing to do', async () => {
    const world = new FakeWorld();
    const deployment = uniqueSpec({ replicas: 2, strategy: { type: 'canary', steps: [{ setWeight: 10 }, { pause: {} }] } });
    const first = await suite
      .harness()
      .withWorker(world, async (taskQueue) => (await suite.harness().start(taskQueue, deployment)).result());
    expect(first.outcome).toBe('released');
    expect(first.stableRelease).toBeUndefined();
    const callsBefore = world.calls.length;
    const again = await suite.harness().withWorker(world, async (taskQueue) => {
      const handle = await suite.harness().start(taskQueue, deployment);
      const result = await handle.result();
      expect((await handle.query(statusQuery)).notes.join(' ')).toMatch(/nothing to do/);
      return result;
    });
    expect(again).toMatchObject({ outcome: 'released', serving: first.serving, stableRelease: first.serving });
    expect(world.calls.slice(callsBefore)).toEqual(['prepareRouter']);
  });
});

import { ApplicationFailure } from '@temporalio/common';
import { describe, expect, it } from 'vitest';
import { abortSignal, promoteUpdate, statusQuery } from '../../src/shared/messages';
import { FakeWorld } from './support/fake-world';
import { uniqueSpec } from './support/harness';
import { timeSkippingSuite } from './support/suite';

const suite = timeSkippingSuite();
const world = () => new FakeWorld({ release: 'v1', slots: [0, 1] });

const runningReleases = (host: FakeWorld) => [...host.running.entries()].filter(([, slots]) => slots.size > 0).map(([release]) => release);

function servingOnly(target: string, host: FakeWorld): void {
  expect(Object.keys(host.routing.weights)).toEqual([target]);
  expect(runningReleases(host)).toEqual([target]);
}

/** A host whose worker cannot pull the image: its deployment is refused before it touches anything. */
function refusingWorld(): FakeWorld {
  const host = world();
  const activities = host.activities();
  host.activities = () => ({
    ...activities,
    observeAndPlan: () => {
      throw ApplicationFailure.create({ type: 'ImageNotFound', message: 'image app:v2 could not be pulled', nonRetryable: true });
    },
  });
  return host;
}

/** A canary to 50%, then a pause for promote, on each of `hosts` in lockstep. */
const canaryFleet = (hosts: string[]) =>
  uniqueSpec({ replicas: 2, hosts, strategy: { type: 'canary', steps: [{ setWeight: 50 }, { pause: {} }] } });

function servingStable(host: FakeWorld): void {
  expect(Object.keys(host.routing.weights)).toEqual(['v1']);
  expect(runningReleases(host)).toEqual(['v1']);
  expect(host.running.get('v1')).toEqual(new Set([0, 1]));
}

describe('a fleet deployment', () => {
  it('rolling, one host at a time: host-2 starts once host-1 is ready, and no host removes its old release before every host is ready', async () => {
    const hosts = { 'host-1': world(), 'host-2': world() };
    const log: string[] = [];
    const deployment = uniqueSpec({ replicas: 2, hosts: ['host-1', 'host-2'], fleet: { hostsAtOnce: 1 } });
    const result = await suite
      .harness()
      .withFleet(hosts, async (taskQueue) => (await suite.harness().start(taskQueue, deployment)).result(), log);
    expect(result.outcome).toBe('released');
    expect(result.hosts?.map((host) => [host.name, host.state, host.wave])).toEqual([
      ['host-1', 'released', 1],
      ['host-2', 'released', 2],
    ]);
    for (const host of Object.values(hosts)) servingOnly(result.targetRelease, host);
    const first = (entry: string) => log.indexOf(entry);
    const last = (entry: string) => log.lastIndexOf(entry);
    expect(first('host-2 startReplicas')).toBeGreaterThan(last('host-1 route'));
    expect(first('host-1 removeReplicas')).toBeGreaterThan(last('host-2 route'));
    expect(log.filter((entry) => entry.endsWith('observeAndPlan'))).toEqual(['host-1 observeAndPlan', 'host-2 observeAndPlan']);
  });

  it('a failure on the second host rolls back the first, which was ready and serving the new release', async () => {
    const hosts = { 'host-1': world(), 'host-2': world().failOn(/^wait .*\[0\]$/) };
    const deployment = uniqueSpec({ replicas: 2, hosts: ['host-1', 'host-2'] });
    const result = await suite.harness().withFleet(hosts, async (taskQueue) => {
      const handle = await suite.harness().start(taskQueue, deployment);
      return handle.result();
    });
    expect(result.outcome).toBe('rolledBack');
    expect(result.reason).toMatch(/^host-2 rolled back: Activity task failed: injected failure/);
    expect(result.hosts?.map((host) => [host.name, host.state])).toEqual([
      ['host-1', 'aborted'],
      ['host-2', 'rolledBack'],
    ]);
    for (const host of Object.values(hosts)) servingStable(host);
    // Its rollback removed the new release's replicas; the old release it had stopped was started again, never removed.
    const removals = hosts['host-1'].calls.filter((call) => call.startsWith('remove'));
    expect(removals.length).toBeGreaterThan(0);
    expect(removals.every((call) => call.startsWith(`remove ${result.targetRelease}[`))).toBe(true);
  });

  it('a host whose deployment is refused before it touches anything (an image it cannot pull) rolls the fleet back, and is reported as refused', async () => {
    const hosts = { 'host-1': world(), 'host-2': refusingWorld() };
    const deployment = uniqueSpec({ replicas: 2, hosts: ['host-1', 'host-2'] });
    const result = await suite
      .harness()
      .withFleet(hosts, async (taskQueue) => (await suite.harness().start(taskQueue, deployment)).result());
    expect(result).toMatchObject({ outcome: 'rolledBack', reason: 'host-2 was refused: image app:v2 could not be pulled' });
    expect(result.hosts?.map((host) => [host.name, host.state])).toEqual([
      ['host-1', 'aborted'],
      ['host-2', 'refused'],
    ]);
    for (const host of Object.values(hosts)) servingStable(host);
  });

  it('a full promotion never answers the fleet gate: a host waiting there stays, and is rolled back when a later host fails', async () => {
    // host-1 runs nothing yet: its first deployment is ready at once, while host-2 rolls through batch delays.
    const hosts = { 'host-1': new FakeWorld(), 'host-2': world().failOn(/^wait .*\[1\]$/) };
    const deployment = uniqueSpec({ replicas: 2, hosts: ['host-1', 'host-2'], strategy: { type: 'rolling', batchDelay: '1h' } });
    const result = await suite.harness().withFleet(hosts, async (taskQueue) => {
      const handle = await suite.harness().start(taskQueue, deployment);
      const waiting = await suite.harness().waitForGate(handle, 'batchDelay');
      // host-2's batch delay is a timer: offered as such, answered only by a full promotion.
      expect(waiting.gate).toMatchObject({ kind: 'batchDelay', promotable: false, description: 'batch delay: 1h' });
      expect(waiting.hosts?.[0]).toMatchObject({ name: 'host-1', state: 'ready', gate: { kind: 'fleet' } });
      await handle.executeUpdate(promoteUpdate, { args: [{ by: 'carol', full: true }] });
      return handle.result();
    });
    expect(result.outcome).toBe('rolledBack');
    expect(result.hosts?.map((host) => [host.name, host.state])).toEqual([
      ['host-1', 'aborted'],
      ['host-2', 'rolledBack'],
    ]);
    expect(Object.keys(hosts['host-1'].routing.weights)).toEqual([]);
    servingStable(hosts['host-2']);
  });

  it('every host refused at once (an image no host can pull): the fleet ends rolled back, naming a refused host, with nothing to undo', async () => {
    const hosts = { 'host-1': refusingWorld(), 'host-2': refusingWorld(), 'host-3': refusingWorld() };
    const deployment = canaryFleet(Object.keys(hosts));
    const result = await suite
      .harness()
      .withFleet(hosts, async (taskQueue) => (await suite.harness().start(taskQueue, deployment)).result());
    expect(result.outcome).toBe('rolledBack');
    expect(result.reason).toMatch(/^host-\d was refused: image app:v2 could not be pulled$/);
    expect(result.hosts?.map((host) => host.state)).toEqual(['refused', 'refused', 'refused']);
    for (const host of Object.values(hosts)) servingStable(host);
  });

  it('a canary takes every host in lockstep: the fleet offers the gate once every host waits at it, and one promote answers all', async () => {
    const hosts = { 'host-1': world(), 'host-2': world(), 'host-3': world() };
    const deployment = canaryFleet(Object.keys(hosts));
    const result = await suite.harness().withFleet(hosts, async (taskQueue) => {
      const handle = await suite.harness().start(taskQueue, deployment);
      const waiting = await suite.harness().waitForGate(handle, 'canaryPause');
      expect(waiting.hosts?.map((host) => host.gate)).toEqual(Array(3).fill({ kind: 'canaryPause', number: 1, promotable: true }));
      for (const host of Object.values(hosts)) expect(Object.values(host.routing.weights)).toEqual([50, 50]);
      const answer = await handle.executeUpdate(promoteUpdate, { args: [{ by: 'alice' }] });
      expect(answer).toMatchObject({ gate: 'canaryPause' });
      return handle.result();
    });
    expect(result.outcome).toBe('released');
    for (const host of Object.values(hosts)) servingOnly(result.targetRelease, host);
  });

  it('an abort at the shared gate rolls every host back', async () => {
    const hosts = { 'host-1': world(), 'host-2': world() };
    const deployment = canaryFleet(Object.keys(hosts));
    const result = await suite.harness().withFleet(hosts, async (taskQueue) => {
      const handle = await suite.harness().start(taskQueue, deployment);
      await suite.harness().waitForGate(handle, 'canaryPause');
      await handle.signal(abortSignal, { by: 'bob', reason: 'errors on the dashboard' });
      const ended = await handle.result();
      expect((await handle.query(statusQuery)).hosts?.map((host) => host.state)).toEqual(['aborted', 'aborted']);
      return ended;
    });
    expect(result.outcome).toBe('aborted');
    expect(result.reason).toBe('aborted by bob: errors on the dashboard');
    for (const host of Object.values(hosts)) servingStable(host);
  });

  it('a cancellation of the fleet workflow itself (Web UI, API) rolls every host back like an abort', async () => {
    const hosts = { 'host-1': world(), 'host-2': world() };
    const deployment = canaryFleet(Object.keys(hosts));
    const result = await suite.harness().withFleet(hosts, async (taskQueue) => {
      const handle = await suite.harness().start(taskQueue, deployment);
      await suite.harness().waitForGate(handle, 'canaryPause');
      await handle.cancel();
      return handle.result();
    });
    expect(result).toMatchObject({ outcome: 'aborted', reason: expect.stringMatching(/^aborted by temporal: the workflow was cancelled/) });
    for (const host of Object.values(hosts)) servingStable(host);
  });

  it('refuses settings no fleet could meet before touching a host', async () => {
    const deployment = uniqueSpec({ hosts: ['host-1', 'host-2'], fleet: { hostsAtOnce: 2, minHealthyHosts: 1 } });
    const failure = (await suite
      .harness()
      .withFleet({ 'host-1': world() }, async (taskQueue) => (await suite.harness().start(taskQueue, deployment)).result())
      .catch((e: unknown) => e)) as Error & { cause?: Error };
    expect(`${failure.message} ${failure.cause?.message ?? ''}`).toMatch(
      /fleet\.hostsAtOnce: taking 2 of 2 hosts at once leaves 0 serving/,
    );
  });
});

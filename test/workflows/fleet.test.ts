import { ApplicationFailure } from '@temporalio/common';
import { describe, expect, it } from 'vitest';
import { abortSignal, hostsQuery, promoteUpdate, statusQuery, type DeployResult } from '../../src/shared/messages';
import { hostDeploymentWorkflowId, hostRegistryWorkflowId } from '../../src/shared/names';
import { introduceHost } from '../../src/worker/introduce';
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

  it('tells the host registry what each host serves once it ends (`sluice hosts`)', async () => {
    const hosts = { 'host-1': world(), 'host-2': world() };
    const deployment = uniqueSpec({ replicas: 2, hosts: Object.keys(hosts) });
    const registry = await suite.harness().withFleet(hosts, async (taskQueue) => {
      const client = suite.env().client;
      for (const name of Object.keys(hosts))
        await introduceHost(client, taskQueue, {
          name,
          taskQueue: `${taskQueue}@${name}`,
          identity: `1@${name}`,
          sluiceVersion: '0.1.0',
          dockerVersion: '20.10.24',
          releases: { other: 'v9-ffff' },
          seenAt: '2026-12-05T00:00:00.000Z',
        });
      const result = await (await suite.harness().start(taskQueue, deployment)).result();
      return { result, known: await client.workflow.getHandle(hostRegistryWorkflowId(taskQueue)).query(hostsQuery) };
    });
    expect(registry.known.map((host) => host.releases)).toEqual([
      { other: 'v9-ffff', [deployment.spec.service]: registry.result.targetRelease },
      { other: 'v9-ffff', [deployment.spec.service]: registry.result.targetRelease },
    ]);
  });

  it('takes first the hosts that run fewer replicas than the spec asks (CodeDeploy: unhealthy first), saying why', async () => {
    const degraded = world();
    degraded.running.get('v1')!.delete(1);
    degraded.stopped.set('v1', new Set([1]));
    const hosts = { 'host-1': world(), 'host-2': world(), 'host-3': degraded };
    const log: string[] = [];
    const deployment = uniqueSpec({ replicas: 2, hosts: Object.keys(hosts) });
    let notes: string[] = [];
    const result = await suite.harness().withFleet(
      hosts,
      async (taskQueue) => {
        const handle = await suite.harness().start(taskQueue, deployment);
        notes = (await suite.harness().waitForStatus(handle, (status) => status.notes.length > 0)).notes;
        return handle.result();
      },
      log,
    );
    expect(notes).toEqual(['host-3 taken first: 1 of 2 replicas run, 1 stopped']);
    expect(result.hosts?.map((host) => [host.name, host.wave])).toEqual([
      ['host-3', 1],
      ['host-1', 2],
      ['host-2', 3],
    ]);
    const started = (host: string) => log.indexOf(`${host} startReplicas`);
    expect(started('host-3')).toBeLessThan(started('host-1'));
    expect(started('host-1')).toBeLessThan(started('host-2'));
    for (const host of Object.values(hosts)) servingOnly(result.targetRelease, host);
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
    // A host whose refusal comes after the first one's may be aborted first: either way it touched nothing.
    expect(result.hosts?.[0]?.state).toBe('refused');
    for (const host of result.hosts ?? []) expect(['refused', 'aborted']).toContain(host.state);
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

describe('a fleet deployment whose hosts fail or get lost', () => {
  it('onHostLost: continue finishes on the others, names the lost host, and the lost host releases once its worker is back', async () => {
    const hosts = { 'host-1': world(), 'host-2': world(), 'host-3': world() };
    const deployment = uniqueSpec({
      replicas: 2,
      hosts: Object.keys(hosts),
      fleet: { hostsAtOnce: 1, minHealthyHosts: 1, onHostLost: 'continue', hostLostAfter: '2s' },
    });
    let fleetQueue = '';
    // host-2's worker never runs: its first activity waits past hostLostAfter.
    const result = await suite.harness().withFleet(
      { 'host-1': hosts['host-1'], 'host-3': hosts['host-3'] },
      async (taskQueue) => {
        fleetQueue = taskQueue;
        return (await suite.harness().start(taskQueue, deployment)).result();
      },
      [],
      { handOver: true },
    );
    expect(result).toMatchObject({ outcome: 'released', reason: 'host-2 lost: it releases once its worker is back' });
    expect(result.hosts?.map((host) => [host.name, host.state])).toEqual([
      ['host-1', 'released'],
      ['host-2', 'lost'],
      ['host-3', 'released'],
    ]);
    expect(result.hosts?.[1]?.reason).toBe('no worker of host-2 took its work for 2s');
    servingOnly(result.targetRelease, hosts['host-1']);
    servingStable(hosts['host-2']);

    // A new deployment of the service meanwhile is refused on host-2, whose deployment still waits for its worker.
    const next = uniqueSpec({ ...deployment.document, image: 'app:v3' });
    const refused = await suite
      .harness()
      .withFleet(
        { 'host-1': hosts['host-1'], 'host-3': hosts['host-3'] },
        async (taskQueue) => (await suite.harness().start(taskQueue, next)).result(),
        [],
        { handOver: true, taskQueue: fleetQueue },
      )
      .catch((error: { cause?: { details?: DeployResult[] } }) => error.cause?.details?.[0]);
    expect(refused?.reason).toMatch(
      /^host-2 was refused: an earlier deployment still runs on host-2 \(deploy\/.*@host-2\), waiting for its worker/,
    );

    // host-2's worker comes back: its deployment goes the fleet's way, to the new release.
    const back = await suite
      .harness()
      .withFleet(
        { 'host-2': hosts['host-2'] },
        async () =>
          suite
            .env()
            .client.workflow.getHandle(hostDeploymentWorkflowId(deployment.spec.service, 'host-2'))
            .result() as Promise<DeployResult>,
        [],
        { handOver: true, taskQueue: fleetQueue },
      );
    expect(back.outcome).toBe('released');
    servingOnly(result.targetRelease, hosts['host-2']);
  });

  it('onHostLost: rollback (the default) rolls every host back and names the lost host', async () => {
    const hosts = { 'host-1': world(), 'host-2': world() };
    const deployment = uniqueSpec({ replicas: 2, hosts: Object.keys(hosts), fleet: { hostLostAfter: '2s' } });
    const result = await suite
      .harness()
      .withFleet({ 'host-1': hosts['host-1'] }, async (taskQueue) => (await suite.harness().start(taskQueue, deployment)).result());
    expect(result).toMatchObject({ outcome: 'rolledBack', reason: 'host-2 lost: no worker of host-2 took its work for 2s' });
    // host-2 was lost before it touched anything: the abort cancelled the work its worker never took, so it ended at once.
    expect(result.hosts?.map((host) => [host.name, host.state])).toEqual([
      ['host-1', 'aborted'],
      ['host-2', 'aborted'],
    ]);
    servingStable(hosts['host-1']);
  });

  it('onHostLost: continue rolls back all the same when the hosts left are fewer than minHealthyHosts', async () => {
    const hosts = { 'host-1': world(), 'host-2': world(), 'host-3': world() };
    // Three hosts one at a time keep two serving: host-2 lost leaves two, host-3 lost too leaves one.
    const deployment = uniqueSpec({ replicas: 2, hosts: Object.keys(hosts), fleet: { onHostLost: 'continue', hostLostAfter: '2s' } });
    const result = await suite
      .harness()
      .withFleet({ 'host-1': hosts['host-1'] }, async (taskQueue) => (await suite.harness().start(taskQueue, deployment)).result())
      .catch((error: { cause?: { details?: DeployResult[] } }) => error.cause?.details?.[0]);
    expect(result?.reason).toMatch(
      /^host-2, host-3 lost: their workers took none of their work for 2s; 1 host left, fewer than minHealthyHosts 2$/,
    );
    servingStable(hosts['host-1']);
  });

  it('onFailure: pause holds the fleet with every host as it is; promote starts the failed host again and goes on', async () => {
    const hosts = { 'host-1': world(), 'host-2': world().failOn(/^wait .*\[0\]$/) };
    const deployment = uniqueSpec({ replicas: 2, hosts: Object.keys(hosts), fleet: { onFailure: 'pause' } });
    const result = await suite.harness().withFleet(hosts, async (taskQueue) => {
      const handle = await suite.harness().start(taskQueue, deployment);
      const held = await suite.harness().waitForGate(handle, 'hostFailed');
      expect(held.gate).toMatchObject({ kind: 'hostFailed', promotable: true });
      expect(held.hosts?.map((host) => [host.name, host.state])).toEqual([
        ['host-1', 'ready'],
        ['host-2', 'rolledBack'],
      ]);
      // host-1 keeps the new release serving, its old one stopped but kept; host-2 is back on the stable one.
      servingStable(hosts['host-2']);
      expect(Object.keys(hosts['host-1'].routing.weights)).toEqual([held.targetRelease]);
      // A full promotion is refused at a failure: someone decides.
      await expect(handle.executeUpdate(promoteUpdate, { args: [{ by: 'carol', full: true }] })).rejects.toThrow();
      expect((await handle.query(statusQuery)).gate?.kind).toBe('hostFailed');
      await handle.executeUpdate(promoteUpdate, { args: [{ by: 'carol', reason: 'disk cleaned' }] });
      return handle.result();
    });
    expect(result.outcome).toBe('released');
    for (const host of Object.values(hosts)) servingOnly(result.targetRelease, host);
  });

  it('onFailure: pause, then abort: the fleet rolls back every host', async () => {
    const hosts = { 'host-1': world(), 'host-2': world().failOn(/^wait .*\[0\]$/) };
    const deployment = uniqueSpec({ replicas: 2, hosts: Object.keys(hosts), fleet: { onFailure: 'pause' } });
    const result = await suite.harness().withFleet(hosts, async (taskQueue) => {
      const handle = await suite.harness().start(taskQueue, deployment);
      await suite.harness().waitForGate(handle, 'hostFailed');
      await handle.signal(abortSignal, { by: 'dave', reason: 'bad release' });
      return handle.result();
    });
    expect(result).toMatchObject({ outcome: 'aborted', reason: 'aborted by dave: bad release' });
    for (const host of Object.values(hosts)) servingStable(host);
  });

  it('pauseBetweenWaves: promote waits for sluice promote before the next wave starts', async () => {
    const hosts = { 'host-1': world(), 'host-2': world() };
    const log: string[] = [];
    const deployment = uniqueSpec({ replicas: 2, hosts: Object.keys(hosts), fleet: { pauseBetweenWaves: 'promote' } });
    const result = await suite.harness().withFleet(
      hosts,
      async (taskQueue) => {
        const handle = await suite.harness().start(taskQueue, deployment);
        const waiting = await suite.harness().waitForGate(handle, 'betweenWaves');
        expect(waiting.gate).toMatchObject({ promotable: true, description: 'pause between waves: wait for `sluice promote`' });
        // Nothing but the fleet's first look at what runs there.
        expect(log.filter((entry) => entry.startsWith('host-2'))).toEqual(['host-2 observeService']);
        await handle.executeUpdate(promoteUpdate, { args: [{ by: 'erin' }] });
        return handle.result();
      },
      log,
    );
    expect(result.outcome).toBe('released');
    for (const host of Object.values(hosts)) servingOnly(result.targetRelease, host);
  });
});

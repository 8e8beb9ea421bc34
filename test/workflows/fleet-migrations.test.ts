import { describe, expect, it } from 'vitest';
import { abortSignal, promoteUpdate, statusQuery, type DeployResult } from '../../src/shared/messages';
import { hostDeploymentWorkflowId } from '../../src/shared/names';
import { FakeWorld } from './support/fake-world';
import { uniqueSpec } from './support/harness';
import { timeSkippingSuite } from './support/suite';

/** A fleet's migrations run once for every host (src/workflows/fleet/migrations.ts). A test server of its own: some hosts here stay lost. */
const suite = timeSkippingSuite();
const world = () => new FakeWorld({ release: 'v1', slots: [0, 1] });

/** A deployment's result, from its value or from the failure that carries it. */
const resultOf = (running: Promise<unknown>) =>
  running.catch((error: { cause?: { details?: DeployResult[] } }) => error.cause!.details![0]!) as Promise<DeployResult>;
const migrateCalls = (host: FakeWorld) => host.calls.filter((call) => call.startsWith('migrate'));

function servingStable(host: FakeWorld): void {
  expect(Object.keys(host.routing.weights)).toEqual(['v1']);
  expect(host.running.get('v1')).toEqual(new Set([0, 1]));
}

describe('a fleet deployment with migrations', () => {
  it('expands once before any host starts, and contracts once when every host is ready, before any host removes its old release', async () => {
    const hosts = { 'host-1': world(), 'host-2': world() };
    const log: string[] = [];
    const deployment = uniqueSpec({ replicas: 2, hosts: Object.keys(hosts), migrations: { directory: 'migrations', contract: 'auto' } });
    const result = await suite
      .harness()
      .withFleet(hosts, async (taskQueue) => (await suite.harness().start(taskQueue, deployment)).result(), log);
    expect(result.outcome).toBe('released');
    expect(migrateCalls(hosts['host-1'])).toEqual(['migrate expand', 'migrate contract']);
    expect(migrateCalls(hosts['host-2'])).toEqual([]);
    const migratedAt = log.flatMap((entry, index) => (entry.endsWith(' migrate') ? [index] : []));
    expect(migratedAt.map((index) => log[index])).toEqual(['host-1 migrate', 'host-1 migrate']);
    const [expandAt, contractAt] = migratedAt as [number, number];
    expect(log.findIndex((entry) => entry.endsWith('startReplicas'))).toBeGreaterThan(expandAt);
    expect(contractAt).toBeGreaterThan(log.lastIndexOf('host-2 route'));
    expect(log.findIndex((entry) => entry.endsWith('removeReplicas'))).toBeGreaterThan(contractAt);
  });

  it('waits at the fleet-wide contract gate (contract: onPromote); an abort there rolls every host back, then undoes expand once', async () => {
    const hosts = { 'host-1': world(), 'host-2': world() };
    const deployment = uniqueSpec({ replicas: 2, hosts: Object.keys(hosts), migrations: { directory: 'migrations' } });
    const log: string[] = [];
    const result = await suite.harness().withFleet(
      hosts,
      async (taskQueue) => {
        const handle = await suite.harness().start(taskQueue, deployment);
        const waiting = await suite.harness().waitForGate(handle, 'contract');
        expect(waiting.hosts?.map((host) => host.state)).toEqual(['ready', 'ready']);
        // A full promotion does not pass the contract gate.
        await handle.executeUpdate(promoteUpdate, { args: [{ by: 'carol', full: true }] });
        expect((await handle.query(statusQuery)).gate?.kind).toBe('contract');
        await handle.signal(abortSignal, { by: 'bob', reason: 'the backfill looks wrong' });
        return resultOf(handle.result());
      },
      log,
    );
    expect(result).toMatchObject({ outcome: 'aborted', reason: 'aborted by bob: the backfill looks wrong' });
    for (const host of Object.values(hosts)) servingStable(host);
    expect(migrateCalls(hosts['host-1'])).toEqual(['migrate expand', 'migrate rollbackExpand']);
    expect(migrateCalls(hosts['host-2'])).toEqual([]);
    // The schema last: once both hosts routed back to the old release.
    expect(log.lastIndexOf('host-1 migrate')).toBeGreaterThan(log.lastIndexOf('host-2 route'));
    expect(log.lastIndexOf('host-1 migrate')).toBeGreaterThan(log.lastIndexOf('host-1 route'));
  });

  it('a promote at the contract gate contracts and releases every host', async () => {
    const hosts = { 'host-1': world(), 'host-2': world() };
    const deployment = uniqueSpec({ replicas: 2, hosts: Object.keys(hosts), migrations: { directory: 'migrations' } });
    const result = await suite.harness().withFleet(hosts, async (taskQueue) => {
      const handle = await suite.harness().start(taskQueue, deployment);
      await suite.harness().waitForGate(handle, 'contract');
      expect(migrateCalls(hosts['host-1'])).toEqual(['migrate expand']);
      await handle.executeUpdate(promoteUpdate, { args: [{ by: 'alice' }] });
      return handle.result();
    });
    expect(result.outcome).toBe('released');
    expect(migrateCalls(hosts['host-1'])).toEqual(['migrate expand', 'migrate contract']);
  });

  it('a failed expand touches no host, and is undone', async () => {
    const hosts = { 'host-1': world().failOn('migrate expand'), 'host-2': world() };
    const deployment = uniqueSpec({ replicas: 2, hosts: Object.keys(hosts), migrations: { directory: 'migrations' } });
    const result = await suite
      .harness()
      .withFleet(hosts, async (taskQueue) => resultOf((await suite.harness().start(taskQueue, deployment)).result()));
    expect(result).toMatchObject({ outcome: 'rolledBack', reason: expect.stringMatching(/injected failure/) });
    expect(result.hosts?.map((host) => host.state)).toEqual(['waiting', 'waiting']);
    expect(migrateCalls(hosts['host-1'])).toEqual(['migrate expand', 'migrate rollbackExpand']);
    for (const host of Object.values(hosts)) expect(host.calls.filter((call) => !call.startsWith('migrate'))).toEqual([]);
  });

  it('a host without a worker does not stop them: they run on the next host; contract waits while that host, lost before it was ready, may serve the old release', async () => {
    const hosts = { 'host-1': world(), 'host-2': world(), 'host-3': world() };
    const deployment = uniqueSpec({
      replicas: 2,
      hosts: Object.keys(hosts),
      migrations: { directory: 'migrations', contract: 'auto' },
      fleet: { hostsAtOnce: 1, minHealthyHosts: 1, onHostLost: 'continue', hostLostAfter: '2s' },
    });
    let fleetQueue = '';
    // host-1's worker never runs: the expand waits 2s for it, then goes to host-2.
    const result = await suite.harness().withFleet(
      { 'host-2': hosts['host-2'], 'host-3': hosts['host-3'] },
      async (taskQueue) => {
        fleetQueue = taskQueue;
        return (await suite.harness().start(taskQueue, deployment)).result();
      },
      [],
      { handOver: true },
    );
    expect(migrateCalls(hosts['host-2'])).toEqual(['migrate expand']);
    expect(migrateCalls(hosts['host-3'])).toEqual([]);
    expect(result).toMatchObject({
      outcome: 'released',
      reason:
        'host-1 lost: it releases once its worker is back; contract migrations not run: host-1 (lost before it was ready) may still serve the old release, which contract would break; deploy the same spec again once its worker is back',
    });
    // host-1's worker comes back: it releases, with no migration of its own.
    const back = await suite
      .harness()
      .withFleet(
        { 'host-1': hosts['host-1'] },
        async () =>
          suite
            .env()
            .client.workflow.getHandle(hostDeploymentWorkflowId(deployment.spec.service, 'host-1'))
            .result() as Promise<DeployResult>,
        [],
        { handOver: true, taskQueue: fleetQueue },
      );
    expect(back.outcome).toBe('released');
    expect(migrateCalls(hosts['host-1'])).toEqual([]);
  });

  it('a failed contract undoes nothing: the hosts clean up all the same, and the outcome says so', async () => {
    const hosts = { 'host-1': world().failOn('migrate contract'), 'host-2': world() };
    const deployment = uniqueSpec({ replicas: 2, hosts: Object.keys(hosts), migrations: { directory: 'migrations', contract: 'auto' } });
    const result = await suite
      .harness()
      .withFleet(hosts, async (taskQueue) => resultOf((await suite.harness().start(taskQueue, deployment)).result()));
    expect(result.outcome).toBe('failed');
    expect(result.reason).toMatch(
      /^contract migrations failed past the point of no return, so nothing was undone and the new release keeps serving: .*injected failure.*; deploy the same spec again to run them$/,
    );
    expect(migrateCalls(hosts['host-1'])).toEqual(['migrate expand', 'migrate contract']);
    for (const host of Object.values(hosts)) {
      expect(Object.keys(host.routing.weights)).toEqual([result.targetRelease]);
      expect(host.running.get('v1')?.size ?? 0).toBe(0);
    }
  });

  it("expand that no host's worker takes is not undone (nothing of it ran): the fleet ends rolled back", async () => {
    const deployment = uniqueSpec({
      replicas: 2,
      hosts: ['host-1', 'host-2'],
      migrations: { directory: 'migrations' },
      fleet: { hostLostAfter: '2s' },
    });
    const log: string[] = [];
    const result = await suite
      .harness()
      .withFleet({}, async (taskQueue) => resultOf((await suite.harness().start(taskQueue, deployment)).result()), log);
    expect(result).toMatchObject({
      outcome: 'rolledBack',
      reason: 'no worker of host-1, host-2 took the expand migrations within 2s',
    });
    expect(log).toEqual([]);
  });
});

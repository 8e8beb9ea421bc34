import { MockActivityEnvironment } from '@temporalio/testing';
import type { ApplicationFailure } from '@temporalio/common';
import { describe, expect, it } from 'vitest';
import { createReplicaActivities, type HealthProgress } from '../../../src/activities/replicas';
import type { HealthSpec } from '../../../src/shared/spec';
import { runActivity, runActivityIn } from '../../support/activity';
import { FakeProber, FakeRuntime, fakeSecrets, replica } from '../../support/fake-ports';

const health = (overrides: Partial<HealthSpec> = {}): HealthSpec => ({
  path: '/ready',
  expectStatus: 200,
  interval: 50,
  timeout: 1000,
  healthyThreshold: 1,
  unhealthyThreshold: 3,
  startPeriod: 0,
  useDockerHealthcheck: false,
  ...overrides,
});

const secrets = fakeSecrets();

describe('waitHealthy', () => {
  it('probes every replica at once, so a round costs the slowest probe, not the sum', async () => {
    const runtime = new FakeRuntime([0, 1, 2, 3, 4].map((slot) => replica('v2', slot)));
    const prober = new FakeProber(() => true, 200);
    const { waitHealthy } = createReplicaActivities({ runtime, prober, secrets });
    const report = await runActivity(waitHealthy, { service: 'web', release: 'v2', slots: [0, 1, 2, 3, 4], health: health() });
    expect(report.healthy).toEqual([0, 1, 2, 3, 4]);
    expect(prober.maxConcurrent).toBe(5);
  });

  it('heartbeats while it waits out a long interval, not only once per round', async () => {
    const runtime = new FakeRuntime([replica('v2', 0)]);
    const prober = new FakeProber();
    const { waitHealthy } = createReplicaActivities({ runtime, prober, secrets }, { heartbeatEveryMs: 20 });
    const environment = new MockActivityEnvironment();
    const beats: unknown[] = [];
    environment.on('heartbeat', (details: unknown) => beats.push(details));
    await runActivityIn(environment, waitHealthy, { service: 'web', release: 'v2', slots: [0], health: health({ interval: 600, healthyThreshold: 2 }) });
    expect(prober.urls).toHaveLength(2);
    // Two probes, one interval between them: the heartbeats kept coming during it.
    expect(beats.length).toBeGreaterThanOrEqual(4);
    expect(beats.at(-1)).toMatchObject({ slots: { 0: { successes: 2, failures: 0 } } });
  });

  it('a retry resumes from the counts and start time of the heartbeat details', async () => {
    const runtime = new FakeRuntime([replica('v2', 0), replica('v2', 1)]);
    const prober = new FakeProber((url) => !url.includes(':20001'));
    const { waitHealthy } = createReplicaActivities({ runtime, prober, secrets });
    // Slot 0 had 2 of 3 successes; slot 1 had 2 failures, and the start period (1 min) began 2 min ago.
    const resumed: HealthProgress = { startedAt: Date.now() - 120_000, slots: { 0: { successes: 2, failures: 0 }, 1: { successes: 0, failures: 2 } } };
    const environment = new MockActivityEnvironment({ heartbeatDetails: resumed });
    const error = await runActivityIn(environment, waitHealthy, { service: 'web', release: 'v2', slots: [0, 1], health: health({ healthyThreshold: 3, unhealthyThreshold: 3, startPeriod: 60_000 }) }).catch((e: unknown) => e);
    expect(error).toMatchObject({ type: 'ReplicaUnhealthy', message: expect.stringMatching(/sluice_web_v2_1 is unhealthy: 3 failed checks in a row/) });
    expect(prober.urls.filter((url) => url.includes(':20001'))).toHaveLength(1);
  });

  it('an unhealthy replica\'s failure carries its last log lines, unless the worker encrypts payloads: then they stay on the host', async () => {
    const canary = `API_TOKEN=canary-${Date.now()}`;
    const failing = async (containerLogs: 'attach' | 'withhold') => {
      const runtime = new FakeRuntime([replica('v2', 0)]);
      runtime.containerOutput = `starting with ${canary}`;
      const { waitHealthy } = createReplicaActivities({ runtime, prober: new FakeProber(() => false), secrets }, { containerLogs });
      return (await runActivity(waitHealthy, { service: 'web', release: 'v2', slots: [0], health: health({ unhealthyThreshold: 1 }) }).catch((e: unknown) => e)) as ApplicationFailure;
    };
    expect(JSON.stringify((await failing('attach')).details)).toContain(canary);
    const withheld = await failing('withhold');
    expect(withheld).toMatchObject({ type: 'ReplicaUnhealthy' });
    expect(JSON.stringify({ message: withheld.message, details: withheld.details })).not.toContain(canary);
    expect(JSON.stringify(withheld.details)).toMatch(/not attached: this worker encrypts payloads.*docker logs sluice_web_v2_0/);
  });

  it('stops and removes every container labelled with the slot (one named the old way too), and only those', async () => {
    const runtime = new FakeRuntime([replica('v1', 0), replica('v1', 0, { name: 'sluice-web-v1-0' }), replica('v1', 1), replica('v2', 0)]);
    const { stopReplicas, removeReplicas } = createReplicaActivities({ runtime, prober: new FakeProber(() => true), secrets });
    await runActivity(stopReplicas, { service: 'web', release: 'v1', slots: [0], gracePeriodMs: 1000 });
    await runActivity(removeReplicas, { service: 'web', release: 'v1', slots: [0, 5], gracePeriodMs: 1000 });
    expect(runtime.stopped).toEqual(['sluice_web_v1_0', 'sluice-web-v1-0']);
    expect(runtime.removed).toEqual(['sluice_web_v1_0', 'sluice-web-v1-0']);
  });

  it('probes a replica with the health settings recorded on its container, not the deploying spec\'s', async () => {
    const recorded = health({ path: '/old-ready', expectStatus: 204 });
    const runtime = new FakeRuntime([replica('v1', 0, { healthCheck: recorded }), replica('v1', 1)]);
    const prober = new FakeProber();
    const { waitHealthy } = createReplicaActivities({ runtime, prober, secrets });
    await runActivity(waitHealthy, { service: 'web', release: 'v1', slots: [0, 1], health: health({ path: '/ready' }) });
    expect(prober.urls.sort()).toEqual(['http://127.0.0.1:20000/old-ready', 'http://127.0.0.1:20001/ready']);
  });

  it('a replica Docker is restarting counts as a failed check that can heal, not an instant failure', async () => {
    const restarting = replica('v1', 0, { state: 'restarting', address: undefined });
    const runtime = new FakeRuntime([restarting], [restarting], [replica('v1', 0)]);
    const prober = new FakeProber();
    const { waitHealthy } = createReplicaActivities({ runtime, prober, secrets });
    const report = await runActivity(waitHealthy, { service: 'web', release: 'v1', slots: [0], health: health() });
    expect(report.healthy).toEqual([0]);
    expect(prober.urls).toHaveLength(1);
  });

  it('a replica whose container exited fails at once', async () => {
    const runtime = new FakeRuntime([replica('v2', 0, { state: 'exited', address: undefined })]);
    const { waitHealthy } = createReplicaActivities({ runtime, prober: new FakeProber(), secrets });
    const error = await runActivity(waitHealthy, { service: 'web', release: 'v2', slots: [0], health: health() }).catch((e: unknown) => e);
    expect(error).toMatchObject({ type: 'ReplicaUnhealthy', nonRetryable: true, message: expect.stringMatching(/its container is exited/) });
  });

  it('tolerating (a rollback): a replica that exits is reported and the others count; with none healthy it still fails', async () => {
    const runtime = new FakeRuntime([replica('v1', 0), replica('v1', 1, { state: 'exited', address: undefined })]);
    const { waitHealthy } = createReplicaActivities({ runtime, prober: new FakeProber(), secrets });
    expect(await runActivity(waitHealthy, { service: 'web', release: 'v1', slots: [0, 1], health: health(), tolerate: true })).toMatchObject({ healthy: [0], unhealthy: [1] });
    const error = await runActivity(waitHealthy, { service: 'web', release: 'v1', slots: [1], health: health(), tolerate: true }).catch((e: unknown) => e);
    expect(error).toMatchObject({ type: 'ReplicaUnhealthy' });
  });
});

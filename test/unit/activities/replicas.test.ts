import { CancelledFailure, type ApplicationFailure } from '@temporalio/common';
import { describe, expect, it } from 'vitest';
import { createReplicaActivities, memoryBytes, type HealthProgress } from '../../../src/activities/replicas';
import type { HealthSpec } from '../../../src/shared/spec';
import type { ContainerTemplate } from '../../../src/domain';
import { activityEnvironment, runActivity, runActivityIn } from '../../support/activity';
import { FakeProber, FakeRuntime, fakeSecrets, hangUntilAborted, replica } from '../../support/fake-ports';

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
    const environment = activityEnvironment();
    const beats: unknown[] = [];
    environment.on('heartbeat', (details: unknown) => beats.push(details));
    await runActivityIn(environment, waitHealthy, {
      service: 'web',
      release: 'v2',
      slots: [0],
      health: health({ interval: 600, healthyThreshold: 2 }),
    });
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
    const resumed: HealthProgress = {
      startedAt: Date.now() - 120_000,
      slots: { 0: { successes: 2, failures: 0 }, 1: { successes: 0, failures: 2 } },
    };
    const environment = activityEnvironment({ heartbeatDetails: resumed });
    const error = await runActivityIn(environment, waitHealthy, {
      service: 'web',
      release: 'v2',
      slots: [0, 1],
      health: health({ healthyThreshold: 3, unhealthyThreshold: 3, startPeriod: 60_000 }),
    }).catch((e: unknown) => e);
    expect(error).toMatchObject({
      type: 'ReplicaUnhealthy',
      message: expect.stringMatching(/sluice_web_v2_1 is unhealthy: 3 failed checks in a row/),
    });
    expect(prober.urls.filter((url) => url.includes(':20001'))).toHaveLength(1);
  });

  it("an unhealthy replica's failure carries its last log lines, unless the worker encrypts payloads: then they stay on the host", async () => {
    const canary = `API_TOKEN=canary-${Date.now()}`;
    const failing = async (containerLogs: 'attach' | 'withhold') => {
      const runtime = new FakeRuntime([replica('v2', 0)]);
      runtime.containerOutput = `starting with ${canary}`;
      const { waitHealthy } = createReplicaActivities({ runtime, prober: new FakeProber(() => false), secrets }, { containerLogs });
      return (await runActivity(waitHealthy, {
        service: 'web',
        release: 'v2',
        slots: [0],
        health: health({ unhealthyThreshold: 1 }),
      }).catch((e: unknown) => e)) as ApplicationFailure;
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

  it("probes a replica with the health settings recorded on its container, not the deploying spec's", async () => {
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
    expect(error).toMatchObject({
      type: 'ReplicaUnhealthy',
      nonRetryable: true,
      message: expect.stringMatching(/its container is exited/),
    });
  });

  it('tolerating (a rollback): a replica that exits is reported and the others count; with none healthy it still fails', async () => {
    const runtime = new FakeRuntime([replica('v1', 0), replica('v1', 1, { state: 'exited', address: undefined })]);
    const { waitHealthy } = createReplicaActivities({ runtime, prober: new FakeProber(), secrets });
    expect(
      await runActivity(waitHealthy, { service: 'web', release: 'v1', slots: [0, 1], health: health(), tolerate: true }),
    ).toMatchObject({ healthy: [0], unhealthy: [1] });
    const error = await runActivity(waitHealthy, { service: 'web', release: 'v1', slots: [1], health: health(), tolerate: true }).catch(
      (e: unknown) => e,
    );
    expect(error).toMatchObject({ type: 'ReplicaUnhealthy' });
  });
});

/** Resolves once `condition` holds (polled); the test's own timeout bounds it. */
async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((resolve) => setTimeout(resolve, 5));
}

/** A prober answering from a script per slot (by port): the last answer repeats. */
function scripted(answers: Record<number, Array<boolean | { error: string } | { status: number }>>): FakeProber {
  const asked: Record<number, number> = {};
  return new FakeProber((url) => {
    const slot = Number(/:(\d+)\//.exec(url)![1]) - 20000;
    const script = answers[slot]!;
    const answer = script[Math.min(asked[slot] ?? 0, script.length - 1)]!;
    asked[slot] = (asked[slot] ?? 0) + 1;
    return typeof answer === 'boolean' ? answer : { ok: false, ...answer };
  });
}

const waitFor = (slots: number[], overrides: Partial<HealthSpec> = {}) => ({
  service: 'web',
  release: 'v2',
  slots,
  health: health({ interval: 5, ...overrides }),
});

describe('waitHealthy: the health-check state machine', () => {
  it('healthy takes healthyThreshold successes in a row: a failure in between starts the count again', async () => {
    const prober = scripted({ 0: [true, false, true, true] });
    const { waitHealthy } = createReplicaActivities({ runtime: new FakeRuntime([replica('v2', 0)]), prober, secrets });
    const report = await runActivity(waitHealthy, waitFor([0], { healthyThreshold: 2 }));
    expect(report).toEqual({ healthy: [0], probes: 4 });
    expect(prober.calls.map((c) => [c.url, c.expectStatus, c.timeoutMs])).toEqual(
      Array(4).fill(['http://127.0.0.1:20000/ready', 200, 1000]),
    );
  });

  it('unhealthy after unhealthyThreshold failures in a row: a non-retryable ReplicaUnhealthy with the last probes (at most 5) and log lines', async () => {
    const runtime = new FakeRuntime([replica('v2', 0)]);
    runtime.containerOutput = 'panic: config missing';
    const prober = scripted({ 0: [{ status: 500 }] });
    const { waitHealthy } = createReplicaActivities({ runtime, prober, secrets });
    const error = (await runActivity(waitHealthy, waitFor([0], { unhealthyThreshold: 7 })).catch((e: unknown) => e)) as ApplicationFailure;
    expect(error).toMatchObject({
      type: 'ReplicaUnhealthy',
      nonRetryable: true,
      message: 'replica sluice_web_v2_0 is unhealthy: 7 failed checks in a row, last: status 500',
    });
    const [details] = error.details as [{ replica: string; recentProbes: unknown[]; lastLogLines: string }];
    expect(details.replica).toBe('sluice_web_v2_0');
    expect(details.recentProbes).toHaveLength(5);
    expect(details.recentProbes[4]).toMatchObject({ ok: false, status: 500 });
    expect(details.lastLogLines).toBe('panic: config missing');
    expect(prober.calls).toHaveLength(7);
  });

  it("a probe that timed out is a failed check, with the prober's error in the verdict", async () => {
    const prober = scripted({ 0: [{ error: 'timed out after 250 ms' }] });
    const { waitHealthy } = createReplicaActivities({ runtime: new FakeRuntime([replica('v2', 0)]), prober, secrets });
    const error = await runActivity(waitHealthy, waitFor([0], { timeout: 250, unhealthyThreshold: 2 })).catch((e: unknown) => e);
    expect(error).toMatchObject({
      type: 'ReplicaUnhealthy',
      message: 'replica sluice_web_v2_0 is unhealthy: 2 failed checks in a row, last: timed out after 250 ms',
    });
    expect(prober.calls.every((call) => call.timeoutMs === 250)).toBe(true);
  });

  it('failures inside the start period do not count; after it, the replica can still turn healthy', async () => {
    const prober = scripted({ 0: [false, false, false, false, true] });
    const { waitHealthy } = createReplicaActivities({ runtime: new FakeRuntime([replica('v2', 0)]), prober, secrets });
    expect(await runActivity(waitHealthy, waitFor([0], { startPeriod: 60_000, unhealthyThreshold: 2 }))).toEqual({
      healthy: [0],
      probes: 5,
    });
  });

  it('the logs of an unhealthy replica that cannot be read are reported as such, not a second failure', async () => {
    const runtime = new FakeRuntime([replica('v2', 0)]);
    runtime.logs = async () => {
      throw new Error('container gone');
    };
    const { waitHealthy } = createReplicaActivities({ runtime, prober: new FakeProber(() => false), secrets });
    const error = (await runActivity(waitHealthy, waitFor([0], { unhealthyThreshold: 1 })).catch((e: unknown) => e)) as ApplicationFailure;
    expect(error.type).toBe('ReplicaUnhealthy');
    expect(error.details).toEqual([expect.objectContaining({ lastLogLines: '(logs unavailable: container gone)' })]);
  });

  it('a replica Docker keeps restarting fails once the restarts count unhealthyThreshold checks, naming its state', async () => {
    const restarting = replica('v2', 0, { state: 'restarting', address: undefined });
    const prober = new FakeProber();
    const { waitHealthy } = createReplicaActivities({ runtime: new FakeRuntime([restarting]), prober, secrets });
    const error = await runActivity(waitHealthy, waitFor([0], { unhealthyThreshold: 3 })).catch((e: unknown) => e);
    expect(error).toMatchObject({
      type: 'ReplicaUnhealthy',
      message: 'replica sluice_web_v2_0 is unhealthy: 3 failed checks in a row, last: its container is restarting',
    });
    expect(prober.calls).toEqual([]);
  });

  it('a replica that disappears while it is waited for is ReplicaMissing (non-retryable)', async () => {
    const { waitHealthy } = createReplicaActivities({
      runtime: new FakeRuntime([replica('v2', 0)], []),
      prober: new FakeProber(() => false),
      secrets,
    });
    const error = await runActivity(waitHealthy, waitFor([0])).catch((e: unknown) => e);
    expect(error).toMatchObject({
      type: 'ReplicaMissing',
      nonRetryable: true,
      message: 'replica sluice_web_v2_0 disappeared while waiting for it to become healthy',
    });
  });

  it('the slots watched at once share one container listing per moment', async () => {
    const runtime = new FakeRuntime([0, 1, 2, 3, 4].map((slot) => replica('v2', slot)));
    const { waitHealthy } = createReplicaActivities({ runtime, prober: new FakeProber(), secrets });
    await runActivity(waitHealthy, waitFor([0, 1, 2, 3, 4]));
    expect(runtime.listCalls).toBe(1);
  });

  it("the first slot to fail stops the probes of the others (their signal aborts), and its failure is the activity's", async () => {
    const prober = new FakeProber((url, signal) => (url.includes(':20001') ? hangUntilAborted(signal) : true));
    const runtime = new FakeRuntime([replica('v2', 0, { state: 'exited', address: undefined }), replica('v2', 1)]);
    const { waitHealthy } = createReplicaActivities({ runtime, prober, secrets });
    const error = await runActivity(waitHealthy, waitFor([0, 1])).catch((e: unknown) => e);
    expect(error).toMatchObject({
      type: 'ReplicaUnhealthy',
      message: expect.stringMatching(/sluice_web_v2_0 is unhealthy: its container is exited/),
    });
    expect(prober.calls.map((c) => c.signal.aborted)).toEqual([true]);
  });

  describe("cancellation (abort, a deadline): the activity's signal reaches the probes and the waits", () => {
    it('a probe in flight is aborted and the activity ends cancelled, probing no more', async () => {
      const prober = new FakeProber((_url, signal) => hangUntilAborted(signal));
      const { waitHealthy } = createReplicaActivities({ runtime: new FakeRuntime([replica('v2', 0), replica('v2', 1)]), prober, secrets });
      const environment = activityEnvironment();
      const waiting = runActivityIn(environment, waitHealthy, waitFor([0, 1]));
      await until(() => prober.calls.length === 2);
      environment.cancel();
      expect(await waiting.catch((e: unknown) => e)).toBeInstanceOf(CancelledFailure);
      expect(prober.calls.map((c) => c.signal.aborted)).toEqual([true, true]);
      await new Promise((resolve) => setTimeout(resolve, 30));
      expect(prober.calls).toHaveLength(2);
    });

    it('a wait between probes (a long interval) ends at once', async () => {
      const prober = new FakeProber(() => false);
      const { waitHealthy } = createReplicaActivities(
        { runtime: new FakeRuntime([replica('v2', 0)]), prober, secrets },
        { heartbeatEveryMs: 60_000 },
      );
      const environment = activityEnvironment();
      const waiting = runActivityIn(environment, waitHealthy, waitFor([0], { interval: 3_600_000 }));
      await until(() => prober.calls.length === 1);
      environment.cancel();
      expect(await waiting.catch((e: unknown) => e)).toBeInstanceOf(CancelledFailure);
      expect(prober.calls).toHaveLength(1);
    });
  });

  describe("with the image's own HEALTHCHECK (useDockerHealthcheck)", () => {
    const docker = { useDockerHealthcheck: true };

    it('waits out Docker\'s "starting" (no verdict, no check counted) and takes "healthy"; never probes over HTTP', async () => {
      const starting = replica('v2', 0, { health: 'starting' });
      const prober = new FakeProber();
      const { waitHealthy } = createReplicaActivities({
        runtime: new FakeRuntime([starting], [starting], [replica('v2', 0, { health: 'healthy' })]),
        prober,
        secrets,
      });
      expect(await runActivity(waitHealthy, waitFor([0], docker))).toEqual({ healthy: [0], probes: 1 });
      expect(prober.calls).toEqual([]);
    });

    it('Docker\'s "unhealthy" counts as a failed check', async () => {
      const { waitHealthy } = createReplicaActivities({
        runtime: new FakeRuntime([replica('v2', 0, { health: 'unhealthy' })]),
        prober: new FakeProber(),
        secrets,
      });
      const error = await runActivity(waitHealthy, waitFor([0], { ...docker, unhealthyThreshold: 2 })).catch((e: unknown) => e);
      expect(error).toMatchObject({
        type: 'ReplicaUnhealthy',
        message: 'replica sluice_web_v2_0 is unhealthy: 2 failed checks in a row, last: docker health is unhealthy',
      });
    });

    it('an image without a HEALTHCHECK fails at once, saying to set health.path instead', async () => {
      const { waitHealthy } = createReplicaActivities({
        runtime: new FakeRuntime([replica('v2', 0, { health: 'none' })]),
        prober: new FakeProber(),
        secrets,
      });
      const error = await runActivity(waitHealthy, waitFor([0], docker)).catch((e: unknown) => e);
      expect(error).toMatchObject({
        type: 'ReplicaUnhealthy',
        message: 'image app:v2 has no HEALTHCHECK: set health.path instead of health.useDockerHealthcheck',
      });
    });
  });
});

const template = (overrides: Partial<ContainerTemplate> = {}): ContainerTemplate => ({
  image: 'app:v2',
  pinnedImage: 'app@sha256:abc',
  port: 8080,
  env: { MODE: 'prod', API_TOKEN: 'from-template' },
  secrets: [{ name: 'API_TOKEN', fromEnv: 'WEB_TOKEN' }],
  command: ['serve', '--fast'],
  resources: { memory: '256m', cpus: 0.5 },
  stopGracePeriod: 7000,
  ...overrides,
});

describe('startReplicas', () => {
  it('keeps a running replica, restarts a stopped one, creates a missing one from the template (secrets resolved over env); in slot order', async () => {
    const runtime = new FakeRuntime([replica('v2', 0), replica('v2', 1, { state: 'exited', address: undefined }), replica('v1', 2)]);
    const { startReplicas } = createReplicaActivities({ runtime, prober: new FakeProber(), secrets: fakeSecrets({ WEB_TOKEN: 's3cret' }) });
    const recorded = health({ path: '/healthz' });
    const started = await runActivity(startReplicas, {
      service: 'web',
      release: 'v2',
      slots: [0, 1, 2],
      deployment: 'deploy/web/run-1',
      template: template(),
      health: recorded,
    });
    expect(started.map((r) => [r.slot, r.state])).toEqual([
      [0, 'running'],
      [1, 'running'],
      [2, 'running'],
    ]);
    expect(runtime.restarted).toEqual(['sluice_web_v2_1']);
    expect(runtime.ensured).toEqual(['app@sha256:abc']);
    expect(runtime.created).toEqual([
      {
        service: 'web',
        release: 'v2',
        slot: 2,
        deployment: 'deploy/web/run-1',
        image: 'app:v2',
        pinnedImage: 'app@sha256:abc',
        port: 8080,
        env: { MODE: 'prod', API_TOKEN: 's3cret' },
        command: ['serve', '--fast'],
        memoryBytes: 256 * 1024 ** 2,
        cpus: 0.5,
        stopGracePeriodMs: 7000,
        health: recorded,
      },
    ]);
  });

  it('pulls nothing when every slot has its container', async () => {
    const runtime = new FakeRuntime([replica('v2', 0)]);
    const { startReplicas } = createReplicaActivities({ runtime, prober: new FakeProber(), secrets: fakeSecrets({ WEB_TOKEN: 'x' }) });
    await runActivity(startReplicas, { service: 'web', release: 'v2', slots: [0], deployment: 'd', template: template() });
    expect(runtime.ensured).toEqual([]);
    expect(runtime.created).toEqual([]);
  });

  it('a rollback restart (no template) of a release whose container is gone: ReplicaMissing, nothing started', async () => {
    const runtime = new FakeRuntime([replica('v1', 0, { state: 'exited', address: undefined })]);
    const { startReplicas } = createReplicaActivities({ runtime, prober: new FakeProber(), secrets });
    const error = await runActivity(startReplicas, { service: 'web', release: 'v1', slots: [0, 1], deployment: 'd' }).catch(
      (e: unknown) => e,
    );
    expect(error).toMatchObject({
      type: 'ReplicaMissing',
      nonRetryable: true,
      message: expect.stringMatching(/^release v1 has no container for slot\(s\) 1 and cannot be recreated here/),
    });
    expect(runtime.restarted).toEqual([]);
  });

  it('a secret the worker cannot resolve refuses before any image is pulled or container made', async () => {
    const runtime = new FakeRuntime([]);
    const { startReplicas } = createReplicaActivities({ runtime, prober: new FakeProber(), secrets: fakeSecrets() });
    const error = await runActivity(startReplicas, {
      service: 'web',
      release: 'v2',
      slots: [0],
      deployment: 'd',
      template: template(),
    }).catch((e: unknown) => e);
    expect(error).toMatchObject({
      type: 'SecretUnavailable',
      message: 'secret API_TOKEN: the worker has no environment variable WEB_TOKEN',
    });
    expect(runtime.ensured).toEqual([]);
    expect(runtime.created).toEqual([]);
  });
});

describe('stopReplicas / removeReplicas', () => {
  it('pass the grace period down and heartbeat each slot done', async () => {
    const runtime = new FakeRuntime([replica('v1', 0), replica('v1', 1)]);
    const { stopReplicas } = createReplicaActivities({ runtime, prober: new FakeProber(), secrets });
    const environment = activityEnvironment();
    const beats: unknown[] = [];
    environment.on('heartbeat', (details: unknown) => beats.push(details));
    await runActivityIn(environment, stopReplicas, { service: 'web', release: 'v1', slots: [0, 1], gracePeriodMs: 4321 });
    expect(runtime.graces).toEqual([4321, 4321]);
    expect(beats).toEqual([{ stopped: 0 }, { stopped: 1 }]);
  });
});

describe('memoryBytes', () => {
  it.each([
    ['512b', 512],
    ['64k', 64 * 1024],
    ['256m', 256 * 1024 ** 2],
    ['2G', 2 * 1024 ** 3],
  ])('%s is %d bytes', (text, bytes) => {
    expect(memoryBytes(text)).toBe(bytes);
  });
});

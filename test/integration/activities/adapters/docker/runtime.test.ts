import { ApplicationFailure } from '@temporalio/common';
import Docker from 'dockerode';
import { MockActivityEnvironment } from '@temporalio/testing';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DockerRuntime } from '../../../../../src/activities/adapters/docker/runtime';
import { HttpProber } from '../../../../../src/activities/adapters/http/prober';
import { createReplicaActivities } from '../../../../../src/activities/replicas';
import { replicaName } from '../../../../../src/shared/names';
import { containerTemplate } from '../../../../../src/planner/release';
import { fixtureImage } from '../../../../../src/stack/fixtures';
import { runActivity, runActivityIn } from '../../../../support/activity';
import { dockerConfigFor, pushAs, pushPrivateImage } from '../../../../support/registry';
import { makeSpec } from '../../../../support/specs';
import { fakeSecrets } from '../../../../support/fake-ports';
import { removeServiceContainers, stackValue, testServiceName } from '../../../../support/stack';

stackValue('DOCKER_HOST');
const docker = new Docker();
const runtime = new DockerRuntime(docker);
const activities = createReplicaActivities({ runtime, prober: new HttpProber(), secrets: fakeSecrets(process.env) });
const service = testServiceName('rt');
const spec = makeSpec({ service, image: fixtureImage('v1'), replicas: 1, env: { GREETING: 'hi' }, stopGracePeriod: '5s' });
const start = (slots: number[], overrides: Partial<ReturnType<typeof containerTemplate>> = {}) =>
  runActivity(activities.startReplicas, {
    service,
    release: 'r1',
    slots,
    deployment: 'test/run',
    template: { ...containerTemplate(spec), ...overrides },
  });

afterAll(async () => removeServiceContainers(docker, service));

describe('DockerRuntime through the replica activities', () => {
  it('starts the fixture, labelled and published on loopback, and it answers with its version over HTTP', async () => {
    const [replica] = await start([0]);
    expect(replica).toMatchObject({
      name: replicaName(service, 'r1', 0),
      release: 'r1',
      slot: 0,
      state: 'running',
      deployment: 'test/run',
    });
    expect(replica!.address).toMatch(/^127\.0\.0\.1:\d+$/);
    await runActivity(activities.waitHealthy, { service, release: 'r1', slots: [0], health: spec.health });
    const response = await fetch(`http://${replica!.address}/version`);
    expect(response.headers.get('x-release')).toBe('v1');
    expect(await response.json()).toMatchObject({ release: 'v1' });
  });

  it('starting the same replica again yields the same single container', async () => {
    const again = await start([0]);
    const listed = await runtime.listReplicas(service);
    expect(listed.filter((r) => r.slot === 0)).toHaveLength(1);
    expect(again[0]!.address).toBe(listed.find((r) => r.slot === 0)!.address);
  });

  it('a retry after an attempt died mid-start (container created, never started) finds and starts it', async () => {
    const name = replicaName(service, 'r1', 1);
    // What a killed attempt leaves behind: the container exists but was never started.
    await docker.createContainer({
      name,
      Image: fixtureImage('v1'),
      Labels: { 'dev.sluice.managed-by': 'sluice', 'dev.sluice.service': service, 'dev.sluice.release': 'r1', 'dev.sluice.slot': '1' },
      ExposedPorts: { '8080/tcp': {} },
      HostConfig: { PortBindings: { '8080/tcp': [{ HostIp: '127.0.0.1', HostPort: '' }] } },
    });
    const [replica] = await start([1]);
    expect(replica).toMatchObject({ name, state: 'running' });
    expect((await runtime.listReplicas(service)).filter((r) => r.slot === 1)).toHaveLength(1);
  });

  it("a container with a replica's name that is another service's is neither adopted, stopped nor removed", async () => {
    const name = replicaName(service, 'r1', 7);
    const victim = `${service}-victim`;
    // Another service's live replica that happens to carry this name (the old `-` names made such collisions constructible).
    const foreign = await docker.createContainer({
      name,
      Image: fixtureImage('v1'),
      Labels: { 'dev.sluice.managed-by': 'sluice', 'dev.sluice.service': victim, 'dev.sluice.release': 'v1', 'dev.sluice.slot': '0' },
    });
    try {
      await foreign.start();
      const error = await start([7]).catch((e: unknown) => e);
      expect(error).toMatchObject({
        type: 'ContainerNameTaken',
        nonRetryable: true,
        message: expect.stringContaining(`is replica 0 of release v1 of service ${victim}: sluice does not adopt it`),
      });
      await runActivity(activities.stopReplicas, { service, release: 'r1', slots: [7], gracePeriodMs: 1000 });
      await runActivity(activities.removeReplicas, { service, release: 'r1', slots: [7], gracePeriodMs: 1000 });
      expect((await foreign.inspect()).State.Running).toBe(true);
    } finally {
      await foreign.remove({ force: true });
    }
  });

  it("a replica a keyed runtime starts is proven sluice's; the same labels on another container (its proof copied) are not", async () => {
    const keyed = new DockerRuntime(docker, { provenanceKey: Buffer.from('runtime-test-host-key-0123456789abcdef') });
    const made = await keyed.startReplica(
      { service, release: 'r1', slot: 8, deployment: 'test/run', image: fixtureImage('v1'), port: 8080, env: {}, stopGracePeriodMs: 1000 },
      new AbortController().signal,
    );
    expect(await keyed.madeBySluice(made.name)).toBe(true);
    expect(await runtime.madeBySluice(made.name)).toBe(false); // no key, no proof
    const labels = (await docker.getContainer(made.name).inspect()).Config.Labels;
    const copy = await docker.createContainer({ name: `${service}-copy`, Image: fixtureImage('v1'), Labels: labels });
    try {
      expect(await keyed.madeBySluice(`${service}-copy`)).toBe(false);
    } finally {
      await copy.remove({ force: true });
      await keyed.removeReplica(made.name, 1000, new AbortController().signal);
    }
  });

  it('a graceful stop lets a request in flight finish', async () => {
    const [replica] = await start([0]);
    const inFlight = fetch(`http://${replica!.address}/slow?ms=1500`).then(async (r) => ({ status: r.status, body: await r.text() }));
    await new Promise((resolve) => setTimeout(resolve, 300));
    await runActivity(activities.stopReplicas, { service, release: 'r1', slots: [0], gracePeriodMs: 5000 });
    expect(await inFlight).toEqual({ status: 200, body: 'slow 1500ms from v1\n' });
    expect((await runtime.listReplicas(service)).find((r) => r.slot === 0)?.state).toBe('exited');
  });

  it('a stopped replica restarts from its kept container (rollback of a stop)', async () => {
    const [replica] = await runActivity(activities.startReplicas, { service, release: 'r1', slots: [0], deployment: 'test/run' });
    expect(replica).toMatchObject({ state: 'running' });
  });

  it('a missing image is a non-retryable failure naming the image', async () => {
    const error = await start([5], { image: 'sluice-fixture:does-not-exist' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApplicationFailure);
    expect(error).toMatchObject({
      type: 'ImageNotFound',
      nonRetryable: true,
      message: expect.stringMatching(/^image sluice-fixture:does-not-exist is not on the Docker host and could not be pulled/),
    });
  });

  it('an unhealthy replica fails with its recent probes and its last log lines', async () => {
    const [bad] = await runActivity(activities.startReplicas, {
      service,
      release: 'bad',
      slots: [0],
      deployment: 'test/run',
      template: { ...containerTemplate(spec), image: fixtureImage('bad') },
    });
    expect(bad!.state).toBe('running');
    // Probe only once it listens, so every probe sees its 503 rather than a refused connection.
    while ((await fetch(`http://${bad!.address}/version`).catch(() => undefined))?.status !== 200)
      await new Promise((resolve) => setTimeout(resolve, 50));
    const error = (await runActivity(activities.waitHealthy, {
      service,
      release: 'bad',
      slots: [0],
      health: { ...spec.health, startPeriod: 0, unhealthyThreshold: 2 },
    }).catch((e: unknown) => e)) as ApplicationFailure;
    expect(error).toMatchObject({
      type: 'ReplicaUnhealthy',
      nonRetryable: true,
      message: expect.stringMatching(/2 failed checks in a row, last: status 503, expected 200/),
    });
    const details = error.details?.[0] as { recentProbes: Array<{ status: number }>; lastLogLines: string };
    expect(details.recentProbes.map((p) => p.status)).toEqual([503, 503]);
    expect(details.lastLogLines).toMatch(/release bad listening on :8080/);
  });

  it('removing replicas is idempotent', async () => {
    const remove = () => runActivity(activities.removeReplicas, { service, release: 'r1', slots: [0, 1], gracePeriodMs: 1000 });
    await remove();
    await remove();
    expect((await runtime.listReplicas(service)).filter((r) => r.release === 'r1')).toEqual([]);
  });
});

describe('replica addresses', () => {
  it('survive a restart of the container by Docker (the host port is fixed at creation)', async () => {
    const [replica] = await start([7]);
    const container = docker.getContainer(replica!.name);
    // Fixed in the container's config, not an ephemeral mapping Docker may change.
    expect((await container.inspect()).HostConfig.PortBindings!['8080/tcp']![0]!.HostPort).toBe(replica!.address!.split(':')[1]);
    await container.restart({ t: 1 });
    const after = (await runtime.listReplicas(service)).find((r) => r.slot === 7);
    expect(after?.address).toBe(replica!.address);
  });
});

describe('pulling from a private registry', () => {
  const registry = stackValue('SLUICE_TEST_REGISTRY');
  let image: string;
  beforeAll(async () => {
    image = `${registry}/${await pushPrivateImage(docker, 'sluice-runtime-pull', 2 * 1024 * 1024)}`;
  });
  afterAll(async () =>
    docker
      .getImage(image)
      .remove({ force: true })
      .catch(() => undefined),
  );
  const activitiesWith = (dockerConfigDir: string) =>
    createReplicaActivities({ runtime: new DockerRuntime(docker, { dockerConfigDir }), prober: new HttpProber(), secrets: fakeSecrets() });

  it("without credentials for the registry, the pull is a non-retryable failure naming the image and the registry's answer", async () => {
    const noCredentials = fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-docker-config-'));
    const error = await runActivity(activitiesWith(noCredentials).startReplicas, {
      service,
      release: 'private',
      slots: [0],
      deployment: 'test/run',
      template: { ...containerTemplate(spec), image },
    }).catch((e: unknown) => e);
    expect(error).toMatchObject({
      type: 'ImageNotFound',
      nonRetryable: true,
      message: expect.stringContaining(`image ${image} is not on the Docker host and could not be pulled (`),
    });
    expect((error as Error).message).toMatch(/no basic auth credentials|unauthorized/);
  });

  it("pulls a missing image with the credentials of the worker's docker config, heartbeating while layers arrive", async () => {
    const environment = new MockActivityEnvironment();
    const heartbeats: unknown[] = [];
    environment.on('heartbeat', (details: unknown) => heartbeats.push(details));
    const [replica] = await runActivityIn(environment, activitiesWith(dockerConfigFor(registry)).startReplicas, {
      service,
      release: 'private',
      slots: [0],
      deployment: 'test/run',
      template: { ...containerTemplate(spec), image },
    });
    expect(replica).toMatchObject({ state: 'running', release: 'private' });
    expect((await docker.getImage(image).inspect()).RepoTags).toContain(image);
    expect(heartbeats).toContainEqual({ pulling: image });
  });
});

describe('resolving an image to the content that will run', () => {
  const registry = stackValue('SLUICE_TEST_REGISTRY');
  const repository = `sluice-moving-${crypto.randomBytes(3).toString('hex')}`;
  const moving = `${registry}/${repository}:latest`;
  const signal = new AbortController().signal;
  let withCredentials: DockerRuntime;
  beforeAll(() => {
    withCredentials = new DockerRuntime(docker, { dockerConfigDir: dockerConfigFor(registry) });
  });
  afterAll(async () => {
    for (const image of [moving, `sluice-local-only-${repository}:latest`])
      await docker
        .getImage(image)
        .remove({ force: true })
        .catch(() => undefined);
  });

  it('pull always follows a tag that moved: the id changes, and the pinned reference is the registry digest', async () => {
    await pushAs(docker, fixtureImage('v1'), `${repository}:latest`);
    const first = await withCredentials.resolveImage(moving, { policy: 'always', localFallback: false }, signal);
    expect(first).toMatchObject({ reference: moving, id: (await docker.getImage(fixtureImage('v1')).inspect()).Id, source: 'pulled' });
    expect(first.pinned).toMatch(new RegExp(`^${registry}/${repository}@sha256:[0-9a-f]{64}$`));
    await pushAs(docker, fixtureImage('v2'), `${repository}:latest`);
    const second = await withCredentials.resolveImage(moving, { policy: 'always', localFallback: false }, signal);
    expect(second.id).toBe((await docker.getImage(fixtureImage('v2')).inspect()).Id);
    expect(second.pinned).not.toBe(first.pinned);
  });

  it("a failed pull of a tag that came from the registry never falls back to the host's (maybe stale) copy, even under the implicit always", async () => {
    // The host has ${moving} from the registry (the test above); the registry now refuses this worker (no credentials).
    const withoutCredentials = new DockerRuntime(docker, {
      dockerConfigDir: fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-docker-config-')),
    });
    const error = await withoutCredentials.resolveImage(moving, { policy: 'always', localFallback: true }, signal).catch((e: unknown) => e);
    expect(error).toMatchObject({ type: 'ImageNotFound', message: expect.stringMatching(/no basic auth credentials|unauthorized/) });
  });

  it("pull missing uses the host's copy; pull never refuses an image the host does not have", async () => {
    const local = await withCredentials.resolveImage(fixtureImage('v1'), { policy: 'missing', localFallback: true }, signal);
    expect(local).toMatchObject({ source: 'local', id: (await docker.getImage(fixtureImage('v1')).inspect()).Id });
    const error = await withCredentials
      .resolveImage(`${registry}/${repository}:never-pushed`, { policy: 'never', localFallback: false }, signal)
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ type: 'ImageNotFound', nonRetryable: true, message: expect.stringMatching(/pull is "never"/) });
  });

  it('an image that exists only on the host deploys under the implicit always (with a note), not under an explicit one', async () => {
    const localOnly = `sluice-local-only-${repository}:latest`;
    await docker.getImage(fixtureImage('v1')).tag({ repo: `sluice-local-only-${repository}`, tag: 'latest' });
    const resolved = await withCredentials.resolveImage(localOnly, { policy: 'always', localFallback: true }, signal);
    expect(resolved).toMatchObject({
      source: 'local',
      pinned: resolved.id,
      note: expect.stringMatching(/could not be pulled .* the copy built or loaded on this host runs/),
    });
    const explicit = await withCredentials
      .resolveImage(localOnly, { policy: 'always', localFallback: false }, signal)
      .catch((e: unknown) => e);
    expect(explicit).toMatchObject({ type: 'ImageNotFound' });
  });
});

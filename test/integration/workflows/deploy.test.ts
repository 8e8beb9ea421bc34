import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startLoad } from '../../../bench/load/generator';
import { fixtureImage } from '../../../src/stack/fixtures';
import { realWorker } from '../../support/real-worker';
import { freePort, getFresh, removeServiceContainers, testServiceName } from '../../support/stack';

/** The deploy workflow with the real adapters: Temporal, dockerd and nginx, under load. */
let worker: Awaited<ReturnType<typeof realWorker>>;
const service = testServiceName('web');
let port: number;

const spec = (image: string) => ({
  service,
  image,
  replicas: 3,
  port: 8080,
  health: { path: '/ready', interval: '200ms', startPeriod: '1s', unhealthyThreshold: 3 },
  strategy: { type: 'rolling' },
  stopGracePeriod: '10s',
  traffic: { listenPort: port, drainTimeout: '10s' },
  progressDeadline: '2m',
});

async function releaseHeaders(count: number): Promise<Set<string>> {
  const seen = new Set<string>();
  for (let i = 0; i < count; i++) {
    const response = await getFresh(`http://127.0.0.1:${port}/`);
    seen.add(`${response.status} ${response.headers['x-release'] as string}`);
  }
  return seen;
}

beforeAll(async () => {
  port = await freePort();
  worker = await realWorker(inject('workflowBundlePath'));
});
afterAll(async () => {
  await worker?.stop();
  await removeServiceContainers(worker.docker, service);
});

describe('deployments on the real stack', () => {
  it('a first deployment of v1 starts 3 replicas and routes all traffic to them', async () => {
    const result = await (await worker.deploy(spec(fixtureImage('v1')))).result();
    expect(result.outcome).toBe('released');
    expect(await releaseHeaders(30)).toEqual(new Set(['200 v1']));
  });

  it('a rolling deployment of v2 under load replaces every replica without a failed request', async () => {
    const load = startLoad({ url: `http://127.0.0.1:${port}/`, ratePerSecond: 120, newConnectionShare: 0.3, postShare: 0.3 });
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const result = await (await worker.deploy(spec(fixtureImage('v2')))).result();
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const summary = await load.stop();
    expect(result).toMatchObject({ outcome: 'released', compensationFailures: [] });
    expect(summary.failed).toBe(0);
    expect(summary.sent).toBeGreaterThan(300);
    expect(summary.byRelease[result.targetRelease]).toBeGreaterThan(0);
    expect(await releaseHeaders(30)).toEqual(new Set(['200 v2']));
    const replicas = await worker.docker.listContainers({ all: true, filters: { label: [`dev.sluice.service=${service}`] } });
    expect(replicas.map((c) => c.Labels['dev.sluice.release'])).toEqual([result.targetRelease, result.targetRelease, result.targetRelease]);
  });

  it('a release whose readiness fails is rolled back with v2 still serving and nothing left behind', async () => {
    const load = startLoad({ url: `http://127.0.0.1:${port}/`, ratePerSecond: 100 });
    const result = await (await worker.deploy(spec(fixtureImage('bad')))).result();
    const summary = await load.stop();
    expect(result.outcome).toBe('rolledBack');
    expect(result.reason).toMatch(/is unhealthy: 3 failed checks in a row, last: status 503/);
    expect(result.compensationFailures).toEqual([]);
    expect(summary.failed).toBe(0);
    expect(await releaseHeaders(20)).toEqual(new Set(['200 v2']));
    const replicas = await worker.docker.listContainers({ all: true, filters: { label: [`dev.sluice.service=${service}`] } });
    expect(new Set(replicas.map((c) => c.Labels['dev.sluice.release']))).toEqual(new Set([result.stableRelease]));
  });

  it('a rollback probes the old release with its own health settings, not those of the spec that failed (recreate, bad image, new expectStatus)', async () => {
    const changed = {
      ...spec(fixtureImage('bad')),
      strategy: { type: 'recreate' },
      health: { path: '/ready', expectStatus: 204, interval: '200ms', startPeriod: '1s', unhealthyThreshold: 3 },
    };
    const result = await (await worker.deploy(changed)).result();
    expect(result.outcome).toBe('rolledBack');
    expect(result.compensationFailures).toEqual([]);
    expect(await releaseHeaders(20)).toEqual(new Set(['200 v2']));
  });
});

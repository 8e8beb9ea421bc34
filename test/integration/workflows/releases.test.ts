import { WorkflowFailedError } from '@temporalio/client';
import crypto from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { statusQuery } from '../../../src/shared/messages';
import { fixtureImage } from '../../../src/stack/fixtures';
import { realWorker } from '../../support/real-worker';
import { dockerConfigFor, pushAs } from '../../support/registry';
import { freePort, getFresh, removeServiceContainers, stackValue, testServiceName } from '../../support/stack';

/** What a release is: the content that runs and the secret values it gets, as the worker resolves them when it plans. */
let worker: Awaited<ReturnType<typeof realWorker>>;
const registry = stackValue('SLUICE_TEST_REGISTRY');
const repository = `sluice-releases-${crypto.randomBytes(3).toString('hex')}`;
const services: string[] = [];

function spec(image: string, extra: Record<string, unknown> = {}) {
  const service = testServiceName('rel');
  services.push(service);
  return async (port: number) => ({
    service,
    image,
    replicas: 1,
    port: 8080,
    health: { path: '/ready', interval: '200ms', startPeriod: '1s' },
    strategy: { type: 'rolling' },
    traffic: { listenPort: port },
    ...extra,
  });
}

async function servedRelease(port: number): Promise<string> {
  return (await getFresh(`http://127.0.0.1:${port}/`)).headers['x-release'] as string;
}

beforeAll(async () => {
  // The worker pulls from the stack's private registry with credentials, as `docker login` leaves them.
  process.env.DOCKER_CONFIG = dockerConfigFor(registry);
  worker = await realWorker(inject('workflowBundlePath'));
});
afterAll(async () => {
  await worker?.stop();
  for (const service of services) await removeServiceContainers(worker.docker, service);
  for (const image of [`${registry}/${repository}:latest`, `sluice-local-only-${repository}:latest`])
    await worker.docker
      .getImage(image)
      .remove({ force: true })
      .catch(() => undefined);
});

describe('releases follow what will actually run', () => {
  it('redeploying a moving tag after a push rolls out the new image (it does not plan "nothing to do")', async () => {
    const port = await freePort();
    const image = await pushAs(worker.docker, fixtureImage('v1'), `${repository}:latest`);
    const document = await spec(image)(port);
    const first = await (await worker.deploy(document)).result();
    expect(first.outcome).toBe('released');
    expect(await servedRelease(port)).toBe('v1');
    await pushAs(worker.docker, fixtureImage('v2'), `${repository}:latest`);
    const handle = await worker.deploy(document);
    const second = await handle.result();
    expect(second).toMatchObject({ outcome: 'released', stableRelease: first.targetRelease });
    expect(second.targetRelease).not.toBe(first.targetRelease);
    expect(await servedRelease(port)).toBe('v2');
    const { memo } = await handle.describe();
    expect(memo).toMatchObject({
      image,
      imageId: (await worker.docker.getImage(fixtureImage('v2')).inspect()).Id,
      pinnedImage: expect.stringMatching(new RegExp(`^${registry}/${repository}@sha256:`)),
    });
  });

  it('an image built on the host and never pushed deploys under the default pull policy, saying so in the plan', async () => {
    const port = await freePort();
    await worker.docker.getImage(fixtureImage('v1')).tag({ repo: `sluice-local-only-${repository}`, tag: 'latest' });
    const handle = await worker.deploy(await spec(`sluice-local-only-${repository}:latest`)(port));
    const result = await handle.result();
    expect(result.outcome).toBe('released');
    expect((await handle.query(statusQuery)).notes.join('\n')).toMatch(/could not be pulled .* the copy built or loaded on this host runs/);
    expect(await servedRelease(port)).toBe('v1');
  });

  it('pull: never with an image the host does not have is refused before anything is touched', async () => {
    const port = await freePort();
    const document = await spec(`${registry}/${repository}:never-pushed`, { pull: 'never' })(port);
    const error = await (await worker.deploy(document)).result().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WorkflowFailedError);
    expect((error as WorkflowFailedError).cause).toMatchObject({
      type: 'ImageNotFound',
      message: expect.stringMatching(/pull is "never"/),
    });
    expect(await worker.docker.listContainers({ all: true, filters: { label: [`dev.sluice.service=${document.service}`] } })).toEqual([]);
  });

  it('a rotated secret is a new release, and neither its value nor an unkeyed hash of it reaches Temporal', async () => {
    const port = await freePort();
    const variable = 'IT_TOKEN'; // granted to every service by the test worker
    const [before, after] = [`first-${crypto.randomUUID()}`, `rotated-${crypto.randomUUID()}`];
    process.env[variable] = before;
    const document = await spec(fixtureImage('v1'), { secrets: [{ name: 'API_TOKEN', fromEnv: variable }] })(port);
    const first = await (await worker.deploy(document)).result();
    process.env[variable] = after;
    const handle = await worker.deploy(document);
    const second = await handle.result();
    expect(second).toMatchObject({ outcome: 'released', stableRelease: first.targetRelease });
    expect(second.targetRelease).not.toBe(first.targetRelease);
    const [container] = await worker.docker.listContainers({ filters: { label: [`dev.sluice.service=${document.service}`] } });
    expect((await worker.docker.getContainer(container!.Id).inspect()).Config.Env).toContain(`API_TOKEN=${after}`);
    const history = JSON.stringify(await handle.fetchHistory());
    // Neither the value, nor an unkeyed hash of it (of the value, or of the entries as the digest canonicalizes them).
    const unkeyed = [after, JSON.stringify([['API_TOKEN', after]])].flatMap((text) =>
      ['sha256', 'sha1'].map((hash) => crypto.createHash(hash).update(text).digest('hex').slice(0, 32)),
    );
    for (const text of [before, after, ...unkeyed]) expect(history).not.toContain(text);
  });
});

import Docker from 'dockerode';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DockerRuntime } from '../../../../../src/activities/adapters/docker/runtime';
import { ContainerNginx } from '../../../../../src/activities/adapters/nginx/control';
import { NginxRouter } from '../../../../../src/activities/adapters/nginx/router';
import { fixtureImage } from '../../../../../src/stack/fixtures';
import { buildNginxImage } from '../../../../support/nginx-image';
import { freePort, getFresh, removeServiceContainers, stackValue, testServiceName } from '../../../../support/stack';

/** nginx in a container: checked by exec, reloaded by SIGHUP, both through the Docker API; config on a shared directory. */
stackValue('DOCKER_HOST');
const docker = new Docker();
const service = testServiceName('ctr');
const name = `sluice-test-nginx-${process.pid}`;
const confDir = fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-ctr-conf-'));
const signal = new AbortController().signal;
let router: NginxRouter;
let port: number;

beforeAll(async () => {
  const image = await buildNginxImage(docker);
  const container = await docker.createContainer({
    name,
    Image: image,
    // Host networking: replicas publish on the host's loopback, and nginx must reach them there.
    HostConfig: { NetworkMode: 'host', Binds: [`${confDir}:/etc/nginx/conf.d`] },
  });
  await container.start();
  port = await freePort();
  router = new NginxRouter({
    confDir,
    nginxConfDir: '/etc/nginx/conf.d',
    adminPort: await freePort(),
    listenAddress: '127.0.0.1',
    control: new ContainerNginx(docker, name),
  });
});

afterAll(async () => {
  await docker
    .getContainer(name)
    .remove({ force: true })
    .catch(() => undefined);
  await removeServiceContainers(docker, service);
  fs.rmSync(confDir, { recursive: true, force: true });
});

describe('NginxRouter with nginx in a container', () => {
  it('installs the config (nginx -t by exec, SIGHUP), routes, and refuses a broken config without reloading', async () => {
    const runtime = new DockerRuntime(docker);
    const replica = await runtime.startReplica(
      { service, release: 'r1', slot: 0, deployment: 'test', image: fixtureImage('v1'), port: 8080, env: {}, stopGracePeriodMs: 2000 },
      signal,
    );
    await router.prepare(service, { listenPort: port }, signal);
    await router.apply(service, { peers: [{ release: 'r1', slot: 0, address: replica.address! }], weights: { r1: 1 } }, signal);
    let answer = await getFresh(`http://127.0.0.1:${port}/`).catch(() => undefined);
    for (let i = 0; i < 50 && answer?.status !== 200; i++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      answer = await getFresh(`http://127.0.0.1:${port}/`).catch(() => undefined);
    }
    expect(answer).toMatchObject({ status: 200, body: 'hello from v1\n', headers: { 'x-sluice-release': 'r1' } });

    fs.writeFileSync(path.join(confDir, 'broken.conf'), 'this is not nginx;\n');
    const error = await router.prepare(service, { listenPort: port, preview: { header: 'X-Preview' } }, signal).catch((e: unknown) => e);
    expect(error).toMatchObject({ type: 'RouterConfigRejected', message: expect.stringMatching(/unknown directive "this"/) });
    fs.rmSync(path.join(confDir, 'broken.conf'));
    expect((await getFresh(`http://127.0.0.1:${port}/`)).body).toBe('hello from v1\n');
  });
});

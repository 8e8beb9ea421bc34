import Docker from 'dockerode';
import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DockerRuntime } from '../../../../../src/activities/adapters/docker/runtime';
import { fixtureImage } from '../../../../../src/stack/fixtures';
import { replicaName } from '../../../../../src/shared/names';
import { removeServiceContainers, stackValue, testServiceName } from '../../../../support/stack';
import { makeCertificates, mutualTlsProxy, type Certificates } from '../../../../support/tls';

/**
 * DOCKER_HOST=tcp://… with DOCKER_TLS_VERIFY, as for a remote engine: a mutual-TLS
 * listener on loopback in front of the real dockerd, and the runtime built the
 * way the worker builds it (new Docker(), which reads the environment).
 */
const socketPath = stackValue('DOCKER_HOST').replace(/^unix:\/\//, '');
const service = testServiceName('tls');
let certs: Certificates;
let proxy: Awaited<ReturnType<typeof mutualTlsProxy>>;

beforeAll(async () => {
  certs = makeCertificates();
  proxy = await mutualTlsProxy(certs, { socketPath });
});

afterAll(async () => {
  await removeServiceContainers(new Docker(), service);
  proxy?.close();
  fs.rmSync(certs.dir, { recursive: true, force: true });
});

function dockerFromEnv(env: Record<string, string>): Docker {
  const saved = {
    DOCKER_HOST: process.env.DOCKER_HOST,
    DOCKER_TLS_VERIFY: process.env.DOCKER_TLS_VERIFY,
    DOCKER_CERT_PATH: process.env.DOCKER_CERT_PATH,
  };
  Object.assign(process.env, env);
  try {
    return new Docker();
  } finally {
    for (const [key, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
  }
}

describe('Docker over TCP with mutual TLS', () => {
  it('runs replicas through a DOCKER_HOST=tcp:// engine with DOCKER_TLS_VERIFY and DOCKER_CERT_PATH', async () => {
    const runtime = new DockerRuntime(
      dockerFromEnv({ DOCKER_HOST: `tcp://127.0.0.1:${proxy.port}`, DOCKER_TLS_VERIFY: '1', DOCKER_CERT_PATH: certs.dir }),
    );
    const replica = await runtime.startReplica(
      { service, release: 'r1', slot: 0, deployment: 'tls', image: fixtureImage('v1'), port: 8080, env: {}, stopGracePeriodMs: 2000 },
      new AbortController().signal,
    );
    expect(replica).toMatchObject({ state: 'running', address: expect.stringMatching(/^127\.0\.0\.1:\d+$/) });
    expect((await runtime.listReplicas(service)).map((r) => r.name)).toEqual([replicaName(service, 'r1', 0)]);
    await runtime.removeReplica(replica.name, 2000, new AbortController().signal);
    expect(await runtime.listReplicas(service)).toEqual([]);
  });

  it('is refused without the client certificate (the TLS is real)', async () => {
    const withoutClientCert = new Docker({ host: '127.0.0.1', port: proxy.port, protocol: 'https', ca: fs.readFileSync(certs.ca) });
    await expect(withoutClientCert.ping()).rejects.toThrow();
  });
});

import { execFileSync } from 'node:child_process';
import Docker from 'dockerode';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DockerRuntime } from '../../../../../src/activities/adapters/docker/runtime';
import { fixtureImage } from '../../../../../src/stack/fixtures';
import { removeServiceContainers, stackValue, testServiceName } from '../../../../support/stack';

/**
 * DOCKER_HOST=tcp://… with DOCKER_TLS_VERIFY, as for a remote engine: a mutual-TLS
 * listener on loopback in front of the real dockerd, and the runtime built the
 * way the worker builds it (new Docker(), which reads the environment).
 */
const socketPath = stackValue('DOCKER_HOST').replace(/^unix:\/\//, '');
const certs = fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-docker-tls-'));
const service = testServiceName('tls');
let server: tls.Server;
let port: number;

function openssl(...args: string[]): void {
  execFileSync('openssl', args, { cwd: certs, stdio: 'ignore' });
}

beforeAll(async () => {
  openssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca-key.pem', '-out', 'ca.pem', '-days', '1', '-subj', '/CN=sluice test CA');
  fs.writeFileSync(path.join(certs, 'server.ext'), 'subjectAltName=IP:127.0.0.1\n');
  openssl('req', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'server-key.pem', '-out', 'server.csr', '-subj', '/CN=127.0.0.1');
  openssl('x509', '-req', '-in', 'server.csr', '-CA', 'ca.pem', '-CAkey', 'ca-key.pem', '-CAcreateserial', '-out', 'server.pem', '-days', '1', '-extfile', 'server.ext');
  openssl('req', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'key.pem', '-out', 'client.csr', '-subj', '/CN=sluice worker');
  openssl('x509', '-req', '-in', 'client.csr', '-CA', 'ca.pem', '-CAkey', 'ca-key.pem', '-CAcreateserial', '-out', 'cert.pem', '-days', '1');
  const read = (name: string) => fs.readFileSync(path.join(certs, name));
  server = tls.createServer({ key: read('server-key.pem'), cert: read('server.pem'), ca: read('ca.pem'), requestCert: true, rejectUnauthorized: true }, (client) => {
    const engine = net.connect(socketPath);
    client.pipe(engine).pipe(client);
    const close = () => {
      client.destroy();
      engine.destroy();
    };
    client.on('error', close);
    engine.on('error', close);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as net.AddressInfo).port;
});

afterAll(async () => {
  await removeServiceContainers(new Docker(), service);
  server?.close();
  fs.rmSync(certs, { recursive: true, force: true });
});

function dockerFromEnv(env: Record<string, string>): Docker {
  const saved = { DOCKER_HOST: process.env.DOCKER_HOST, DOCKER_TLS_VERIFY: process.env.DOCKER_TLS_VERIFY, DOCKER_CERT_PATH: process.env.DOCKER_CERT_PATH };
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
    const runtime = new DockerRuntime(dockerFromEnv({ DOCKER_HOST: `tcp://127.0.0.1:${port}`, DOCKER_TLS_VERIFY: '1', DOCKER_CERT_PATH: certs }));
    const replica = await runtime.startReplica({ service, release: 'r1', slot: 0, deployment: 'tls', image: fixtureImage('v1'), port: 8080, env: {}, stopGracePeriodMs: 2000 }, new AbortController().signal);
    expect(replica).toMatchObject({ state: 'running', address: expect.stringMatching(/^127\.0\.0\.1:\d+$/) });
    expect((await runtime.listReplicas(service)).map((r) => r.name)).toEqual([`sluice-${service}-r1-0`]);
    await runtime.removeReplica(replica.name, 2000, new AbortController().signal);
    expect(await runtime.listReplicas(service)).toEqual([]);
  });

  it('is refused without the client certificate (the TLS is real)', async () => {
    const withoutClientCert = new Docker({ host: '127.0.0.1', port, protocol: 'https', ca: fs.readFileSync(path.join(certs, 'ca.pem')) });
    await expect(withoutClientCert.ping()).rejects.toThrow();
  });
});

import Docker from 'dockerode';
import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { fixtureImage } from '../../../src/stack/fixtures';
import { readFleet, startFleet, type FleetHost } from '../../../src/stack/fleet';
import { stackSettings } from '../../../src/stack/settings';
import { isRoot, readPid } from '../../../src/stack/system';
import { pullOnto } from '../../support/fleet';
import { pushAs } from '../../support/registry';
import { freePort, getFresh, testServiceName } from '../../support/stack';

/** `npm run stack:up -- --hosts N`: a test fleet of real Docker Engines and nginxes, side by side on one machine. */
const settings = stackSettings();
let hosts: FleetHost[];
const engine = (host: FleetHost) => new Docker({ socketPath: host.dockerHost.replace(/^unix:\/\//, ''), timeout: 30_000 });

// Starting Docker Engines needs root, as the stack's own dockerd does; CI runs as root.
describe.skipIf(!isRoot())('a test fleet', () => {
  beforeAll(async () => {
    hosts = await startFleet(settings, 2);
  }, 180_000);

  it('gives each host its own Docker Engine (data root, socket), bridge and nginx, recorded in fleet.json', async () => {
    expect(hosts.map((h) => [h.name, h.address])).toEqual([
      ['host-1', '127.0.0.2'],
      ['host-2', '127.0.0.3'],
    ]);
    expect(readFleet(settings)).toEqual(hosts);
    const infos = await Promise.all(hosts.map((host) => engine(host).info()));
    expect(infos.map((info: { DockerRootDir: string }) => info.DockerRootDir)).toEqual(
      hosts.map((host) => path.join(settings.stateDir, 'fleet', host.name, 'data')),
    );
    const mainEngine = (await new Docker().info()) as { DockerRootDir: string };
    expect(infos.map((info: { DockerRootDir: string }) => info.DockerRootDir)).not.toContain(mainEngine.DockerRootDir);
    for (const host of hosts) expect(readPid(path.join(host.nginx.prefix, 'nginx.pid'))).toBeGreaterThan(0);
  });

  it("pulls from the test registry and publishes a container on the host's own loopback address only", async () => {
    const [first, second] = hosts as [FleetHost, FleetHost];
    const image = await pushAs(new Docker(), fixtureImage('v1'), `sluice-fleet:${process.pid}`);
    await pullOnto(second, image);
    const docker = engine(second);
    const port = await freePort();
    const container = await docker.createContainer({
      name: testServiceName('fleet'),
      Image: image,
      HostConfig: { PortBindings: { '8080/tcp': [{ HostIp: second.address, HostPort: String(port) }] } },
    });
    try {
      await container.start();
      let answer = await getFresh(`http://${second.address}:${port}/`).catch(() => undefined);
      for (let i = 0; i < 50 && answer?.status !== 200; i++) {
        await new Promise((resolve) => setTimeout(resolve, 200));
        answer = await getFresh(`http://${second.address}:${port}/`).catch(() => undefined);
      }
      expect(answer).toMatchObject({ status: 200, body: expect.stringContaining('hello from v1') });
      await expect(getFresh(`http://${first.address}:${port}/`)).rejects.toThrow(/ECONNREFUSED/);
      expect((await engine(first).listContainers({ all: true })).map((c) => c.Image)).not.toContain(image);
    } finally {
      await container.remove({ force: true });
    }
  }, 120_000);

  it('is started once: a second stack:up reuses every running part', async () => {
    const pids = () => hosts.map((host) => fs.readFileSync(path.join(settings.stateDir, 'fleet', host.name, 'dockerd.pid'), 'utf8'));
    const before = pids();
    await startFleet(settings, 2);
    expect(pids()).toEqual(before);
  }, 60_000);
});

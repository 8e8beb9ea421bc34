import Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import crypto from 'node:crypto';
import { provenanceProof } from '../../src/activities/adapters/docker/provenance';
import { LABELS, MANAGED_BY_VALUE } from '../../src/shared/names';
import { fixtureImage } from '../../src/stack/fixtures';
import { freePort, removeServiceContainers, testServiceName } from '../support/stack';
import { cliEnvironment, type CliEnvironment } from './support/cli';

/** The reconciler: containers nothing owns are reported at worker start and by `sluice doctor`, and removed with --fix. */
const docker = new Docker();
const serving = testServiceName('served');
const abandoned = testServiceName('abandoned');
let cli: CliEnvironment;

const hostKey = `doctor-e2e-host-key-${crypto.randomBytes(16).toString('hex')}`;

/** The labels a worker of this host puts on a replica it makes, its proof included. */
const labels = (name: string, service: string, release: string, slot: number) => ({
  [LABELS.managedBy]: MANAGED_BY_VALUE,
  [LABELS.service]: service,
  [LABELS.release]: release,
  [LABELS.slot]: String(slot),
  [LABELS.proof]: provenanceProof(Buffer.from(hostKey), { name, service, release, slot: String(slot) }),
});

beforeAll(async () => {
  cli = await cliEnvironment({ SLUICE_SECRET_DIGEST_KEY: hostKey });
});
afterAll(async () => {
  await cli?.stop();
  await removeServiceContainers(docker, serving, abandoned);
});

describe('sluice doctor', () => {
  it('finds the orphans (and only them), the worker reports them at start, and --fix removes them', async () => {
    const port = await freePort();
    const spec = cli.writeSpec(serving, {
      service: serving,
      image: fixtureImage('v1'),
      replicas: 2,
      port: 8080,
      health: { path: '/ready', interval: '200ms' },
      strategy: { type: 'rolling' },
      traffic: { listenPort: port },
    });
    expect((await cli.run(['deploy', spec, '--wait'])).code).toBe(0);

    // A stopped container of a release nobody routes, and a running one of a service nobody deploys.
    await docker.createContainer({
      name: `sluice-${serving}-ghost-0`,
      Image: fixtureImage('v1'),
      Labels: labels(`sluice-${serving}-ghost-0`, serving, 'ghost', 0),
    });
    await (
      await docker.createContainer({
        name: `sluice-${abandoned}-old-0`,
        Image: fixtureImage('v1'),
        Labels: labels(`sluice-${abandoned}-old-0`, abandoned, 'old', 0),
      })
    ).start();
    // Started outside sluice from an image that carries sluice's labels (here, even a proof copied from another container).
    const foreignName = `${abandoned}-not-sluice`;
    await docker.createContainer({
      name: foreignName,
      Image: fixtureImage('v1'),
      Labels: labels(`sluice-${abandoned}-old-0`, abandoned, 'copied', 0),
    });

    const report = await cli.run(['--json', 'doctor']);
    expect(report.code, report.stderr).toBe(0);
    const found = (JSON.parse(report.stdout) as { orphans: Array<{ name: string; reason: string }> }).orphans.filter(
      (o) => o.name.includes(serving) || o.name.includes(abandoned),
    );
    expect(found.map((o) => o.name).sort()).toEqual([foreignName, `sluice-${abandoned}-old-0`, `sluice-${serving}-ghost-0`]);
    expect(found.find((o) => o.name.includes('ghost'))!.reason).toMatch(/is created and no deployment is running/);

    await cli.restartWorker();
    const deadline = Date.now() + 30_000;
    while (!cli.workerOutput().includes(`orphan container sluice-${abandoned}-old-0`) && Date.now() < deadline)
      await new Promise((resolve) => setTimeout(resolve, 200));
    expect(cli.workerOutput()).toContain(`orphan container sluice-${abandoned}-old-0`);

    const fixed = await cli.run(['doctor', '--fix']);
    expect(fixed.code).toBe(0);
    expect(fixed.stdout).toContain(`removed sluice-${serving}-ghost-0`);
    expect(fixed.stdout).toContain(
      `kept ${foreignName}: it is created and no deployment is running, but nothing proves a sluice worker of this host made it`,
    );
    const left = await docker.listContainers({ all: true, filters: { label: [`${LABELS.managedBy}=${MANAGED_BY_VALUE}`] } });
    const names = left.map((c) => c.Names[0]!.slice(1));
    expect(names.filter((n) => n.includes(abandoned) || n.includes('ghost'))).toEqual([foreignName]);
    expect(names.filter((n) => n.startsWith(`sluice_${serving}_`))).toHaveLength(2);
    const answer = await fetch(`http://127.0.0.1:${port}/`);
    expect(answer.status).toBe(200);
  });
});

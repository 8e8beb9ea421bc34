import { Client, Connection } from '@temporalio/client';
import Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLoad } from '../../bench/load/generator';
import { deploymentHandle } from '../../src/temporal/deployments';
import { freePort, getFresh, removeServiceContainers, stackValue, testServiceName } from '../support/stack';
import { cliEnvironment, type CliEnvironment } from './support/cli';

/** What the CLI refuses or gives up on, and what it shows without a worker: exit codes and messages, with nothing touched. */
let cli: CliEnvironment;
let client: Client;
const owner = testServiceName('owner');
const claimant = testServiceName('claim');
const unattended = testServiceName('alone');

const spec = (service: string, port: number, extra: Record<string, unknown> = {}) => ({
  service,
  image: 'sluice-fixture:v1',
  replicas: 1,
  port: 8080,
  health: { path: '/ready', interval: '200ms' },
  strategy: { type: 'rolling' },
  traffic: { listenPort: port },
  ...extra,
});

beforeAll(async () => {
  cli = await cliEnvironment();
  client = new Client({
    connection: await Connection.connect({ address: stackValue('TEMPORAL_ADDRESS') }),
    namespace: stackValue('TEMPORAL_NAMESPACE'),
  });
});
afterAll(async () => {
  await deploymentHandle(client, unattended)
    .terminate('test over')
    .catch(() => undefined);
  await client?.connection.close();
  await cli?.stop();
  await removeServiceContainers(new Docker(), owner, claimant);
});

describe('refused before anything is touched', () => {
  let port: number;

  it('a second service on a listenPort another service holds exits 2 naming that service; the first keeps serving', async () => {
    port = await freePort();
    expect((await cli.run(['deploy', cli.writeSpec(owner, spec(owner, port)), '--wait'])).code).toBe(0);
    const { code, stderr } = await cli.run(['deploy', cli.writeSpec(claimant, spec(claimant, port)), '--wait']);
    expect(code).toBe(2);
    expect(stderr).toMatch(
      new RegExp(`refused, nothing was touched: traffic\\.listenPort: port ${port} is taken by service "${owner}" on this router`),
    );
    expect(await new Docker().listContainers({ all: true, filters: { label: [`dev.sluice.service=${claimant}`] } })).toEqual([]);
    expect((await getFresh(`http://127.0.0.1:${port}/`)).headers['x-release']).toBe('v1');
  });

  it('moving a service to another listenPort in one deployment exits 2 and says how to move it without a cut', async () => {
    const other = await freePort();
    const { code, stderr } = await cli.run(['deploy', cli.writeSpec(`${owner}-moved`, spec(owner, other, { image: 'sluice-fixture:v2' }))]);
    expect(code).toBe(2);
    expect(stderr).toMatch(
      new RegExp(
        `serves on port ${port} now; moving it to ${other} in one deployment would cut every client of ${port}\\. Serve both first: deploy with listenPort: ${port} and extraListenPorts: \\[${other}\\]`,
      ),
    );
    expect((await getFresh(`http://127.0.0.1:${port}/`)).headers['x-release']).toBe('v1');
  });

  it('serving both ports, then making the new one the listenPort: clients of the new port see no failure; the old port closes only when dropped', async () => {
    const other = await freePort();
    // New connections: the listener change reloads nginx, and a keep-alive connection can be closed across a reload.
    const onOldPort = startLoad({ url: `http://127.0.0.1:${port}/`, ratePerSecond: 50, newConnectionShare: 1 });
    expect(
      (
        await cli.run([
          'deploy',
          cli.writeSpec(`${owner}-both`, spec(owner, port, { traffic: { listenPort: port, extraListenPorts: [other] } })),
          '--wait',
        ])
      ).code,
    ).toBe(0);
    expect((await onOldPort.stop()).failed).toBe(0);
    // The clients move to the new port; the old one is dropped in the next deployment.
    const onNewPort = startLoad({ url: `http://127.0.0.1:${other}/`, ratePerSecond: 50, newConnectionShare: 1 });
    expect((await cli.run(['deploy', cli.writeSpec(`${owner}-new`, spec(owner, other)), '--wait'])).code).toBe(0);
    const moved = await onNewPort.stop();
    expect(moved.sent).toBeGreaterThan(20);
    expect(moved.failed).toBe(0);
    await expect(getFresh(`http://127.0.0.1:${port}/`)).rejects.toThrow(/ECONNREFUSED/);
  });
});

describe('without a worker', () => {
  it('status of a finished deployment comes from its result', async () => {
    await cli.worker.kill('SIGTERM');
    try {
      const { code, stdout } = await cli.run(['status', owner]);
      expect(code).toBe(0);
      expect(stdout).toMatch(new RegExp(`deploy/${owner}  released`));
      expect(stdout).toMatch(/serving v1-[0-9a-f]{8}/);
    } finally {
      cli.worker.start();
    }
  });

  it('deploy --wait gives up after --worker-timeout with exit 5 and the command that starts a worker, leaving the deployment started', async () => {
    const { code, stderr } = await cli.run([
      '--task-queue',
      'nobody-polls-this-queue',
      'deploy',
      cli.writeSpec(unattended, spec(unattended, 1)),
      '--wait',
      '--worker-timeout',
      '2s',
    ]);
    expect(code).toBe(5);
    expect(stderr).toMatch(
      /no worker picked up the deployment of .+ within 2s: no sluice worker polls task queue nobody-polls-this-queue .*start one with `sluice worker`.*stays started/,
    );
    expect((await deploymentHandle(client, unattended).describe()).status.name).toBe('RUNNING');
    const status = await cli.run(['--task-queue', 'nobody-polls-this-queue', 'status', unattended]);
    expect(status.code).toBe(5);
    expect(status.stderr).toMatch(/is running but no worker answered for its status/);
  });
});

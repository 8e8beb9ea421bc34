import { describe, expect, it, vi } from 'vitest';
import type { KnownHost } from '../../../../src/domain';
import { hostRegistryWorkflowId } from '../../../../src/shared/names';
import { FakeTemporal } from '../../../support/fake-temporal';
import { runCli } from '../../../support/run-cli';

vi.mock('../../../../src/temporal/connection', async (original) => ({
  ...(await original<object>()),
  connectClient: (await import('../../../support/fake-temporal.js')).connectStub,
}));

const host = (name: string): KnownHost => ({
  name,
  taskQueue: `sluice-deployments@${name}`,
  identity: `42@${name}`,
  sluiceVersion: '0.1.0',
  dockerVersion: '20.10.24',
  seenAt: '2030-01-01T00:00:00.000Z',
});

describe('sluice hosts', () => {
  it("prints a row per host of the fleet's registry, with whether a worker polls its task queue", async () => {
    const temporal = new FakeTemporal();
    const registry = temporal.addWorkflow(hostRegistryWorkflowId('sluice-deployments'), { answer: [host('web-1'), host('web-2')] });
    const { code, stdout } = await runCli(['hosts'], { temporal });
    expect(code).toBe(0);
    expect(registry.queries).toBe(1);
    expect(stdout.split('\n')).toEqual([
      'HOST   WORKER   IDENTITY  SLUICE  DOCKER    NGINX  INTRODUCED (UTC)     RELEASES',
      'web-1  polling            0.1.0   20.10.24  -      2030-01-01 00:00:00  -',
      'web-2  polling            0.1.0   20.10.24  -      2030-01-01 00:00:00  -',
      '',
    ]);
  });

  it("shows each host's nginx version and the release each service serves there", async () => {
    const temporal = new FakeTemporal();
    const known = { ...host('web-1'), nginxVersion: 'nginx/1.22.1', releases: { api: 'v1-aaaa', web: 'v2-bbbb' } };
    temporal.addWorkflow(hostRegistryWorkflowId('sluice-deployments'), { answer: [known] });
    const { stdout } = await runCli(['hosts'], { temporal });
    expect(stdout.split('\n')[1]).toBe(
      'web-1  polling            0.1.0   20.10.24  nginx/1.22.1  2030-01-01 00:00:00  api v1-aaaa; web v2-bbbb',
    );
  });

  it('with no worker polling, a host shows the identity that last introduced it; --json carries every field', async () => {
    const temporal = new FakeTemporal();
    temporal.addWorkflow(hostRegistryWorkflowId('sluice-deployments'), { answer: [host('web-1')] });
    temporal.pollersOf = (queue) => (queue.includes('@') ? 0 : 1);
    const { code, stdout } = await runCli(['--json', 'hosts'], { temporal });
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toEqual([{ ...host('web-1'), polled: false, pollers: [] }]);
  });

  it('says so when no host introduced itself, and exits 5 when no worker polls at all', async () => {
    const temporal = new FakeTemporal();
    expect(await runCli(['hosts'], { temporal })).toMatchObject({
      code: 0,
      stdout: expect.stringMatching(/^no fleet host has introduced itself/),
    });
    temporal.pollers = 0;
    expect(await runCli(['hosts'], { temporal })).toMatchObject({
      code: 5,
      stderr: expect.stringMatching(/no sluice worker polls task queue/),
    });
  });
});

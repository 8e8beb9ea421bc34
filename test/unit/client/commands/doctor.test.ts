import { beforeEach, describe, expect, it, vi } from 'vitest';
import { realAdapters } from '../../../../src/worker/adapters';
import { deployResult, FakeTemporal } from '../../../support/fake-temporal';
import { FakeRouter, FakeRuntime, replica } from '../../../support/fake-ports';
import { runCli, parseVerb } from '../../../support/run-cli';
import { registerDoctor } from '../../../../src/client/commands/doctor';

vi.mock('../../../../src/temporal/connection', async (original) => ({
  ...(await original<object>()),
  connectClient: (await import('../../../support/fake-temporal.js')).connectStub,
}));
// The host's Docker and router, as fakes; the reconciler that judges them is the real one.
vi.mock('../../../../src/worker/adapters', () => ({ realAdapters: vi.fn(), servicesOnHost: vi.fn(async () => ['web']) }));

const env = { SLUICE_NGINX_CONF_DIR: '/etc/nginx/conf.d' };

/** web released v2 (routed); v1's replica 0 still runs, unrouted, and one made by hand carries sluice's labels. */
function host() {
  const runtime = new FakeRuntime([
    replica('v1', 0),
    replica('v1', 1, { name: 'handmade', state: 'exited', address: undefined }),
    replica('v2', 0, { address: '127.0.0.1:30000' }),
  ]);
  runtime.notMadeBySluice.add('handmade');
  const router = new FakeRouter({ peers: [{ release: 'v2', slot: 0, address: '127.0.0.1:30000' }], weights: { v2: 100 } });
  vi.mocked(realAdapters).mockReturnValue({ runtime, router } as unknown as ReturnType<typeof realAdapters>);
  const temporal = new FakeTemporal();
  temporal.addRun('web', { status: 'COMPLETED', outcome: { result: deployResult({ targetRelease: 'v2' }) } });
  return { runtime, temporal };
}

beforeEach(() => vi.clearAllMocks());

describe('sluice doctor', () => {
  it('lists the containers no running deployment owns and no traffic reaches, and removes nothing', async () => {
    const { runtime, temporal } = host();
    const { code, stdout } = await runCli(['doctor'], { temporal, env });
    expect(code).toBe(0);
    expect(stdout).toBe(
      [
        'orphan sluice_web_v1_0: it runs, but no deployment is running and the router sends it no traffic',
        'orphan handmade: it is exited and no deployment is running',
        'remove them with `sluice doctor --fix`',
        '',
      ].join('\n'),
    );
    expect(runtime.removed).toEqual([]);
  });

  it('--fix removes those a worker of this host provably made, and keeps the others, saying why', async () => {
    const { runtime, temporal } = host();
    const { code, stdout } = await runCli(['--json', 'doctor', '--fix'], { temporal, env });
    expect(code).toBe(0);
    expect(runtime.removed).toEqual(['sluice_web_v1_0']);
    expect(JSON.parse(stdout)).toMatchObject({
      removed: ['sluice_web_v1_0'],
      kept: ['handmade'],
      orphans: [{ name: 'sluice_web_v1_0' }, { name: 'handmade' }],
    });
    const human = await runCli(['doctor', '--fix'], { temporal, env });
    expect(human.stdout).toMatch(
      /^removed sluice_web_v1_0: it runs, .*\nkept handmade: it is exited and no deployment is running, but nothing proves a sluice worker of this host made it/,
    );
  });

  it('a running deployment owns its containers: nothing is an orphan', async () => {
    const { runtime, temporal } = host();
    temporal.addRun('web');
    expect(await runCli(['doctor', '--fix'], { temporal, env })).toMatchObject({ code: 0, stdout: 'no orphan containers\n' });
    expect(runtime.removed).toEqual([]);
  });

  it("without the worker's settings: exit 2, saying doctor reads them", async () => {
    const { temporal } = host();
    const { code, stderr } = await runCli(['doctor'], { temporal, env: { SLUICE_NGINX_CONF_DIR: undefined } });
    expect(code).toBe(2);
    expect(stderr).toMatch(/^sluice: SLUICE_NGINX_CONF_DIR is not set: .* \(doctor reads the worker's settings\)\n$/);
  });
});

describe('sluice doctor: arguments', () => {
  it('only --fix', async () => {
    expect(await parseVerb(registerDoctor, ['doctor'])).toEqual({ args: [], options: {} });
    expect(await parseVerb(registerDoctor, ['doctor', '--fix'])).toEqual({ args: [], options: { fix: true } });
    await expect(parseVerb(registerDoctor, ['doctor', '--force'])).rejects.toMatchObject({ code: 'commander.unknownOption' });
  });
});

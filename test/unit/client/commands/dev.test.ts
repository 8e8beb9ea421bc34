import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { stackUp } from '../../../../src/stack';
import { MissingPrerequisite } from '../../../../src/stack/errors';
import { stopTemporal, temporalRunning } from '../../../../src/stack/temporal';
import { startDevFleet } from '../../../../src/client/dev-fleet';
import { installRuntime, runWorker } from '../../../../src/worker/run';
import { runCli, parseVerb } from '../../../support/run-cli';
import { registerDev } from '../../../../src/client/commands/dev';

vi.mock('../../../../src/temporal/connection', async (original) => ({
  ...(await original<object>()),
  connectClient: (await import('../../../support/fake-temporal.js')).connectStub,
}));
vi.mock('../../../../src/worker/run', () => ({ installRuntime: vi.fn(), runWorker: vi.fn(async () => undefined) }));
vi.mock('../../../../src/stack', () => ({ stackUp: vi.fn() }));
vi.mock('../../../../src/stack/temporal', () => ({ stopTemporal: vi.fn(async () => true), temporalRunning: vi.fn(async () => false) }));
vi.mock('../../../../src/client/dev-fleet', () => ({ startDevFleet: vi.fn() }));

const stack = {
  TEMPORAL_ADDRESS: '127.0.0.1:17233',
  TEMPORAL_NAMESPACE: 'default',
  SLUICE_TEMPORAL_UI: 'http://127.0.0.1:18233',
  SLUICE_NGINX_CONF_DIR: '/tmp/sluice-dev/nginx/conf.d',
};

// `sluice dev` puts the stack's settings into its own environment: put ours back after each test.
const saved = { ...process.env };
beforeEach(() => vi.clearAllMocks());
afterEach(() => {
  for (const key of Object.keys(process.env)) if (!(key in saved)) delete process.env[key];
  Object.assign(process.env, saved);
});

describe('sluice dev', () => {
  it('brings the stack up, runs a worker against it until it stops, then stops Temporal', async () => {
    vi.mocked(stackUp).mockResolvedValue(stack);
    const { code, stdout } = await runCli(['dev'], { env: { SLUICE_ENV_GRANTS: undefined, SLUICE_TASK_QUEUE: undefined } });
    expect(code).toBe(0);
    expect(runWorker).toHaveBeenCalledWith(
      expect.objectContaining({
        temporal: expect.objectContaining({ address: '127.0.0.1:17233' }),
        nginx: expect.objectContaining({ confDir: stack.SLUICE_NGINX_CONF_DIR }),
      }),
    );
    // One machine, one developer: the local database is granted to every service.
    expect(vi.mocked(runWorker).mock.calls[0]![0].secretScope.env).toEqual(new Map([['*', new Set(['DATABASE_URL'])]]));
    expect(installRuntime).toHaveBeenCalledWith({ logLevel: 'WARN', logFormat: 'text', metricsPort: 0 });
    expect(vi.mocked(stopTemporal).mock.invocationCallOrder[0]!).toBeGreaterThan(vi.mocked(runWorker).mock.invocationCallOrder[0]!);
    expect(stdout.split('\n')[0]).toBe(
      'sluice dev: Temporal 127.0.0.1:17233 (Web UI http://127.0.0.1:18233), worker on task queue sluice-deployments',
    );
    expect(stdout).toMatch(/sluice dev: stopped the worker and Temporal/);
  });

  it('leaves running a Temporal server that ran before it (`npm run stack:up`)', async () => {
    vi.mocked(stackUp).mockResolvedValue(stack);
    vi.mocked(temporalRunning).mockResolvedValueOnce(true);
    const { code, stdout } = await runCli(['dev']);
    expect(code).toBe(0);
    expect(stopTemporal).not.toHaveBeenCalled();
    expect(stdout).toMatch(/sluice dev: stopped the worker \(Docker/);
  });

  it('--hosts 3: brings up a fleet of 3 and runs its workers (no worker in this process) until they exit', async () => {
    vi.mocked(stackUp).mockResolvedValue(stack);
    const hosts = [1, 2, 3].map((n) => ({ name: `host-${n}`, address: `127.0.0.${n + 1}` }));
    vi.mocked(startDevFleet).mockResolvedValue({
      hosts,
      front: { url: 'http://127.0.0.1:18100', stop: vi.fn() },
      exited: Promise.resolve(),
      stop: vi.fn(async () => undefined),
    } as unknown as Awaited<ReturnType<typeof startDevFleet>>);
    const { code, stdout } = await runCli(['dev', '--hosts', '3'], { env: { SLUICE_TASK_QUEUE: undefined } });
    expect(code).toBe(0);
    expect(stackUp).toHaveBeenCalledWith(expect.anything(), { hosts: 3 });
    expect(runWorker).not.toHaveBeenCalled();
    expect(stdout).toContain(
      'a fleet of 3 host(s): host-1 on 127.0.0.2, host-2 on 127.0.0.3, host-3 on 127.0.0.4, each with its own worker on task queue sluice-deployments; HAProxy in front on http://127.0.0.1:18100/',
    );
    expect(stdout).toMatch(/sluice dev: stopped the workers and Temporal/);
  });

  it.each(['0', '9', 'two'])('--hosts %s is refused with exit 2, naming the range; nothing starts', async (hosts) => {
    const { code, stderr } = await runCli(['dev', '--hosts', hosts]);
    expect(code).toBe(2);
    expect(stderr).toBe(`sluice: --hosts ${hosts} is not a fleet size: use a whole number from 1 to 8\n`);
    expect(stackUp).not.toHaveBeenCalled();
  });

  it('keeps grants the developer set', async () => {
    vi.mocked(stackUp).mockResolvedValue(stack);
    expect((await runCli(['dev'], { env: { SLUICE_ENV_GRANTS: 'web:API_TOKEN' } })).code).toBe(0);
    expect(vi.mocked(runWorker).mock.calls[0]![0].secretScope.env).toEqual(new Map([['web', new Set(['API_TOKEN'])]]));
  });

  it('a prerequisite the stack cannot provide is exit 5 with its one line; no worker starts', async () => {
    vi.mocked(stackUp).mockRejectedValue(
      new MissingPrerequisite('Docker Engine is not running on /var/run/docker.sock: install and start it'),
    );
    const { code, stderr } = await runCli(['dev']);
    expect(code).toBe(5);
    expect(stderr).toBe('sluice: Docker Engine is not running on /var/run/docker.sock: install and start it\n');
    expect(runWorker).not.toHaveBeenCalled();
    expect(stopTemporal).not.toHaveBeenCalled();
  });

  it('any other failure of the stack is exit 1, never a stack trace', async () => {
    vi.mocked(stackUp).mockRejectedValue(new Error('nginx -t failed'));
    expect(await runCli(['dev'])).toMatchObject({ code: 1, stderr: 'sluice: unexpected error: nginx -t failed\n' });
  });
});

describe('sluice dev: arguments', () => {
  it('takes none, and --hosts', async () => {
    expect(await parseVerb(registerDev, ['dev'])).toEqual({ args: [], options: {} });
    expect(await parseVerb(registerDev, ['dev', '--hosts', '3'])).toEqual({ args: [], options: { hosts: '3' } });
    await expect(parseVerb(registerDev, ['dev', 'now'])).rejects.toMatchObject({ code: 'commander.excessArguments' });
  });
});

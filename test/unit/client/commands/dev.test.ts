import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { stackUp } from '../../../../src/stack';
import { MissingPrerequisite } from '../../../../src/stack/errors';
import { stopTemporal } from '../../../../src/stack/temporal';
import { installRuntime, runWorker } from '../../../../src/worker/run';
import { runCli, parseVerb } from '../../../support/run-cli';
import { registerDev } from '../../../../src/client/commands/dev';

vi.mock('../../../../src/temporal/connection', async (original) => ({
  ...(await original<object>()),
  connectClient: (await import('../../../support/fake-temporal.js')).connectStub,
}));
vi.mock('../../../../src/worker/run', () => ({ installRuntime: vi.fn(), runWorker: vi.fn(async () => undefined) }));
vi.mock('../../../../src/stack', () => ({ stackUp: vi.fn() }));
vi.mock('../../../../src/stack/temporal', () => ({ stopTemporal: vi.fn(async () => true) }));

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
  it('takes none', async () => {
    expect(await parseVerb(registerDev, ['dev'])).toEqual({ args: [], options: {} });
    await expect(parseVerb(registerDev, ['dev', 'now'])).rejects.toMatchObject({ code: 'commander.excessArguments' });
  });
});

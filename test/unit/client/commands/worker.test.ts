import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { installRuntime, runWorker } from '../../../../src/worker/run';
import { runCli, parseVerb } from '../../../support/run-cli';
import { registerWorker } from '../../../../src/client/commands/worker';

vi.mock('../../../../src/temporal/connection', async (original) => ({
  ...(await original<object>()),
  connectClient: (await import('../../../support/fake-temporal.js')).connectStub,
}));
vi.mock('../../../../src/worker/run', () => ({ installRuntime: vi.fn(), runWorker: vi.fn(async () => undefined) }));

const env = {
  SLUICE_NGINX_CONF_DIR: '/etc/nginx/conf.d',
  SLUICE_METRICS_PORT: undefined,
  SLUICE_METRICS_ADDRESS: undefined,
  SLUICE_LOG_FORMAT: undefined,
  SLUICE_LOG_LEVEL: undefined,
};

beforeEach(() => vi.clearAllMocks());
afterEach(() => vi.unstubAllEnvs());

describe('sluice worker', () => {
  it('installs the runtime with the flags, then runs a worker with the settings from env and the global flags', async () => {
    const { code } = await runCli(
      [
        '--address',
        'temporal.example:7233',
        '--task-queue',
        'deploys',
        'worker',
        '--metrics-port',
        '0',
        '--log-format',
        'text',
        '--log-level',
        'debug',
      ],
      { env },
    );
    expect(code).toBe(0);
    expect(installRuntime).toHaveBeenCalledWith({ logLevel: 'DEBUG', logFormat: 'text', metricsPort: 0, metricsAddress: '127.0.0.1' });
    expect(runWorker).toHaveBeenCalledWith(
      expect.objectContaining({
        taskQueue: 'deploys',
        temporal: expect.objectContaining({ address: 'temporal.example:7233' }),
        nginx: expect.objectContaining({ confDir: '/etc/nginx/conf.d' }),
      }),
    );
    expect(vi.mocked(installRuntime).mock.invocationCallOrder[0]!).toBeLessThan(vi.mocked(runWorker).mock.invocationCallOrder[0]!);
  });

  it('defaults come from the environment', async () => {
    const { code } = await runCli(['worker'], {
      env: { ...env, SLUICE_METRICS_PORT: '9999', SLUICE_METRICS_ADDRESS: '0.0.0.0', SLUICE_LOG_FORMAT: 'text', SLUICE_LOG_LEVEL: 'WARN' },
    });
    expect(code).toBe(0);
    expect(installRuntime).toHaveBeenCalledWith({ logLevel: 'WARN', logFormat: 'text', metricsPort: 9999, metricsAddress: '0.0.0.0' });
  });

  it.each([
    [['--metrics-port', '65536'], '--metrics-port: expected a port from 0 to 65535'],
    [['--metrics-port', 'x'], '--metrics-port: expected a port from 0 to 65535'],
    [['--log-format', 'xml'], '--log-format: expected json or text'],
    [['--log-level', 'loud'], '--log-level: expected one of TRACE, DEBUG, INFO, WARN, ERROR'],
    [['--metrics-address', 'localhost'], '--metrics-address: expected an IP address like 127.0.0.1 (or 0.0.0.0 for every interface)'],
  ])('%j is exit 2 and starts nothing', async (flags, message) => {
    expect(await runCli(['worker', ...flags], { env })).toMatchObject({ code: 2, stderr: `sluice: ${message}\n` });
    expect(installRuntime).not.toHaveBeenCalled();
    expect(runWorker).not.toHaveBeenCalled();
  });

  it('a worker setting missing from env is exit 2 naming the variable', async () => {
    const { code, stderr } = await runCli(['worker'], { env: { ...env, SLUICE_NGINX_CONF_DIR: undefined } });
    expect(code).toBe(2);
    expect(stderr).toMatch(/^sluice: SLUICE_NGINX_CONF_DIR is not set: /);
    expect(runWorker).not.toHaveBeenCalled();
  });
});

describe('sluice worker: arguments', () => {
  it('defaults: metrics on 127.0.0.1:9464, JSON logs at INFO; each from its variable when set', async () => {
    for (const name of ['SLUICE_METRICS_PORT', 'SLUICE_METRICS_ADDRESS', 'SLUICE_LOG_FORMAT', 'SLUICE_LOG_LEVEL'])
      vi.stubEnv(name, undefined);
    expect(await parseVerb(registerWorker, ['worker'])).toEqual({
      args: [],
      options: { metricsPort: '9464', metricsAddress: '127.0.0.1', logFormat: 'json', logLevel: 'INFO' },
    });
    vi.stubEnv('SLUICE_METRICS_PORT', '0');
    vi.stubEnv('SLUICE_LOG_LEVEL', 'ERROR');
    expect((await parseVerb(registerWorker, ['worker'])).options).toMatchObject({ metricsPort: '0', logLevel: 'ERROR' });
  });
});

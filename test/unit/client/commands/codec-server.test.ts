import crypto from 'node:crypto';
import net from 'node:net';
import { describe, expect, it, vi } from 'vitest';
import { portOpen } from '../../../../src/stack/system';
import { runCli, parseVerb } from '../../../support/run-cli';
import { registerCodecServer } from '../../../../src/client/commands/codec-server';

vi.mock('../../../../src/temporal/connection', async (original) => ({
  ...(await original<object>()),
  connectClient: (await import('../../../support/fake-temporal.js')).connectStub,
}));

const key = crypto.randomBytes(32).toString('base64');

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('sluice codec-server', () => {
  it.each([
    [
      [],
      { SLUICE_CODEC_KEY: undefined, SLUICE_CODEC_KEY_FILE: undefined },
      'no codec key: set SLUICE_CODEC_KEY (or SLUICE_CODEC_KEY_FILE) to the key the workers use',
    ],
    [['--port', '0'], { SLUICE_CODEC_KEY: key }, '--port: expected a port from 1 to 65535'],
    [['--port', '70000'], { SLUICE_CODEC_KEY: key }, '--port: expected a port from 1 to 65535'],
    [
      [],
      { SLUICE_CODEC_KEY: key, SLUICE_CODEC_SERVER_TOKEN: '' },
      'no SLUICE_CODEC_SERVER_TOKEN: set one (callers send Authorization: Bearer <token>), or pass --without-token to serve only clients on this host, never behind a proxy',
    ],
  ])('%j with %j: exit 2, nothing served', async (flags, env, message) => {
    expect(await runCli(['codec-server', ...flags], { env })).toMatchObject({ code: 2, stderr: `sluice: ${message}\n` });
  });

  it('a key that is not 32 bytes is refused naming the variable, and nothing is served', async () => {
    const { code, stdout, stderr } = await runCli(['codec-server', '--without-token'], { env: { SLUICE_CODEC_KEY: 'c2hvcnQ=' } });
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toBe('sluice: SLUICE_CODEC_KEY must be base64 of 32 bytes (e.g. `openssl rand -base64 32`), got 5 bytes\n');
  });

  it('serves on --host:--port until SIGINT, then closes (exit 0)', async () => {
    const port = await freePort();
    const before = process.listeners('SIGINT');
    const beforeTerm = process.listeners('SIGTERM');
    const running = runCli(['codec-server', '--port', String(port), '--origin', 'https://ui.example'], {
      env: { SLUICE_CODEC_KEY: key, SLUICE_CODEC_SERVER_TOKEN: 'token' },
    });
    let stop: (() => void) | undefined;
    while (!stop) {
      await new Promise((resolve) => setTimeout(resolve, 10));
      stop = process.listeners('SIGINT').find((listener) => !before.includes(listener)) as (() => void) | undefined;
    }
    expect(await portOpen(port)).toBe(true);
    stop();
    const { code, stdout } = await running;
    expect(code).toBe(0);
    expect(stdout).toBe(`codec server on http://127.0.0.1:${port} (bearer token required), CORS for https://ui.example\n`);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(await portOpen(port)).toBe(false);
    for (const listener of process.listeners('SIGTERM')) if (!beforeTerm.includes(listener)) process.off('SIGTERM', listener);
  });
});

describe('sluice codec-server: arguments', () => {
  it('defaults: port 8888 on loopback, CORS for the local Web UI, no extra host names, a token required', async () => {
    expect(await parseVerb(registerCodecServer, ['codec-server'])).toEqual({
      args: [],
      options: { port: '8888', host: '127.0.0.1', origin: ['http://localhost:8233', 'http://127.0.0.1:8233'], allowedHost: [] },
    });
  });

  it('--origin and --allowed-host take several values', async () => {
    const { options } = await parseVerb(registerCodecServer, [
      'codec-server',
      '--origin',
      'https://a.example',
      'https://b.example',
      '--allowed-host',
      'codec.example',
      '--without-token',
    ]);
    expect(options).toMatchObject({
      origin: ['https://a.example', 'https://b.example'],
      allowedHost: ['codec.example'],
      withoutToken: true,
    });
  });
});

import { spawn, spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SLUICE_BIN } from '../../bench/worker-process';
import { freePort, removeServiceContainers, stackValue, testServiceName } from '../support/stack';
import { cliEnvironment, type CliEnvironment } from './support/cli';

/**
 * Secrets stay out of Temporal: a secret's value lives only in the worker's
 * environment (the spec names it), and with a codec key every payload is
 * encrypted, so even plain env values of a spec never reach history in clear.
 */
const secretValue = `canary-secret-${crypto.randomUUID()}`;
const envValue = `canary-env-${crypto.randomUUID()}`;
const codecKey = crypto.randomBytes(32).toString('base64');
const service = testServiceName('secret');
const plainService = testServiceName('plain');
const grantedService = testServiceName('grant');
const loggingService = testServiceName('logs');
const otherValue = `canary-other-${crypto.randomUUID()}`;
const fileValue = `canary-file-${crypto.randomUUID()}`;
const secretsDir = fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-e2e-secrets-'));
let cli: CliEnvironment;

/** A free port per spec: the router refuses a port another service holds (random ones collided). */
const specDocument = async (name: string) => ({
  service: name,
  image: 'sluice-fixture:v1',
  replicas: 1,
  port: 8080,
  health: { path: '/ready', interval: '200ms' },
  strategy: { type: 'rolling' },
  traffic: { listenPort: await freePort() },
});

const spec = async (name: string) =>
  cli.writeSpec(name, {
    ...(await specDocument(name)),
    env: { PUBLIC_NOTE: envValue },
    secrets: [{ name: 'API_TOKEN', fromEnv: 'E2E_SECRET_SOURCE' }],
  });

/** Every string in a JSON document, and what it decodes to when it is base64 (payloads are base64 in the CLI's JSON). */
function everythingIn(json: string): string {
  const strings: string[] = [];
  const walk = (value: unknown): void => {
    if (typeof value === 'string') strings.push(value, Buffer.from(value, 'base64').toString('latin1'));
    else if (value && typeof value === 'object') Object.values(value).forEach(walk);
  };
  walk(JSON.parse(json));
  return strings.join('\n');
}

function historyJson(workflowId: string): string {
  const result = spawnSync(
    stackValue('TEMPORAL_CLI'),
    ['workflow', 'show', '--workflow-id', workflowId, '--output', 'json', '--address', stackValue('TEMPORAL_ADDRESS')],
    { encoding: 'utf8' },
  );
  expect(result.status, result.stderr).toBe(0);
  return result.stdout;
}

beforeAll(async () => {
  fs.mkdirSync(path.join(secretsDir, grantedService));
  fs.writeFileSync(path.join(secretsDir, grantedService, 'token'), `${fileValue}\n`);
  cli = await cliEnvironment({
    // E2E_OTHER_SECRET is set on the worker but granted to no service of this file.
    SLUICE_ENV_GRANTS: `${service}:E2E_SECRET_SOURCE ${plainService}:E2E_SECRET_SOURCE ${loggingService}:E2E_SECRET_SOURCE someone-else:E2E_OTHER_SECRET`,
    E2E_OTHER_SECRET: otherValue,
    SLUICE_SECRETS_DIR: secretsDir,
    SLUICE_CODEC_KEY: codecKey,
    SLUICE_CODEC_KEY_ID: 'e2e-1',
    E2E_SECRET_SOURCE: secretValue,
  });
});
afterAll(async () => {
  await cli?.stop();
  await removeServiceContainers(new Docker(), service, plainService, grantedService, loggingService);
  fs.rmSync(secretsDir, { recursive: true, force: true });
});

describe('secrets and the payload codec', () => {
  it('a deployment with a codec key leaves no canary in history, search attributes or logs; the container has its secret', async () => {
    const run = await cli.run(['deploy', await spec(service), '--wait'], {
      env: { SLUICE_CODEC_KEY: codecKey, SLUICE_CODEC_KEY_ID: 'e2e-1' },
    });
    expect(run.code, run.stderr).toBe(0);

    const history = everythingIn(historyJson(`deploy/${service}`));
    expect(history).toContain('binary/encrypted');
    expect(history).not.toContain(secretValue);
    expect(history).not.toContain(envValue);

    const described = spawnSync(
      stackValue('TEMPORAL_CLI'),
      ['workflow', 'describe', '--workflow-id', `deploy/${service}`, '--output', 'json', '--address', stackValue('TEMPORAL_ADDRESS')],
      { encoding: 'utf8' },
    );
    expect(described.stdout).toContain('SluiceService');
    expect(described.stdout).not.toContain(envValue);
    expect(described.stdout).not.toContain(secretValue);

    const logs = `${run.stdout}${run.stderr}${cli.workerOutput()}`;
    expect(logs).not.toContain(secretValue);
    expect(logs).not.toContain(envValue);

    const [container] = await new Docker().listContainers({ filters: { label: [`dev.sluice.service=${service}`] } });
    const env = (await new Docker().getContainer(container!.Id).inspect()).Config.Env;
    expect(env).toContain(`API_TOKEN=${secretValue}`);
    expect(env).toContain(`PUBLIC_NOTE=${envValue}`);
  });

  it('from a CLI without the key, the plain env value would be in history (so the check above can see it); the secret still is not', async () => {
    const run = await cli.run(['deploy', await spec(plainService), '--detach'], { env: { SLUICE_CODEC_KEY: '' } });
    expect(run.code, run.stderr).toBe(0);
    // Its result is encrypted by the worker: a CLI without the key says so instead of failing obscurely.
    const status = await cli.run(['status', plainService, '--watch'], { env: { SLUICE_CODEC_KEY: '' } });
    expect(status.code).toBe(2);
    expect(status.stderr).toMatch(/encrypted with a codec key this CLI does not have: set SLUICE_CODEC_KEY/);
    const history = everythingIn(historyJson(`deploy/${plainService}`));
    expect(history).toContain(envValue);
    expect(history).not.toContain(secretValue);
  });

  it('with a codec key, what a failing container prints (here, its secret) reaches no worker log, no CLI output and no history', async () => {
    // The fixture prints "release <RELEASE> listening": given the secret as RELEASE, it prints the secret; the bad image never turns ready.
    const document = {
      ...(await specDocument(loggingService)),
      image: 'sluice-fixture:bad',
      health: { path: '/ready', interval: '200ms', unhealthyThreshold: 2 },
      secrets: [{ name: 'RELEASE', fromEnv: 'E2E_SECRET_SOURCE' }],
    };
    const run = await cli.run(['deploy', cli.writeSpec('logging', document), '--wait'], {
      env: { SLUICE_CODEC_KEY: codecKey, SLUICE_CODEC_KEY_ID: 'e2e-1' },
    });
    expect(run.code, run.stderr).toBe(1);
    const history = everythingIn(historyJson(`deploy/${loggingService}`));
    expect(history).toContain('binary/encrypted');
    for (const text of [run.stdout, run.stderr, cli.workerOutput(), history]) expect(text).not.toContain(secretValue);
    // The failure says where the output is instead.
    expect(`${run.stdout}${run.stderr}`).toMatch(/is unhealthy/);
  });

  it('a spec asking for a variable of the worker not granted to its service is refused before anything is touched, naming the grant', async () => {
    const asking = cli.writeSpec('asking', {
      ...(await specDocument(grantedService)),
      secrets: [{ name: 'STOLEN', fromEnv: 'E2E_OTHER_SECRET' }],
    });
    const run = await cli.run(['deploy', asking, '--wait']);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(
      new RegExp(
        `secret STOLEN: environment variable E2E_OTHER_SECRET is not granted to ${grantedService}: .*SLUICE_ENV_GRANTS="${grantedService}:E2E_OTHER_SECRET"`,
      ),
    );
    expect(`${run.stdout}${run.stderr}${cli.workerOutput()}`).not.toContain(otherValue);
    expect(await new Docker().listContainers({ all: true, filters: { label: [`dev.sluice.service=${grantedService}`] } })).toEqual([]);
  });

  it("a file in the service's own secrets directory reaches its container", async () => {
    const reading = cli.writeSpec('reading', {
      ...(await specDocument(grantedService)),
      secrets: [{ name: 'FILE_TOKEN', fromFile: 'token' }],
    });
    const run = await cli.run(['deploy', reading, '--wait']);
    expect(run.code, run.stderr).toBe(0);
    const [container] = await new Docker().listContainers({ filters: { label: [`dev.sluice.service=${grantedService}`] } });
    expect((await new Docker().getContainer(container!.Id).inspect()).Config.Env).toContain(`FILE_TOKEN=${fileValue}`);
  });

  it('the codec server decodes for a caller with the token, and refuses one without', async () => {
    const port = await freePort();
    const token = crypto.randomBytes(16).toString('hex');
    const server = spawn(process.execPath, [SLUICE_BIN, 'codec-server', '--port', String(port)], {
      env: { ...cli.env, SLUICE_CODEC_KEY: codecKey, SLUICE_CODEC_KEY_ID: 'e2e-1', SLUICE_CODEC_SERVER_TOKEN: token },
    });
    try {
      const history = JSON.parse(historyJson(`deploy/${service}`)) as {
        events: Array<{ workflowExecutionStartedEventAttributes?: { input: { payloads: unknown[] } } }>;
      };
      const input = history.events[0]!.workflowExecutionStartedEventAttributes!.input;
      const decode = (headers: Record<string, string>) =>
        fetch(`http://127.0.0.1:${port}/decode`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...headers },
          body: JSON.stringify(input),
        });
      for (
        let i = 0;
        i < 50 &&
        !(await decode({}).then(
          () => true,
          () => false,
        ));
        i++
      )
        await new Promise((resolve) => setTimeout(resolve, 100));
      expect((await decode({})).status).toBe(401);
      expect((await decode({ authorization: 'Bearer wrong' })).status).toBe(401);
      const decoded = (await (await decode({ authorization: `Bearer ${token}` })).json()) as { payloads: Array<{ data: string }> };
      expect(Buffer.from(decoded.payloads[0]!.data, 'base64').toString('utf8')).toContain(envValue);
    } finally {
      server.kill('SIGTERM');
    }
  });
});

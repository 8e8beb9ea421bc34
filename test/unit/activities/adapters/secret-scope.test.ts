import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_SECRET_BYTES, parseEnvGrants, ScopedSecrets } from '../../../../src/activities/adapters/secret-scope';

/** A spec only asks; the worker's operator grants. Each attack from the security read, refused. */
let dir: string;
let secrets: ScopedSecrets;
const environment = {
  DATABASE_URL: 'postgres://web',
  API_DB: 'postgres://api',
  SLUICE_CODEC_KEY: 'codec-key',
  TEMPORAL_API_KEY: 'temporal-key',
  SENTRY_DSN: 'dsn',
};

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-scope-'));
  fs.mkdirSync(path.join(dir, 'web', 'nested'), { recursive: true });
  fs.mkdirSync(path.join(dir, 'api'));
  fs.writeFileSync(path.join(dir, 'web', 'token'), 'web-token\n');
  fs.writeFileSync(path.join(dir, 'web', 'nested', 'key'), 'nested-key');
  fs.writeFileSync(path.join(dir, 'api', 'token'), 'api-token');
  fs.writeFileSync(path.join(dir, 'web', 'huge'), Buffer.alloc(MAX_SECRET_BYTES + 1, 'x'));
  fs.symlinkSync(path.join(dir, 'api', 'token'), path.join(dir, 'web', 'link-to-api'));
  fs.symlinkSync('/etc', path.join(dir, 'web', 'etc'));
  fs.symlinkSync('/dev/zero', path.join(dir, 'web', 'zero'));
  fs.symlinkSync('nested/key', path.join(dir, 'web', 'link-in-scope'));
  execFileSync('mkfifo', [path.join(dir, 'web', 'fifo')]);
  fs.mkdirSync(path.join(dir, 'web', 'a-directory'));
  secrets = new ScopedSecrets({ dir, env: parseEnvGrants('web:DATABASE_URL *:SENTRY_DSN') }, environment);
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('environment variables', () => {
  it('a granted variable is read; one granted to every service too', () => {
    expect(secrets.fromEnv('web', 'DATABASE_URL')).toEqual({ value: 'postgres://web' });
    expect(secrets.fromEnv('api', 'SENTRY_DSN')).toEqual({ value: 'dsn' });
  });

  it("another service's variable is refused, naming the grant that would allow it", () => {
    expect(secrets.fromEnv('web', 'API_DB')).toEqual({
      problem: expect.stringMatching(/API_DB is not granted to web: .*SLUICE_ENV_GRANTS="web:API_DB"/),
    });
    expect(secrets.fromEnv('api', 'DATABASE_URL')).toEqual({ problem: expect.stringMatching(/not granted to api/) });
  });

  it("sluice's own settings are never given, and cannot be granted", () => {
    expect(secrets.fromEnv('web', 'SLUICE_CODEC_KEY')).toEqual({ problem: expect.stringMatching(/one of sluice's own settings/) });
    expect(secrets.fromEnv('web', 'TEMPORAL_API_KEY')).toEqual({ problem: expect.stringMatching(/one of sluice's own settings/) });
    expect(() => parseEnvGrants('web:DATABASE_URL,SLUICE_CODEC_KEY')).toThrow(
      /SLUICE_ENV_GRANTS: SLUICE_CODEC_KEY is sluice's own setting/,
    );
    expect(() => parseEnvGrants('*:DOCKER_CERT_PATH')).toThrow(/DOCKER_CERT_PATH/);
  });

  it('a malformed grant names the variable and shows the form', () => {
    for (const bad of ['web', 'web:', 'Web:X', 'web:X:Y', 'web:1X'])
      expect(() => parseEnvGrants(bad)).toThrow(/SLUICE_ENV_GRANTS: .* is not service:NAME\[,NAME\]; write e\.g\./);
    expect([...parseEnvGrants('').keys()]).toEqual([]);
  });
});

describe('files', () => {
  it("a file in the service's directory is read, by its name or its absolute path, without the trailing newline", async () => {
    expect(await secrets.fromFile('web', 'token')).toEqual({ value: 'web-token' });
    expect(await secrets.fromFile('web', path.join(dir, 'web', 'nested', 'key'))).toEqual({ value: 'nested-key' });
  });

  it('a file outside the scope is refused without being looked at: the answer is the same whether it exists or not', async () => {
    const shadow = await secrets.fromFile('web', '/etc/shadow');
    const nothing = await secrets.fromFile('web', '/etc/no-such-file-anywhere');
    expect(shadow).toEqual({ problem: expect.stringMatching(/^file \/etc\/shadow is outside web's secrets directory/) });
    expect((nothing as { problem: string }).problem.replace('/etc/no-such-file-anywhere', '/etc/shadow')).toBe(
      (shadow as { problem: string }).problem,
    );
    expect(await secrets.fromFile('web', path.join(dir, 'api', 'token'))).toEqual({
      problem: expect.stringMatching(/outside web's secrets directory/),
    });
    expect(await secrets.fromFile('web', '../api/token')).toEqual({ problem: expect.stringMatching(/outside web's secrets directory/) });
  });

  it('links are followed only inside the scope (as a Kubernetes secret volume makes them): not to another service, /etc or a device', async () => {
    expect(await secrets.fromFile('web', 'link-in-scope')).toEqual({ value: 'nested-key' });
    expect(await secrets.fromFile('web', 'link-to-api')).toEqual({ problem: expect.stringMatching(/outside web's secrets directory/) });
    expect(await secrets.fromFile('web', 'etc/passwd')).toEqual({ problem: expect.stringMatching(/outside web's secrets directory/) });
    expect(await secrets.fromFile('web', 'zero')).toEqual({ problem: expect.stringMatching(/outside web's secrets directory/) });
  });

  it('only regular files of at most 64 KiB are read', async () => {
    expect(await secrets.fromFile('web', 'huge')).toEqual({ problem: expect.stringMatching(/larger than 64 KiB/) });
    expect(await secrets.fromFile('web', 'a-directory')).toEqual({ problem: expect.stringMatching(/not a regular file/) });
    expect(await secrets.fromFile('web', 'fifo')).toEqual({ problem: expect.stringMatching(/not a regular file/) });
  });

  it('a missing file in the scope says where to put it', async () => {
    expect(await secrets.fromFile('web', 'absent')).toEqual({
      problem: expect.stringMatching(/the worker has no file .*web\/absent; put it in .*web on the worker host/),
    });
    expect(await secrets.fromFile('nobody', 'token')).toEqual({ problem: expect.stringMatching(/the worker has no file/) });
  });
});

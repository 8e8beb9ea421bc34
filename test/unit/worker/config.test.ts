import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { SettingError } from '../../../src/shared/errors';
import { hostTaskQueue } from '../../../src/shared/names';
import { workerConfig } from '../../../src/worker/config';
import { HmacSecretDigester, keyFromFile } from '../../../src/worker/secret-digest';

const base = { SLUICE_NGINX_CONF_DIR: '/etc/nginx/conf.d' };

describe('workerConfig', () => {
  it('accepts SLUICE_METRICS_PORT=0, which the README and --help say disables metrics', () => {
    expect(() => workerConfig({ ...base, SLUICE_METRICS_PORT: '0' })).not.toThrow();
  });

  it("takes the secrets' digest key from SLUICE_SECRET_DIGEST_KEY, refusing a short one, else from a file under SLUICE_STATE_DIR", () => {
    expect(workerConfig({ ...base, SLUICE_SECRET_DIGEST_KEY: 'k'.repeat(32) }).secretDigestKey).toEqual({ value: 'k'.repeat(32) });
    expect(() => workerConfig({ ...base, SLUICE_SECRET_DIGEST_KEY: 'short' })).toThrow(/SLUICE_SECRET_DIGEST_KEY is too short/);
    expect(workerConfig({ ...base, SLUICE_STATE_DIR: '/var/lib/sluice' }).secretDigestKey).toEqual({
      file: '/var/lib/sluice/secret-digest.key',
    });
  });
});

describe('SLUICE_HOST', () => {
  it('makes the worker a fleet host serving its own task queue; absent, the worker is the one host', () => {
    expect(workerConfig({ ...base, SLUICE_HOST: 'web-1', SLUICE_TASK_QUEUE: 'prod' })).toMatchObject({ host: 'web-1', taskQueue: 'prod' });
    expect(hostTaskQueue('prod', 'web-1')).toBe('prod@web-1');
    expect(workerConfig(base)).not.toHaveProperty('host');
    expect(workerConfig({ ...base, SLUICE_HOST: '' })).not.toHaveProperty('host');
  });
});

describe('a wrong worker setting', () => {
  it.each([
    [{ ...base, SLUICE_HOST: 'Web_1' }, /^SLUICE_HOST=Web_1 is not a host name: use lowercase letters, digits and "-"/],
    [{ ...base, SLUICE_HOST: '-web' }, /^SLUICE_HOST=-web is not a host name/],
    [{ SLUICE_NGINX_CONF_DIR: '' }, /^SLUICE_NGINX_CONF_DIR is not set/],
    [{ ...base, SLUICE_NGINX_ADMIN_PORT: '70000' }, /^SLUICE_NGINX_ADMIN_PORT=70000 is not valid/],
    [{ ...base, SLUICE_SECRET_DIGEST_KEY: 'short' }, /^SLUICE_SECRET_DIGEST_KEY is too short/],
    [{ ...base, SLUICE_ENV_GRANTS: 'web' }, /^SLUICE_ENV_GRANTS: "web" is not service:NAME/],
    [{ ...base, SLUICE_ENV_GRANTS: 'web:SLUICE_CODEC_KEY' }, /^SLUICE_ENV_GRANTS: SLUICE_CODEC_KEY is sluice's own setting/],
    [{ ...base, TEMPORAL_TLS_CA: '/nonexistent/ca.pem' }, /^TEMPORAL_TLS_CA=\/nonexistent\/ca.pem cannot be read/],
  ])('%j is a SettingError naming the variable (the CLI exits 2 with it)', (env, message) => {
    let thrown: unknown;
    try {
      workerConfig(env);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(SettingError);
    expect((thrown as Error).message).toMatch(message);
  });
});

describe("the secrets' digest", () => {
  it('changes with any value, not with the order of names, and depends on the key', () => {
    const digester = new HmacSecretDigester(Buffer.from('a'.repeat(32)));
    const digest = digester.digest({ A: '1', B: '2' });
    expect(digester.digest({ B: '2', A: '1' })).toBe(digest);
    expect(digester.digest({ A: '1', B: '3' })).not.toBe(digest);
    expect(new HmacSecretDigester(Buffer.from('b'.repeat(32))).digest({ A: '1', B: '2' })).not.toBe(digest);
  });

  it('keeps its key in a file only the owner can read, made once and then reused', () => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-key-')), 'state', 'secret-digest.key');
    const key = keyFromFile(file);
    expect(key).toHaveLength(32);
    expect(keyFromFile(file).equals(key)).toBe(true);
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
  });
});

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { readStackEnv, writeStackEnv } from '../../../src/stack/env-file';
import { MissingPrerequisite } from '../../../src/stack/errors';
import { stackSettings } from '../../../src/stack/settings';
import { ensureTool } from '../../../src/stack/tools';

describe('stack settings', () => {
  it('default to the documented loopback ports under .sluice', () => {
    const settings = stackSettings({}, '/repo');
    expect(settings).toEqual({
      stateDir: '/repo/.sluice',
      temporal: { port: 7233, uiPort: 8233, namespace: 'default' },
      postgres: { port: 55432, database: 'sluice', user: 'sluice' },
      nginx: { adminPort: 9180 },
      registry: { port: 55000 },
    });
  });

  it('name the variable and the fix when a port is not a port', () => {
    expect(() => stackSettings({ SLUICE_TEMPORAL_PORT: 'seven' }, '/repo')).toThrow('SLUICE_TEMPORAL_PORT=seven is not a TCP port: set it to a whole number from 1 to 65535');
    expect(() => stackSettings({ SLUICE_POSTGRES_PORT: '70000' }, '/repo')).toThrow(/SLUICE_POSTGRES_PORT=70000/);
  });
});

describe('the stack env file', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-env-'));
  afterEach(() => fs.rmSync(path.join(dir, 'stack.env'), { force: true }));

  it('round-trips values, including ones with = in them', () => {
    writeStackEnv(dir, { DATABASE_URL: 'postgres://u@127.0.0.1:5/db?sslmode=disable', TEMPORAL_ADDRESS: '127.0.0.1:7233' });
    expect(readStackEnv(dir)).toEqual({ DATABASE_URL: 'postgres://u@127.0.0.1:5/db?sslmode=disable', TEMPORAL_ADDRESS: '127.0.0.1:7233' });
  });

  it("is its owner's only (it holds the registry's password), even when it was readable before", () => {
    fs.writeFileSync(path.join(dir, 'stack.env'), 'OLD=1\n', { mode: 0o644 });
    writeStackEnv(dir, { SLUICE_TEST_REGISTRY_PASSWORD: 'secret' });
    expect(fs.statSync(path.join(dir, 'stack.env')).mode & 0o777).toBe(0o600);
    expect(fs.readdirSync(dir)).toEqual(['stack.env']);
  });

  it('is empty when the stack never ran', () => {
    expect(readStackEnv(path.join(dir, 'nowhere'))).toEqual({});
  });
});

describe('tools', () => {
  const saved = process.env.TEMPORAL_CLI;
  afterEach(() => (saved === undefined ? delete process.env.TEMPORAL_CLI : (process.env.TEMPORAL_CLI = saved)));

  it('an explicit binary that does not exist is one clear line, not a stack trace', () => {
    process.env.TEMPORAL_CLI = '/nonexistent/temporal';
    expect(() => ensureTool('temporal', '/tmp')).toThrow(MissingPrerequisite);
    expect(() => ensureTool('temporal', '/tmp')).toThrow('TEMPORAL_CLI=/nonexistent/temporal does not exist: point it at the temporal binary or unset it');
  });

  it('an explicit binary that exists is used as is', () => {
    process.env.TEMPORAL_CLI = process.execPath;
    expect(ensureTool('temporal', '/tmp')).toBe(process.execPath);
  });
});

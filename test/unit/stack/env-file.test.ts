import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadStackEnv, readStackEnv, stackEnvPath, writeStackEnv } from '../../../src/stack/env-file';

describe('the stack env file', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-env-'));
  afterEach(() => fs.rmSync(path.join(dir, 'stack.env'), { force: true }));

  it('lives in the state dir as stack.env', () => {
    expect(stackEnvPath('/repo/.sluice')).toBe('/repo/.sluice/stack.env');
  });

  it('round-trips values, including ones with = in them', () => {
    writeStackEnv(dir, { DATABASE_URL: 'postgres://u@127.0.0.1:5/db?sslmode=disable', TEMPORAL_ADDRESS: '127.0.0.1:7233' });
    expect(readStackEnv(dir)).toEqual({ DATABASE_URL: 'postgres://u@127.0.0.1:5/db?sslmode=disable', TEMPORAL_ADDRESS: '127.0.0.1:7233' });
  });

  it('skips comments and lines without a value assignment', () => {
    fs.writeFileSync(path.join(dir, 'stack.env'), '# written by hand\nA=1\n\nnot a setting\n#B=2\nC=\n');
    expect(readStackEnv(dir)).toEqual({ A: '1', C: '' });
  });

  it("is its owner's only (it holds the registry's password), even when it was readable before", () => {
    fs.writeFileSync(path.join(dir, 'stack.env'), 'OLD=1\n', { mode: 0o644 });
    writeStackEnv(dir, { SLUICE_TEST_REGISTRY_PASSWORD: 'secret' });
    expect(fs.statSync(path.join(dir, 'stack.env')).mode & 0o777).toBe(0o600);
    expect(fs.readdirSync(dir)).toEqual(['stack.env']);
  });

  it('creates the state dir when the stack first runs', () => {
    const fresh = path.join(dir, 'nested', 'state');
    writeStackEnv(fresh, { A: '1' });
    expect(readStackEnv(fresh)).toEqual({ A: '1' });
    fs.rmSync(path.join(dir, 'nested'), { recursive: true });
  });

  it('is empty when the stack never ran', () => {
    expect(readStackEnv(path.join(dir, 'nowhere'))).toEqual({});
  });
});

describe('loadStackEnv', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-env-'));
  const names = ['SLUICE_TEST_LOAD_A', 'SLUICE_TEST_LOAD_B'];
  afterEach(() => names.forEach((name) => delete process.env[name]));

  it('fills process.env from the file; variables already set win', () => {
    writeStackEnv(dir, { SLUICE_TEST_LOAD_A: 'from-file', SLUICE_TEST_LOAD_B: 'from-file' });
    process.env.SLUICE_TEST_LOAD_A = 'from-shell';
    loadStackEnv(dir);
    expect(process.env.SLUICE_TEST_LOAD_A).toBe('from-shell');
    expect(process.env.SLUICE_TEST_LOAD_B).toBe('from-file');
  });
});

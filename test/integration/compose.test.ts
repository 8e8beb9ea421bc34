import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { describe, expect, it } from 'vitest';
import { workerConfig } from '../../src/worker/config';

const ROOT = path.resolve(__dirname, '..', '..');

/** docker-compose.yml cannot be brought up here (no registry), so it is validated and its worker settings checked. */
describe('docker-compose.yml', () => {
  it('is valid for docker-compose (config resolves without pulling anything)', () => {
    const result = spawnSync('docker-compose', ['config', '-q'], { cwd: ROOT, encoding: 'utf8' });
    expect(result.error, 'docker-compose must be installed (.ci/run installs it)').toBeUndefined();
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
  });

  it('gives the worker settings the worker accepts: nginx in its container, the shared config volume', () => {
    const compose = YAML.parse(fs.readFileSync(path.join(ROOT, 'docker-compose.yml'), 'utf8')) as {
      services: Record<string, { environment?: Record<string, string>; volumes?: string[]; network_mode?: string }>;
    };
    const worker = compose.services.worker!;
    const config = workerConfig(worker.environment, '/app');
    expect(config.nginx.control).toEqual({ kind: 'container', container: 'sluice-nginx' });
    expect(worker.volumes).toContain(`nginx-conf:${config.nginx.confDir}`);
    // nginx faces the public: it only reads what the worker writes.
    expect(compose.services.nginx!.volumes).toContain(`nginx-conf:${config.nginx.confDir}:ro`);
    expect(worker.network_mode).toBe('host');
    expect(compose.services.nginx!.network_mode).toBe('host');
  });
});

import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import YAML from 'yaml';
import { afterAll, describe, expect, it } from 'vitest';
import { stopNginx } from '../../src/stack/nginx';
import { portOpen } from '../../src/stack/system';
import Docker from 'dockerode';
import { freePort, removeServiceContainers, stackValue, testServiceName } from '../support/stack';

const ROOT = path.resolve(__dirname, '..', '..');

/** Output of a process, for assertions; resolves when it exits. */
function output(child: ReturnType<typeof spawn>): { text: () => string; exit: Promise<number | null> } {
  let text = '';
  child.stdout?.on('data', (chunk: Buffer) => (text += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (text += chunk.toString()));
  return { text: () => text, exit: new Promise((resolve) => child.on('close', resolve)) };
}

async function until(condition: () => boolean | Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

describe('the quickstart', () => {
  it('npm run demo deploys v1 and a promoted canary of v2, ending with v2 serving', async () => {
    const demo = output(spawn('npm', ['run', '-s', 'demo'], { cwd: ROOT, env: process.env }));
    expect(await demo.exit).toBe(0);
    expect(demo.text()).toMatch(/sluice-fixture:v2: released; serving v2-[0-9a-f]{8}/);
    expect(demo.text()).toMatch(/20 requests to http:\/\/127\.0\.0\.1:18000\/ were answered by: \{"v2":20\}/);
    expect(demo.text()).toMatch(/The Web UI stays up: http:\/\/127\.0\.0\.1:\d+\/namespaces\/default\/workflows\/deploy%2Fdemo/);
  });
});

describe('sluice dev', () => {
  const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-dev-'));
  const service = testServiceName('dev');
  afterAll(async () => {
    await removeServiceContainers(new Docker(), service);
    await stopNginx(path.join(stateDir, 'nginx'));
    fs.rmSync(stateDir, { recursive: true, force: true });
  });

  it('runs Temporal and a worker in the foreground, deploys, and stops both on Ctrl-C', async () => {
    const temporalPort = await freePort();
    const env = {
      ...process.env,
      SLUICE_STATE_DIR: stateDir,
      SLUICE_TEMPORAL_PORT: String(temporalPort),
      SLUICE_TEMPORAL_UI_PORT: String(await freePort()),
      SLUICE_NGINX_ADMIN_PORT: String(await freePort()),
      DATABASE_URL: stackValue('DATABASE_URL'),
      SLUICE_TASK_QUEUE: 'sluice-dev-e2e',
    };
    const dev = spawn(process.execPath, [path.join(ROOT, 'bin', 'sluice.js'), 'dev'], { cwd: ROOT, env });
    const devOutput = output(dev);
    await until(
      () => devOutput.text().includes('worker on task queue sluice-dev-e2e'),
      120_000,
      `sluice dev to start:\n${devOutput.text()}`,
    );

    const spec = path.join(stateDir, 'tiny.yaml');
    const listenPort = await freePort();
    fs.writeFileSync(
      spec,
      YAML.stringify({
        service,
        image: 'sluice-fixture:v1',
        replicas: 1,
        port: 8080,
        health: { path: '/ready', interval: '200ms' },
        strategy: { type: 'rolling' },
        traffic: { listenPort },
      }),
    );
    const deploy = output(
      spawn(process.execPath, [path.join(ROOT, 'bin', 'sluice.js'), 'deploy', spec, '--wait'], {
        cwd: ROOT,
        env: { ...env, TEMPORAL_ADDRESS: `127.0.0.1:${temporalPort}` },
      }),
    );
    expect(await deploy.exit).toBe(0);
    expect(deploy.text()).toMatch(/released; serving v1-/);

    dev.kill('SIGINT');
    expect(await devOutput.exit).toBe(0);
    expect(devOutput.text()).toMatch(/stopped the worker and Temporal/);
    expect(await portOpen(temporalPort)).toBe(false);
  });
});

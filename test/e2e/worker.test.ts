import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SLUICE_BIN } from '../../bench/worker-process';
import { fixtureImage } from '../../src/stack/fixtures';
import { freePort, removeServiceContainers, stackValue, testServiceName } from '../support/stack';
import { cliEnvironment, type CliEnvironment } from './support/cli';

/** `sluice worker` as operators run it: Prometheus metrics, JSON logs, a graceful stop; and Ctrl-C on `deploy --wait`. */
let cli: CliEnvironment;
let metricsPort: number;
const service = testServiceName('worker');
let port: number;

const spec = (image: string, strategy: Record<string, unknown>, env: Record<string, string> = {}, startPeriod = '10s') =>
  cli.writeSpec(`${service}-${Math.random().toString(36).slice(2, 8)}`, {
    service,
    image,
    replicas: 2,
    port: 8080,
    env,
    health: { path: '/ready', interval: '200ms', startPeriod, unhealthyThreshold: 3 },
    strategy,
    traffic: { listenPort: port },
  });

async function status(): Promise<{ running: boolean; status: { phase: string; gate?: unknown } }> {
  return JSON.parse((await cli.run(['--json', 'status', service])).stdout) as never;
}

async function until(condition: () => Promise<boolean>, what: string): Promise<void> {
  for (let i = 0; i < 300; i++) {
    if (await condition().catch(() => false)) return;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`timed out waiting for ${what}`);
}

beforeAll(async () => {
  metricsPort = await freePort();
  port = await freePort();
  cli = await cliEnvironment({}, { metricsPort });
});
afterAll(async () => {
  await cli?.stop();
  await removeServiceContainers(new Docker(), service);
});

describe('sluice worker', () => {
  it("exports the SDK's metrics and sluice's own: deployments by outcome, rollbacks, gate wait", async () => {
    const canary = cli.spawn([
      'deploy',
      spec(fixtureImage('v1'), { type: 'canary', steps: [{ setWeight: 50 }, { pause: {} }] }),
      '--wait',
    ]).done;
    expect((await canary).code).toBe(0); // a first deployment: no gate
    const second = cli.spawn([
      'deploy',
      spec(fixtureImage('v2'), { type: 'canary', steps: [{ setWeight: 50 }, { pause: {} }] }),
      '--wait',
    ]).done;
    await until(async () => (await status()).status.gate !== undefined, 'the gate');
    expect((await cli.run(['promote', service])).code).toBe(0);
    expect((await second).code).toBe(0);
    expect((await cli.run(['deploy', spec(fixtureImage('bad'), { type: 'rolling' }, {}, '0s'), '--wait'])).code).toBe(1);

    const metrics = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
    expect(metrics).toMatch(new RegExp(`sluice_deployments\\{[^}]*outcome="released"[^}]*service="${service}"[^}]*\\} 2`));
    expect(metrics).toMatch(new RegExp(`sluice_deployments\\{[^}]*outcome="rolledBack"[^}]*service="${service}"[^}]*\\} 1`));
    expect(metrics).toMatch(new RegExp(`sluice_rollbacks\\{cause="failure"[^}]*service="${service}"`));
    expect(metrics).toMatch(/sluice_gate_wait_count\{[^}]*gate="canaryPause"/);
    expect(metrics).toMatch(/^temporal_\w+/m);
  });

  it("binds its metrics endpoint to loopback by default (read from the kernel's socket table, no traffic sent)", () => {
    const listening = fs
      .readFileSync('/proc/net/tcp', 'utf8')
      .split('\n')
      .slice(1)
      .map((line) => line.trim().split(/\s+/))
      .filter((fields) => fields[3] === '0A') // LISTEN
      .map((fields) => fields[1]!.split(':'))
      .filter(([, port]) => parseInt(port!, 16) === metricsPort);
    expect(listening.map(([address]) => address)).toEqual(['0100007F']); // 127.0.0.1, little-endian
  });

  it('writes structured JSON logs, one object per line', () => {
    const lines = cli
      .workerOutput()
      .split('\n')
      .filter((line) => line.trim() !== '');
    expect(lines.length).toBeGreaterThan(0);
    for (const line of lines)
      expect(JSON.parse(line)).toMatchObject({ time: expect.any(String), level: expect.any(String), message: expect.any(String) });
  });

  it('on SIGTERM stops polling but lets the running activity finish; a new worker completes the deployment', async () => {
    const deploy = cli.spawn(['deploy', spec(fixtureImage('v1'), { type: 'rolling' }, { FIXTURE_READY_DELAY_MS: '4000' }), '--wait']).done;
    await until(async () => (await status()).status.phase === 'starting', 'a health wait');
    await new Promise((resolve) => setTimeout(resolve, 1000)); // inside waitHealthy now
    await cli.worker.kill('SIGTERM');
    const history = JSON.parse(
      spawnSync(
        stackValue('TEMPORAL_CLI'),
        ['workflow', 'show', '--workflow-id', `deploy/${service}`, '--output', 'json', '--address', stackValue('TEMPORAL_ADDRESS')],
        { encoding: 'utf8' },
      ).stdout,
    ) as { events: Array<{ eventType: string; activityTaskStartedEventAttributes?: { attempt: number } }> };
    const started = history.events.filter((e) => e.eventType === 'EVENT_TYPE_ACTIVITY_TASK_STARTED');
    expect(started.length).toBeGreaterThan(0);
    expect(started.every((e) => e.activityTaskStartedEventAttributes!.attempt === 1)).toBe(true);
    expect(history.events.at(-1)!.eventType).not.toBe('EVENT_TYPE_ACTIVITY_TASK_TIMED_OUT');
    cli.worker.start();
    expect((await deploy).code).toBe(0);
  });
});

describe('sluice deploy --wait', () => {
  it('detaches on Ctrl-C, leaving the deployment running', async () => {
    const child = spawn(
      process.execPath,
      [SLUICE_BIN, 'deploy', spec(fixtureImage('v2'), { type: 'canary', steps: [{ setWeight: 50 }, { pause: {} }] }), '--wait'],
      { env: cli.env, cwd: path.resolve(__dirname, '../..') },
    );
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
    await until(async () => (await status()).status.gate !== undefined, 'the gate');
    child.kill('SIGINT');
    expect(await exited).toBe(0);
    expect(output).toMatch(/detached: the deployment of .+ goes on; follow it with `sluice status .+ --watch`, stop it with `sluice abort/);
    expect((await status()).running).toBe(true);
    expect((await cli.run(['abort', service, '--wait'])).code).toBe(3);
  });
});

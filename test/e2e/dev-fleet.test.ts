import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DEV_FLEET_PORT } from '../../src/client/dev-fleet';
import { LABELS } from '../../src/shared/names';
import { readFleet } from '../../src/stack/fleet';
import { stackSettings } from '../../src/stack/settings';
import { isRoot, portOpen } from '../../src/stack/system';
import { fleetEngine } from '../support/fleet';
import { getFresh, stackValue } from '../support/stack';
import { collect } from '../support/subprocess';

/**
 * `sluice dev --hosts 3` on the stack the tests run (its Temporal ran before, so it is left running):
 * the fleet demo spec deploys to three simulated hosts, each served by its own worker process, and
 * answers through HAProxy in front.
 */
const ROOT = path.resolve(__dirname, '..', '..');
const SLUICE = path.join(ROOT, 'bin', 'sluice.js');
const SERVICE = 'fleet-demo';
const env = { ...process.env, SLUICE_TASK_QUEUE: `dev-fleet-${randomUUID()}`, SLUICE_ACTOR: 'dev-fleet-test' };

const sluice = (args: string[]) =>
  collect(spawn(process.execPath, [SLUICE, ...args], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] }), 300_000);

async function until(condition: () => Promise<boolean>, what: string, output: () => string): Promise<void> {
  for (const deadline = Date.now() + 180_000; !(await condition());) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}:\n${output()}`);
    await new Promise((resolve) => setTimeout(resolve, 300));
  }
}

describe.skipIf(!isRoot())('sluice dev --hosts 3', () => {
  afterAll(async () => {
    for (const host of readFleet(stackSettings())) {
      const engine = fleetEngine(host);
      const containers = await engine.listContainers({ all: true, filters: { label: [`${LABELS.service}=${SERVICE}`] } });
      await Promise.all(containers.map((container) => engine.getContainer(container.Id).remove({ force: true })));
    }
  });

  it('runs a worker per simulated host and HAProxy in front; the fleet demo deploys to every host; SIGTERM stops the workers, not the Temporal that ran before', async () => {
    const dev = spawn(process.execPath, [SLUICE, 'dev', '--hosts', '3'], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let text = '';
    dev.stdout.on('data', (chunk: Buffer) => (text += chunk.toString()));
    dev.stderr.on('data', (chunk: Buffer) => (text += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => dev.on('close', resolve));
    try {
      await until(
        async () => text.includes('HAProxy in front on'),
        'sluice dev --hosts 3 to start',
        () => text,
      );
      expect(text).toMatch(/a fleet of 3 host\(s\): host-1 on 127\.0\.0\.2, host-2 on 127\.0\.0\.3, host-3 on 127\.0\.0\.4/);
      await until(
        async () => {
          const listed = await sluice(['--json', 'hosts']);
          const rows = listed.code === 0 ? (JSON.parse(listed.stdout) as Array<{ polled: boolean }>) : [];
          return rows.length === 3 && rows.every((row) => row.polled);
        },
        "every host's worker to poll",
        () => text,
      );

      const deploy = await sluice(['deploy', 'examples/specs/fleet-demo.yaml', '--wait']);
      expect(deploy.code, deploy.stdout + deploy.stderr + text).toBe(0);
      for (const n of [2, 3, 4]) expect((await getFresh(`http://127.0.0.${n}:${DEV_FLEET_PORT}/`)).body).toContain('hello from v1');
      // HAProxy health-checks each host's listener before it sends traffic there.
      await until(
        async () => (await getFresh(`http://127.0.0.1:${DEV_FLEET_PORT}/`).catch(() => ({ body: '' }))).body.includes('hello from v1'),
        'the front balancer to serve',
        () => text,
      );
    } finally {
      dev.kill('SIGTERM');
    }
    expect(await exited).toBe(0);
    expect(text).toMatch(/\[host-1\] worker exited/);
    expect(text).toMatch(/sluice dev: stopped the workers \(Docker/);
    expect(await portOpen(DEV_FLEET_PORT)).toBe(false);
    // The Temporal server the stack started before stays up.
    expect(await portOpen(Number(stackValue('TEMPORAL_ADDRESS').split(':')[1]))).toBe(true);
  });
});

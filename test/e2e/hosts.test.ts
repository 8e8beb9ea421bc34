import { randomUUID } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SLUICE_BIN, startWorkerProcess, type WorkerProcess } from '../../bench/worker-process';
import { startFleet, type FleetHost } from '../../src/stack/fleet';
import { stackSettings } from '../../src/stack/settings';
import { isRoot } from '../../src/stack/system';
import { stackValue } from '../support/stack';
import { spawnSync } from 'node:child_process';

/** `sluice hosts`: a worker per fleet host, each started with SLUICE_HOST, introduces its host; the CLI lists them. */
const fleetQueue = `fleet-${randomUUID()}`;
const workers: WorkerProcess[] = [];
let hosts: FleetHost[];
const version = (JSON.parse(fs.readFileSync(path.resolve(__dirname, '../../package.json'), 'utf8')) as { version: string }).version;

interface Row {
  name: string;
  taskQueue: string;
  identity: string;
  sluiceVersion: string;
  dockerVersion: string;
  nginxVersion: string;
  polled: boolean;
  pollers: Array<{ identity: string }>;
}

function sluice(args: string[], taskQueue = fleetQueue): { code: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, [SLUICE_BIN, ...args], {
    env: { ...process.env, TEMPORAL_ADDRESS: stackValue('TEMPORAL_ADDRESS'), SLUICE_TASK_QUEUE: taskQueue },
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

async function hostsUntil(accept: (rows: Row[]) => boolean): Promise<Row[]> {
  let rows: Row[] = [];
  for (let i = 0; i < 150; i++) {
    const run = sluice(['--json', 'hosts']);
    if (run.code === 0) {
      rows = JSON.parse(run.stdout) as Row[];
      if (accept(rows)) return rows;
    }
    await new Promise((resolve) => setTimeout(resolve, 400));
  }
  throw new Error(`sluice hosts never answered as expected; last: ${JSON.stringify(rows)}`);
}

function hostWorker(host: FleetHost): Promise<WorkerProcess> {
  return startWorkerProcess({
    temporalAddress: stackValue('TEMPORAL_ADDRESS'),
    namespace: stackValue('TEMPORAL_NAMESPACE'),
    nginx: host.nginx,
    extraEnv: {
      SLUICE_TASK_QUEUE: fleetQueue,
      SLUICE_HOST: host.name,
      DOCKER_HOST: host.dockerHost,
      SLUICE_PUBLISH_HOST: host.address,
      SLUICE_NGINX_LISTEN_ADDRESS: host.address,
    },
  });
}

describe.skipIf(!isRoot())('sluice hosts', () => {
  beforeAll(async () => {
    hosts = await startFleet(stackSettings(), 2);
    for (const host of hosts) workers.push(await hostWorker(host));
  }, 180_000);

  afterAll(async () => {
    await Promise.all(workers.map((worker) => worker.stop()));
  });

  it("lists each host its worker introduced: the worker polling the host's own task queue, its sluice, Docker and nginx versions", async () => {
    const rows = await hostsUntil((found) => found.length === 2 && found.every((row) => row.polled));
    expect(rows.map((row) => [row.name, row.taskQueue])).toEqual([
      ['host-1', `${fleetQueue}@host-1`],
      ['host-2', `${fleetQueue}@host-2`],
    ]);
    for (const [index, row] of rows.entries()) {
      expect(row.identity).toBe(`${workers[index]!.pid()}@${os.hostname()}`);
      expect(row.pollers.map((poller) => poller.identity)).toContain(row.identity);
      expect(row.sluiceVersion).toBe(version);
      expect(row.dockerVersion).toMatch(/^\d+\.\d+\.\d+/);
      expect(row.nginxVersion).toMatch(/^nginx\/\d+\.\d+\.\d+/);
    }
    const table = sluice(['hosts']);
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/^HOST\s+WORKER\s+IDENTITY\s+SLUICE\s+DOCKER\s+NGINX\s+INTRODUCED \(UTC\)\s+RELEASES\n/);
    expect(table.stdout).toMatch(/\nhost-1\s+polling\s+\d+@\S+\s+\S+\s+\S+\s+nginx\/\d/);
  }, 120_000);

  it('a worker that starts again introduces its host again: the newest introduction wins', async () => {
    const worker = workers[1]!;
    const before = worker.pid();
    await worker.kill('SIGTERM');
    worker.start();
    const rows = await hostsUntil((found) => found.find((row) => row.name === 'host-2')?.identity === `${worker.pid()}@${os.hostname()}`);
    expect(worker.pid()).not.toBe(before);
    expect(rows.map((row) => row.name)).toEqual(['host-1', 'host-2']);
  }, 120_000);

  it('says at once, exit 5, when no worker polls the task queue', () => {
    const run = sluice(['hosts'], `nobody-${randomUUID()}`);
    expect(run.code).toBe(5);
    expect(run.stderr).toMatch(/no sluice worker polls task queue nobody-/);
  });
});

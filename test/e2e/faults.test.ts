import { Client, Connection } from '@temporalio/client';
import Docker from 'dockerode';
import fs from 'node:fs';
import pg from 'pg';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLoad } from '../../bench/load/generator';
import { statusQuery } from '../../src/shared/messages';
import { deploymentWorkflowId } from '../../src/shared/names';
import { fixtureImage } from '../../src/stack/fixtures';
import { freePort, getFresh, removeServiceContainers, stackValue, testServiceName } from '../support/stack';
import { TcpLink } from '../support/tcp-link';
import { cliEnvironment, type CliEnvironment } from './support/cli';

/**
 * Faults that need no stack part restarted: someone else breaks nginx's
 * configuration, the database is unreachable, two people race at a gate.
 */
let cli: CliEnvironment;
const docker = new Docker();
const services: string[] = [];

/** Switched off, PostgreSQL is unreachable (connection refused). */
let database: TcpLink;
/** Asks the workflow itself, for a phase the test must catch within seconds (a CLI process can take that long to start). */
let temporal: Client;

beforeAll(async () => {
  temporal = new Client({
    connection: await Connection.connect({ address: stackValue('TEMPORAL_ADDRESS') }),
    namespace: stackValue('TEMPORAL_NAMESPACE'),
  });
  const real = new URL(stackValue('DATABASE_URL'));
  database = new TcpLink(await freePort(), { host: real.hostname, port: Number(real.port) });
  cli = await cliEnvironment({
    SLUICE_ENV_GRANTS: '*:FLAKY_DB',
    FLAKY_DB: `postgres://${real.username}@127.0.0.1:${database.port}${real.pathname}`,
  });
});
afterAll(async () => {
  database?.down();
  await cli?.stop();
  await temporal?.connection.close();
  await removeServiceContainers(docker, ...services);
});

async function service(name: string) {
  const id = testServiceName(name);
  services.push(id);
  const port = await freePort();
  const spec = (image: string, strategy: Record<string, unknown>, extra: Record<string, unknown> = {}) =>
    cli.writeSpec(`${id}-${Math.random().toString(36).slice(2, 8)}`, {
      service: id,
      image,
      replicas: 2,
      port: 8080,
      health: { path: '/ready', interval: '200ms', startPeriod: '2s' },
      strategy,
      traffic: { listenPort: port, drainTimeout: '10s' },
      ...extra,
    });
  type Shown = { phase: string; gate?: { kind: string }; decisions: Array<{ kind: string; result: string }>; outcome?: string };
  // A running deployment shows its status; a finished one, its result.
  const status = async (): Promise<Shown> => {
    const shown = JSON.parse((await cli.run(['--json', 'status', id])).stdout) as {
      status?: Shown;
      result?: { outcome: string; decisions: Shown['decisions'] };
    };
    return shown.status ?? { phase: shown.result!.outcome, outcome: shown.result!.outcome, decisions: shown.result!.decisions };
  };
  const waitForGate = async () => {
    for (let i = 0; i < 200; i++) {
      if ((await status().catch(() => undefined))?.gate) return;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    throw new Error('no gate');
  };
  const servedBy = async () => {
    const seen = new Set<string>();
    for (let i = 0; i < 10; i++) seen.add((await getFresh(`http://127.0.0.1:${port}/`)).headers['x-release'] as string);
    return seen;
  };
  expect((await cli.run(['deploy', spec(fixtureImage('v1'), { type: 'rolling' }), '--wait'])).code).toBe(0);
  return { id, port, spec, status, waitForGate, servedBy };
}

/** Tables in the real database: a migration that ran would have left its knex table behind. */
async function fetchTables(): Promise<string[]> {
  const client = new pg.Client({ connectionString: stackValue('DATABASE_URL') });
  await client.connect();
  try {
    return (await client.query<{ tablename: string }>("select tablename from pg_tables where schemaname = 'public'")).rows.map(
      (r) => r.tablename,
    );
  } finally {
    await client.end();
  }
}

describe('faults', () => {
  it('nginx config broken by someone else between two weight changes: weights still change (no reload), a reload is refused, traffic keeps flowing', async () => {
    const s = await service('broken-nginx');
    const load = startLoad({ url: `http://127.0.0.1:${s.port}/`, ratePerSecond: 100 });
    const deploy = cli.spawn([
      'deploy',
      s.spec(fixtureImage('v2'), { type: 'canary', steps: [{ setWeight: 25 }, { pause: {} }, { setWeight: 75 }, { pause: {} }] }),
      '--wait',
    ]).done;
    await s.waitForGate();
    const intruder = path.join(cli.env.SLUICE_NGINX_CONF_DIR!, 'someone-else.conf');
    fs.writeFileSync(intruder, 'this is not nginx;\n');
    try {
      expect((await cli.run(['promote', s.id])).code).toBe(0);
      await s.waitForGate();
      expect((await cli.run(['promote', s.id])).code).toBe(0);
      expect((await deploy).code).toBe(0);
      expect(await s.servedBy()).toEqual(new Set(['v2']));
      // A deployment that must change the static config (a preview route) is refused and rolled back: v2 keeps serving.
      const refused = await cli.run([
        'deploy',
        s.spec(fixtureImage('v1'), { type: 'blueGreen', preview: { listenPort: await freePort() } }),
        '--wait',
      ]);
      expect(refused.code).toBe(1);
      expect(refused.stdout).toMatch(/rolledBack \(.*nginx rejected the configuration for .* unknown directive "this" .*did not reload/);
      expect(await s.servedBy()).toEqual(new Set(['v2']));
    } finally {
      fs.rmSync(intruder, { force: true });
    }
    expect((await load.stop()).failed).toBe(0);
  });

  it('PostgreSQL unreachable during expand: the deployment rolls back once it is back, nothing applied, nothing started, v1 serving', async () => {
    const s = await service('db-down');
    const migrations = {
      migrations: { directory: 'examples/migrations/people', databaseUrlEnv: 'FLAKY_DB' },
      progressDeadline: { default: '10m', migrating: '4s' },
    };
    const deploy = cli.spawn(['deploy', s.spec(fixtureImage('v2'), { type: 'rolling' }, migrations), '--wait']).done;
    // Expand retries against a refused connection until its deadline; the database comes back as the rollback
    // begins, so the undo of expand (under the same 4s deadline) reaches it.
    const phase = () =>
      temporal.workflow
        .getHandle(deploymentWorkflowId(s.id))
        .query(statusQuery)
        .then((status) => status.phase)
        .catch(() => undefined);
    for (let i = 0; i < 2_000 && (await phase()) !== 'rollingBack'; i++) await new Promise((resolve) => setTimeout(resolve, 50));
    await database.up();
    const run = await deploy;
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(
      /rolledBack \(progress deadline of 4s passed during "run expand migrations" \(phase migrating\); the last attempt failed with: connect ECONNREFUSED/,
    );
    const tables = await fetchTables();
    expect(tables.filter((t) => t.includes(s.id.replace(/-/g, '_')))).toEqual([]);
    const containers = await docker.listContainers({ all: true, filters: { label: [`dev.sluice.service=${s.id}`] } });
    // Containers run the pinned content; the label keeps the image as the spec named it.
    expect(new Set(containers.map((c) => c.Labels['dev.sluice.image']))).toEqual(new Set([fixtureImage('v1')]));
    expect(await s.servedBy()).toEqual(new Set(['v1']));
  });

  it('two CLIs racing to promote and abort the same gate: one decision wins, and the history shows both', async () => {
    const s = await service('race');
    const deploy = cli.spawn([
      'deploy',
      s.spec(fixtureImage('v2'), { type: 'canary', steps: [{ setWeight: 50 }, { pause: {} }] }),
      '--wait',
    ]).done;
    await s.waitForGate();
    const [promote, abort] = await Promise.all([cli.run(['promote', s.id]), cli.run(['abort', s.id, '--reason', 'race'])]);
    const outcome = await deploy;
    const final = await s.status();
    const decided = final.decisions.map((d) => `${d.kind}:${d.result}`);
    if (final.outcome === 'aborted') {
      expect(outcome.code).toBe(3);
      expect(decided).toContain('abort:accepted');
      expect(await s.servedBy()).toEqual(new Set(['v1']));
    } else {
      expect(final.outcome).toBe('released');
      expect(outcome.code).toBe(0);
      expect(decided).not.toContain('abort:accepted');
      expect(await s.servedBy()).toEqual(new Set(['v2']));
    }
    // Each CLI got a definite answer; whatever reached the workflow is in its decisions.
    expect([0, 2]).toContain(promote.code);
    expect([0, 2]).toContain(abort.code);
    if (promote.code === 0 || /ignored/.test(promote.stderr)) expect(decided.some((d) => d.startsWith('promote:'))).toBe(true);
    if (abort.code === 0) expect(decided.some((d) => d.startsWith('abort:'))).toBe(true);
  });
});

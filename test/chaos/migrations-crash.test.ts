import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { statusQuery } from '../../src/shared/messages';
import { fixtureImage } from '../../src/stack/fixtures';
import { stackValue } from '../support/stack';
import { chaosWorld, type ChaosWorld } from './support';

/**
 * The worker killed while a non-transactional migration runs, and while an
 * expand rollback runs: both leave knex's own lock row set (knex commits it
 * outside any transaction there). The next worker must free it and end the
 * deployment as it would have ended, with no `migrate:unlock` by hand.
 */
const schema = `chaos_mig_${process.pid}`;
const databaseUrl = `${stackValue('DATABASE_URL')}?options=-csearch_path%3D${schema}`;
const migrations = { directory: 'test/fixtures/migrations/chaos-nontx', databaseUrlEnv: 'CHAOS_DB', contract: 'auto' };
let db: pg.Client;
let world: ChaosWorld;

beforeAll(async () => {
  db = new pg.Client({ connectionString: stackValue('DATABASE_URL') });
  await db.connect();
  await db.query(
    `drop schema if exists ${schema} cascade; create schema ${schema}; create table ${schema}.chaos_effects (phase text not null, at timestamptz not null default now())`,
  );
  world = await chaosWorld('crash-mig', { CHAOS_DB: databaseUrl, SLUICE_ENV_GRANTS: '*:CHAOS_DB' });
  expect((await world.follow(await world.start(spec(fixtureImage('v1'))))).outcome).toBe('released');
});
afterAll(async () => {
  await world?.close();
  await db?.query(`drop schema if exists ${schema} cascade`);
  await db?.end();
});

function spec(image: string, extra: Record<string, unknown> = {}) {
  return {
    image,
    replicas: 1,
    port: 8080,
    health: { path: '/ready', interval: '200ms', startPeriod: '1s', unhealthyThreshold: 3 },
    strategy: { type: 'rolling' },
    progressDeadline: { default: '2m', migrating: '1m' },
    ...extra,
  };
}

async function knexLock(): Promise<number[]> {
  const table = `${schema}.sluice_${world.service.replace(/-/g, '_')}_expand_lock`;
  return (await db.query<{ is_locked: number }>(`select is_locked from ${table}`)).rows.map((r) => r.is_locked);
}

const effects = async () =>
  (await db.query<{ phase: string }>(`select phase from ${schema}.chaos_effects order by phase`)).rows.map((r) => r.phase);

/** Kills the worker once the deployment has been in the step `summary` for a second (mid-migration), then starts it again. */
async function killDuring(handle: Awaited<ReturnType<ChaosWorld['start']>>, summary: string): Promise<void> {
  for (;;) {
    const status = await world.client.connection.withDeadline(Date.now() + 3000, () => handle.query(statusQuery)).catch(() => undefined);
    if (status?.step?.summary === summary) break;
    if (status?.outcome) throw new Error(`the deployment ended (${status.outcome}) before "${summary}"`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  await new Promise((resolve) => setTimeout(resolve, 1000));
  await world.worker.kill('SIGKILL');
  world.worker.start();
}

describe('the worker killed in the middle of a migration knex locks outside a transaction', () => {
  it('during a `transaction: false` expand: the next worker frees the knex lock and reruns the file, whose effect is applied once (it is idempotent, as the backfill pattern requires); released', async () => {
    const handle = await world.start(spec(fixtureImage('v2'), { migrations }));
    await killDuring(handle, 'run expand migrations');
    const result = await world.follow(handle);
    expect(result.outcome).toBe('released');
    expect(await effects()).toEqual(['expand']);
    expect(await knexLock()).toEqual([0]);
    expect(await world.servedBy()).toEqual(new Set(['v2']));
  });

  it('during an expand rollback: the next worker frees the knex lock and the rollback undoes expand; the old release serves', async () => {
    // The same migrations plus a second expand, which this deployment applies and its rollback undoes.
    const handle = await world.start(
      spec(fixtureImage('bad'), { migrations: { ...migrations, directory: 'test/fixtures/migrations/chaos-nontx-next' } }),
    );
    await killDuring(handle, 'undo: roll back expand migrations');
    const result = await world.follow(handle);
    expect(result.outcome).toBe('rolledBack');
    expect(result.compensationFailures).toEqual([]);
    expect(await effects()).toEqual(['expand']);
    expect(await knexLock()).toEqual([0]);
    expect(await world.servedBy()).toEqual(new Set(['v2']));
  });
});

import knex, { type Knex } from 'knex';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KnexMigrationRunner, migrationTable } from '../../../../../src/activities/adapters/knex/runner';
import type { MigrationRun } from '../../../../../src/activities/ports';
import { stackValue, testServiceName } from '../../../../support/stack';
import { fakeSecrets } from '../../../../support/fake-ports';

const url = stackValue('DATABASE_URL');
// The example people ship (examples/migrations/people) is what these tests run.
const fixtures = path.resolve(__dirname, '../../../../../examples/migrations');
const signal = new AbortController().signal;
let db: Knex;
let service: string;
let schema: string;

/** Each test file works in a schema of its own, so files never share tables. */
function runner(root = fixtures): KnexMigrationRunner {
  return new KnexMigrationRunner({ root, secrets: fakeSecrets({ APP_DB: `${url}?options=-csearch_path%3D${schema}` }) });
}

function run(deployment: string, direction: MigrationRun['direction'], overrides: Partial<MigrationRun['settings']> = {}): MigrationRun {
  return {
    service,
    deployment,
    direction,
    settings: {
      directory: 'people',
      databaseUrlEnv: 'APP_DB',
      contract: 'onPromote',
      lockTimeout: 2000,
      statementTimeout: 60_000,
      ...overrides,
    },
  };
}

/** A migrations root: the people fixtures plus extra expand files. */
function rootWith(expandFiles: Record<string, string>): string {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-mig-'));
  fs.cpSync(path.join(fixtures, 'people'), path.join(root, 'people'), { recursive: true });
  for (const [name, content] of Object.entries(expandFiles)) fs.writeFileSync(path.join(root, 'people', 'expand', name), content);
  return root;
}

/** App releases as they use the table: v1 knows only `name`, v2 only `full_name`. */
function startApp(release: 'v1' | 'v2') {
  let stop = false;
  let operations = 0;
  const errors: string[] = [];
  const done = (async () => {
    for (let i = 0; !stop; i++) {
      try {
        if (release === 'v1') {
          await db
            .withSchema(schema)
            .table('people')
            .insert({ name: `v1-${i}` });
          await db.withSchema(schema).table('people').select('name').orderBy('id', 'desc').limit(5);
        } else {
          await db
            .withSchema(schema)
            .table('people')
            .insert({ full_name: `v2-${i}` });
          await db.withSchema(schema).table('people').select('full_name').orderBy('id', 'desc').limit(5);
        }
        operations++;
      } catch (error) {
        errors.push((error as Error).message);
      }
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  })();
  return {
    errors,
    get operations() {
      return operations;
    },
    stop: async () => {
      stop = true;
      await done;
    },
  };
}

beforeAll(async () => {
  db = knex({ client: 'pg', connection: url, pool: { min: 0, max: 6 } });
  service = testServiceName('mig');
  schema = service.replace(/-/g, '_');
  await db.raw(`drop schema if exists ${schema} cascade; create schema ${schema}`);
  await db.schema.withSchema(schema).createTable('people', (t) => {
    t.increments('id');
    t.text('name');
  });
  await db
    .withSchema(schema)
    .table('people')
    .insert(Array.from({ length: 250 }, (_, i) => ({ name: `before-${i}` })));
});
afterAll(async () => {
  await db?.raw(`drop schema if exists ${schema} cascade`);
  await db?.destroy();
});

describe('KnexMigrationRunner on a real PostgreSQL', () => {
  it('renames a column by expand/contract while v1 and v2 read and write at the same time', async () => {
    const v1 = startApp('v1');
    const progress: string[] = [];
    const expanded = await runner().run(run('d1/run', 'expand'), (p) => progress.push(p), signal);
    expect(expanded.applied).toEqual(['001_add_full_name.js']);
    expect(progress.filter((p) => p.startsWith('backfill batch')).length).toBeGreaterThanOrEqual(3);

    const v2 = startApp('v2'); // the new release starts once expand is done, beside v1
    await new Promise((resolve) => setTimeout(resolve, 500));
    await v1.stop(); // the old release is gone
    const contracted = await runner().run(run('d1/run', 'contract'), () => undefined, signal);
    expect(contracted.applied).toEqual(['001_drop_name.js']);
    await new Promise((resolve) => setTimeout(resolve, 300));
    await v2.stop();

    expect(v1.errors).toEqual([]);
    expect(v2.errors).toEqual([]);
    expect(v1.operations).toBeGreaterThan(10);
    expect(v2.operations).toBeGreaterThan(10);
    const columns = Object.keys(await db.withSchema(schema).table('people').columnInfo());
    expect(columns.sort()).toEqual(['full_name', 'id']);
    expect(await db.withSchema(schema).table('people').whereNull('full_name').count<[{ count: string }]>()).toEqual([{ count: '0' }]);
  });

  it('rolls back exactly the expand batch a deployment applied, once', async () => {
    const root = rootWith({
      '002_add_nickname.js':
        "exports.up = (knex) => knex.schema.alterTable('people', (t) => t.text('nickname'));\nexports.down = (knex) => knex.schema.alterTable('people', (t) => t.dropColumn('nickname'));\n",
    });
    const expanded = await runner(root).run(run('d2/run', 'expand'), () => undefined, signal);
    expect(expanded.applied).toEqual(['002_add_nickname.js']);
    // A retried expand (the worker died after it committed) applies nothing twice.
    expect((await runner(root).run(run('d2/run', 'expand'), () => undefined, signal)).applied).toEqual([]);
    expect((await runner(root).run(run('d2/run', 'rollbackExpand'), () => undefined, signal)).applied).toEqual(['002_add_nickname.js']);
    expect(Object.keys(await db.withSchema(schema).table('people').columnInfo())).not.toContain('nickname');
    // Undo again, or undo for a deployment that applied nothing: no-ops that leave 001 alone.
    expect((await runner(root).run(run('d2/run', 'rollbackExpand'), () => undefined, signal)).applied).toEqual([]);
    expect((await runner(root).run(run('d3/run', 'rollbackExpand'), () => undefined, signal)).applied).toEqual([]);
    expect(await db.withSchema(schema).table(migrationTable(service, 'expand')).pluck('name')).toEqual(['001_add_full_name.js']);
    fs.rmSync(root, { recursive: true, force: true });
  });

  it('gives up after lock_timeout instead of queueing behind a busy table, and applies nothing', async () => {
    const root = rootWith({
      '003_add_email.js':
        "exports.up = (knex) => knex.schema.alterTable('people', (t) => t.text('email'));\nexports.down = (knex) => knex.schema.alterTable('people', (t) => t.dropColumn('email'));\n",
    });
    const holder = await db.transaction();
    await holder.raw(`lock table ${schema}.people in access share mode`); // a long-running reader
    const started = Date.now();
    const error = (await runner(root)
      .run(run('d4/run', 'expand', { lockTimeout: 300 }), () => undefined, signal)
      .catch((e: unknown) => e)) as Error;
    const waited = Date.now() - started;
    await holder.rollback();
    expect(error.message).toMatch(/gave up waiting for a table lock after lock_timeout 300 ms/);
    expect(waited).toBeLessThan(30_000); // it did not wait for the reader to finish
    expect(Object.keys(await db.withSchema(schema).table('people').columnInfo())).not.toContain('email');
    fs.rmSync(root, { recursive: true, force: true });
  });

  it('a SQL error is a non-retryable MigrationFailed naming the migration problem', async () => {
    const root = rootWith({
      '004_broken.js': "exports.up = (knex) => knex.raw('alter table no_such_table add column x int');\nexports.down = async () => {};\n",
    });
    const error = await runner(root)
      .run(run('d5/run', 'expand'), () => undefined, signal)
      .catch((e: unknown) => e);
    expect(error).toMatchObject({
      type: 'MigrationFailed',
      nonRetryable: true,
      message: expect.stringMatching(/expand migration of .+ failed \(42P01\).*no_such_table/),
    });
    fs.rmSync(root, { recursive: true, force: true });
  });

  it('an exception thrown by a migration file itself fails at once as a non-retryable MigrationFailed with its message', async () => {
    const root = rootWith({
      '005_throws.js': "exports.up = async () => { throw new Error('contract fails on purpose'); };\nexports.down = async () => {};\n",
    });
    const error = await runner(root)
      .run(run('d8/run', 'expand'), () => undefined, signal)
      .catch((e: unknown) => e);
    expect(error).toMatchObject({
      type: 'MigrationFailed',
      nonRetryable: true,
      message: expect.stringMatching(/expand migration of .+ failed: contract fails on purpose/),
    });
    fs.rmSync(root, { recursive: true, force: true });
  });

  it('a knex migration lock left set by a killed worker is recovered under the advisory lock, for expand and for its rollback', async () => {
    const root = rootWith({
      '006_add_phone.js':
        "exports.config = { transaction: false };\nexports.up = (knex) => knex.schema.alterTable('people', (t) => t.text('phone'));\nexports.down = (knex) => knex.schema.alterTable('people', (t) => t.dropColumn('phone'));\n",
    });
    const lockTable = `${migrationTable(service, 'expand')}_lock`;
    // What a SIGKILL during a non-transactional migration leaves behind: knex's own lock row, committed and set.
    const leaveLockSet = async () => {
      await runner(root)
        .run(run('d9/run', 'expand'), () => undefined, signal)
        .catch(() => undefined);
      await db.withSchema(schema).table(lockTable).update({ is_locked: 1 });
    };
    await leaveLockSet();
    const expanded = await runner(root).run(run('d9/run', 'expand'), () => undefined, signal);
    expect(expanded.applied).toEqual([]);
    expect(await db.withSchema(schema).table(lockTable).pluck('is_locked')).toEqual([0]);
    await db.withSchema(schema).table(lockTable).update({ is_locked: 1 });
    expect((await runner(root).run(run('d9/run', 'rollbackExpand'), () => undefined, signal)).applied).toEqual(['006_add_phone.js']);
    expect(Object.keys(await db.withSchema(schema).table('people').columnInfo())).not.toContain('phone');
    fs.rmSync(root, { recursive: true, force: true });
  });

  it('refuses to run when a migration that ran is missing from the directory', async () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-mig-'));
    fs.mkdirSync(path.join(root, 'people', 'expand'), { recursive: true });
    const error = await runner(root)
      .run(run('d7/run', 'expand'), () => undefined, signal)
      .catch((e: unknown) => e);
    expect(error).toMatchObject({
      type: 'MigrationFailed',
      message: expect.stringMatching(/001_add_full_name\.js.*every migration that ever ran must stay in the directory/),
    });
    fs.rmSync(root, { recursive: true, force: true });
  });

  it('says which variable to set when the worker has no database URL', async () => {
    const error = await new KnexMigrationRunner({ root: fixtures, secrets: fakeSecrets() })
      .run(run('d6/run', 'expand'), () => undefined, signal)
      .catch((e: unknown) => e);
    expect(error).toMatchObject({
      type: 'SecretUnavailable',
      message: expect.stringMatching(/^migrations\.databaseUrlEnv: the worker has no environment variable APP_DB/),
    });
  });

  it('runs the migrations of the service named in the root: {service} in the migrations root is a root per service', async () => {
    const own = testServiceName('mig-root');
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-mig-'));
    fs.mkdirSync(path.join(root, own, 'people', 'expand'), { recursive: true });
    fs.writeFileSync(
      path.join(root, own, 'people', 'expand', '001_noop.js'),
      'exports.up = async () => {};\nexports.down = async () => {};\n',
    );
    const report = await runner(path.join(root, '{service}')).run({ ...run('d8/run', 'expand'), service: own }, () => undefined, signal);
    expect(report.applied).toEqual(['001_noop.js']);
    // Another service asking for the same directory finds nothing there: its root is its own.
    const other = await runner(path.join(root, '{service}')).run(
      { ...run('d9/run', 'expand'), service: `${own}-other` },
      () => undefined,
      signal,
    );
    expect(other.applied).toEqual([]);
    fs.rmSync(root, { recursive: true, force: true });
  });
});

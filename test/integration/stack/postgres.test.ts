import knex, { type Knex } from 'knex';
import { afterAll, describe, expect, it } from 'vitest';
import { stackValue } from '../../support/stack';

/** The foundation: knex connected to the stack's PostgreSQL through DATABASE_URL. */
describe('PostgreSQL from the stack', () => {
  let db: Knex;
  afterAll(async () => db?.destroy());

  it('answers through knex and keeps what it is given', async () => {
    db = knex({ client: 'pg', connection: stackValue('DATABASE_URL'), pool: { min: 0, max: 2 } });
    const { rows } = await db.raw<{ rows: Array<{ version: string }> }>('select version()');
    expect(rows[0]!.version).toMatch(/^PostgreSQL \d+/);
    const table = `foundation_${process.pid}`;
    await db.schema.dropTableIfExists(table);
    await db.schema.createTable(table, (t) => {
      t.increments('id');
      t.string('name').notNullable();
    });
    await db(table).insert([{ name: 'a' }, { name: 'b' }]);
    expect(await db(table).orderBy('id').pluck('name')).toEqual(['a', 'b']);
    await db.schema.dropTable(table);
  });
});

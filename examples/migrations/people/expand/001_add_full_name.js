// Expand: add full_name beside name, keep both in sync for whichever release writes,
// and backfill existing rows in batches (outside one long transaction).
exports.config = { transaction: false };

exports.up = async (knex, sluice) => {
  await knex.schema.alterTable('people', (t) => t.text('full_name'));
  await knex.raw(`
    create or replace function people_sync_names() returns trigger as $$
    begin
      if new.full_name is null then new.full_name := new.name; end if;
      if new.name is null then new.name := new.full_name; end if;
      return new;
    end $$ language plpgsql;
    create trigger people_sync_names before insert or update on people
      for each row execute function people_sync_names();
  `);
  for (let batch = 1; ; batch++) {
    const updated = await knex.raw(`
      update people set full_name = name
      where id in (select id from people where full_name is null limit 100)`);
    sluice.progress(`backfill batch ${batch}: ${updated.rowCount} rows`);
    if (updated.rowCount === 0) break;
  }
};

exports.down = async (knex) => {
  await knex.raw('drop trigger if exists people_sync_names on people; drop function if exists people_sync_names();');
  await knex.schema.alterTable('people', (t) => t.dropColumn('full_name'));
};

// Contract: only once no release reads or writes `name`.
exports.up = async (knex) => {
  await knex.raw('drop trigger if exists people_sync_names on people; drop function if exists people_sync_names();');
  await knex.schema.alterTable('people', (t) => t.dropColumn('name'));
};

exports.down = async (knex) => {
  await knex.schema.alterTable('people', (t) => t.text('name'));
  await knex.raw('update people set name = full_name');
};

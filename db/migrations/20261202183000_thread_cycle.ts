import type { Knex } from 'knex';

/**
 * A conversation that comes back after its reopen window, or after it closed, starts a new SLA
 * cycle: the projection shows which cycle it is in, so reports can tell the requests apart.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('threads', (t) => {
    t.integer('cycle').notNullable().defaultTo(1);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('threads', (t) => {
    t.dropColumn('cycle');
  });
}

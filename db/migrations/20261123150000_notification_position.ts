import type { Knex } from 'knex';

/**
 * The order notifications were recorded in. One transition records several at the same instant
 * (a forced decision and the next stage's "review due"), so their time alone cannot order them.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw('ALTER TABLE notifications ADD COLUMN position bigint GENERATED ALWAYS AS IDENTITY');
  await knex.raw('CREATE INDEX notifications_post_position ON notifications (post_id, position)');
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('DROP INDEX IF EXISTS notifications_post_position');
  await knex.raw('ALTER TABLE notifications DROP COLUMN position');
}

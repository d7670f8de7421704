import type { Knex } from 'knex';

/**
 * The order notifications were recorded in. One transition records several at the same instant
 * (a forced decision and the next stage's "review due"), so their time alone cannot order them.
 * Notifications already on record are numbered by their time first (ties by id), since the
 * table's physical order changes whenever a delivery is noted.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw('ALTER TABLE notifications ADD COLUMN position bigint');
  await knex.raw(`
    UPDATE notifications AS n SET position = numbered.position
    FROM (SELECT id, row_number() OVER (ORDER BY created_at, id) AS position FROM notifications) AS numbered
    WHERE n.id = numbered.id`);
  await knex.raw('ALTER TABLE notifications ALTER COLUMN position SET NOT NULL');
  await knex.raw('ALTER TABLE notifications ALTER COLUMN position ADD GENERATED ALWAYS AS IDENTITY');
  await knex.raw(
    `SELECT setval(pg_get_serial_sequence('notifications', 'position'), COALESCE(max(position), 0) + 1, false) FROM notifications`,
  );
  await knex.raw('CREATE INDEX notifications_post_position ON notifications (post_id, position)');
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('DROP INDEX IF EXISTS notifications_post_position');
  await knex.raw('ALTER TABLE notifications DROP COLUMN position');
}

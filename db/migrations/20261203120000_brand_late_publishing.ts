import type { Knex } from 'knex';

/**
 * A brand's choice for posts whose publish timer fires late (the system was down across it):
 * publish at once, or hold those more than the tolerance late for a person to decide.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('brands', (t) => {
    t.text('late_passed_publish_time').notNullable().defaultTo('publish');
    t.integer('late_tolerance_minutes').notNullable().defaultTo(5);
  });
  await knex.raw(
    `ALTER TABLE brands ADD CONSTRAINT brands_late_passed_publish_time_check
       CHECK (late_passed_publish_time IN ('publish', 'hold_for_review'))`,
  );
  await knex.raw(
    `ALTER TABLE brands ADD CONSTRAINT brands_late_tolerance_minutes_check
       CHECK (late_tolerance_minutes BETWEEN 1 AND 10080)`,
  );
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('brands', (t) => {
    t.dropColumn('late_passed_publish_time');
    t.dropColumn('late_tolerance_minutes');
  });
}

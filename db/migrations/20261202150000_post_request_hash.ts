import type { Knex } from 'knex';

/**
 * The hash of the create request a post came from, so that a request repeated with the same
 * Idempotency-Key but another body is recognised as a different request. Posts created before
 * have none and keep answering repeats as before.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('posts', (t) => {
    t.text('request_hash').nullable();
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('posts', (t) => {
    t.dropColumn('request_hash');
  });
}

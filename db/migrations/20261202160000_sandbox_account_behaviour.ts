import type { Knex } from 'knex';

/**
 * The sandbox connector's failure switches belong to the sandbox, not to the product's accounts:
 * an account on a real platform has no such thing. They move to the sandbox's own table, one row
 * per account that is told to fail, and go with the account when it is deleted.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('sandbox_account_behaviour', (t) => {
    t.text('account_id').primary().references('id').inTable('accounts').onDelete('CASCADE');
    t.jsonb('failure').notNullable();
  });
  await knex.raw(
    `INSERT INTO sandbox_account_behaviour (account_id, failure)
     SELECT id, sandbox_failure FROM accounts WHERE sandbox_failure IS NOT NULL`,
  );
  await knex.schema.alterTable('accounts', (t) => {
    t.dropColumn('sandbox_failure');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('accounts', (t) => {
    t.jsonb('sandbox_failure').nullable();
  });
  await knex.raw(
    `UPDATE accounts AS a SET sandbox_failure = b.failure
       FROM sandbox_account_behaviour AS b
      WHERE b.account_id = a.id`,
  );
  await knex.schema.dropTable('sandbox_account_behaviour');
}

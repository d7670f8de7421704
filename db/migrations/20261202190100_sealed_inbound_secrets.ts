import type { Knex } from 'knex';

/**
 * Inbound webhook secrets are kept encrypted (`sealed_secret`, AES-256-GCM under
 * INBOUND_SECRET_KEY). Rows written before hold the secret in `secret` until their first read
 * seals them; a row holds exactly one of the two.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('account_inbound_secrets', (t) => {
    t.text('sealed_secret').nullable();
    t.text('secret').nullable().alter();
  });
  await knex.raw(
    `ALTER TABLE account_inbound_secrets ADD CONSTRAINT account_inbound_secrets_one_form
       CHECK (num_nonnulls(secret, sealed_secret) = 1)`,
  );
}

/**
 * Without the key a migration cannot decrypt, so going back forgets the sealed secrets: their
 * accounts need a new secret (POST /v1/accounts/{accountId}/inbound-secret) after the downgrade.
 */
export async function down(knex: Knex): Promise<void> {
  await knex('account_inbound_secrets').whereNull('secret').delete();
  await knex.raw('ALTER TABLE account_inbound_secrets DROP CONSTRAINT account_inbound_secrets_one_form');
  await knex.schema.alterTable('account_inbound_secrets', (t) => {
    t.dropColumn('sealed_secret');
    t.text('secret').notNullable().alter();
  });
}

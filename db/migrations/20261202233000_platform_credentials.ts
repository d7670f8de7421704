import type { Knex } from 'knex';

/**
 * An account on a real platform signs in with credentials an admin gives (for Bluesky a handle,
 * the service URL and an app password). The password is sealed with INBOUND_SECRET_KEY
 * (AES-256-GCM, bound to the account); the row also keeps how the account last fared with the
 * platform, which `GET /v1/accounts/{id}` shows.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('account_credentials', (t) => {
    t.text('account_id').primary().references('id').inTable('accounts').onDelete('CASCADE');
    t.text('login').notNullable();
    t.text('service_url').notNullable();
    t.text('sealed_password').notNullable();
    t.timestamp('set_at', { useTz: true }).notNullable();
    t.timestamp('last_success_at', { useTz: true }).nullable();
    t.timestamp('last_error_at', { useTz: true }).nullable();
    t.text('last_error').nullable();
    t.boolean('needs_reauthentication').notNullable().defaultTo(false);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('account_credentials');
}

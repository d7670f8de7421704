import type { Knex } from 'knex';

/**
 * A brand's conversation settings and reply templates. Each part of the settings (business hours,
 * SLA policy, triage rules) is kept as numbered versions that are appended and never rewritten:
 * every clock and triage decision records the version it was made with, and a report must be
 * able to look that version up later. Templates are soft-deleted, so a reply that used one can
 * still name it.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('brand_thread_settings', (t) => {
    t.text('brand_id').notNullable().references('id').inTable('brands').onDelete('CASCADE');
    t.text('part').notNullable();
    t.integer('version').notNullable();
    t.jsonb('settings').notNullable();
    t.text('created_by').notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.primary(['brand_id', 'part', 'version']);
  });
  await knex.raw(
    `ALTER TABLE brand_thread_settings ADD CONSTRAINT brand_thread_settings_part_check
       CHECK (part IN ('business_hours', 'sla_policy', 'triage_rules'))`,
  );
  await knex.raw(`
    CREATE FUNCTION brand_thread_settings_never_rewritten() RETURNS trigger AS $$
    BEGIN
      RAISE EXCEPTION 'a settings version is never rewritten; append a new version instead';
    END;
    $$ LANGUAGE plpgsql`);
  await knex.raw(`
    CREATE TRIGGER brand_thread_settings_never_rewritten BEFORE UPDATE ON brand_thread_settings
      FOR EACH ROW EXECUTE FUNCTION brand_thread_settings_never_rewritten()`);

  await knex.schema.createTable('reply_templates', (t) => {
    t.text('id').primary();
    t.text('brand_id').notNullable().references('id').inTable('brands').onDelete('CASCADE');
    t.text('name').notNullable();
    t.text('body').notNullable();
    t.text('created_by').notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.text('updated_by').notNullable();
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('deleted_at', { useTz: true }).nullable();
    t.index(['brand_id', 'deleted_at']);
  });
  // A deleted template frees its name for a new one.
  await knex.raw(
    `CREATE UNIQUE INDEX reply_templates_live_name ON reply_templates (brand_id, lower(name)) WHERE deleted_at IS NULL`,
  );
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('reply_templates');
  await knex.schema.dropTableIfExists('brand_thread_settings');
  await knex.raw('DROP FUNCTION IF EXISTS brand_thread_settings_never_rewritten()');
}

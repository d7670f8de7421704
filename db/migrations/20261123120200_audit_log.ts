import type { Knex } from 'knex';

/**
 * The audit log is append-only: a retried activity inserts the same (entity, sequence)
 * and is ignored, and nobody may rewrite or erase what was recorded.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('audit_log', (t) => {
    t.text('entity').notNullable();
    t.integer('sequence').notNullable();
    t.text('action').notNullable();
    t.text('actor_id').notNullable();
    t.text('from_stage').nullable();
    t.text('to_stage').nullable();
    t.timestamp('at', { useTz: true }).notNullable();
    t.jsonb('detail').notNullable().defaultTo(knex.raw(`'{}'::jsonb`));
    t.primary(['entity', 'sequence']);
  });
  await knex.raw(`
    CREATE FUNCTION audit_log_reject_change() RETURNS trigger AS $$
    BEGIN
      RAISE EXCEPTION 'audit_log is append-only: % is not allowed', TG_OP
        USING ERRCODE = 'restrict_violation';
    END;
    $$ LANGUAGE plpgsql
  `);
  await knex.raw(`
    CREATE TRIGGER audit_log_append_only
    BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_reject_change()
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('audit_log');
  await knex.raw('DROP FUNCTION IF EXISTS audit_log_reject_change()');
}

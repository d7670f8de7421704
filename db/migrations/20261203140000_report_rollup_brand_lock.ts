import type { Knex } from 'knex';

/**
 * One transaction at a time changes a brand's report rollups. A conversation's transition upserts
 * all its clocks (first response, next responses, resolution), each of which subtracts its old
 * facts from a dozen shared rollup rows and adds its new ones; two transitions of the same brand
 * meet on those rows in whatever order their clocks come, and Postgres aborts one of them as a
 * deadlock. The trigger now takes a transaction-level advisory lock on the brand before it touches
 * a rollup row, so writers of one brand queue on that lock instead (they already queued on the
 * brand's per-day rows); every other row of the transaction was locked by its own aggregate's key
 * before, so the lock adds no new cycle. A transaction only ever writes the projections of one brand.
 */
const trigger = (lock: boolean) => `
CREATE OR REPLACE FUNCTION report_rollup_trigger() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  facts report_fact[];
BEGIN
  IF TG_OP <> 'INSERT' THEN
    ${lock ? `PERFORM report_rollup_lock(OLD.brand_id);` : ''}
    EXECUTE format('SELECT ARRAY(SELECT f FROM %I($1) AS f)', TG_ARGV[1]) INTO facts USING OLD;
    PERFORM report_rollup_apply(TG_ARGV[0], -1, facts);
  END IF;
  IF TG_OP <> 'DELETE' THEN
    ${lock ? `PERFORM report_rollup_lock(NEW.brand_id);` : ''}
    EXECUTE format('SELECT ARRAY(SELECT f FROM %I($1) AS f)', TG_ARGV[1]) INTO facts USING NEW;
    PERFORM report_rollup_apply(TG_ARGV[0], 1, facts);
  END IF;
  RETURN NULL;
END
$$;`;

export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    CREATE FUNCTION report_rollup_lock(brand text) RETURNS void LANGUAGE sql AS $$
      SELECT pg_advisory_xact_lock(hashtextextended('report_rollups ' || brand, 0)) WHERE brand IS NOT NULL
    $$;`);
  await knex.raw(trigger(true));
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(trigger(false));
  await knex.raw('DROP FUNCTION IF EXISTS report_rollup_lock(text)');
}

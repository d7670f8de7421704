import type { Knex } from 'knex';

/**
 * Campaigns become workflows (`campaign:<id>`): the row gains what the API lists and the workflow
 * keeps current (goal, owner, status, pause, the stored end report), and the plan a campaign was
 * created with is kept item by item, so that its posts are created in batches from Postgres and a
 * retried batch finds what it already created instead of creating it twice.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('campaigns', (t) => {
    t.text('goal').nullable();
    t.text('owner_id').nullable();
    t.text('created_by').nullable();
    t.text('status').notNullable().defaultTo('active');
    t.boolean('paused').notNullable().defaultTo(false);
    t.text('paused_reason').nullable();
    t.text('cancel_reason').nullable();
    t.text('request_hash').nullable();
    t.integer('plan_total').notNullable().defaultTo(0);
    t.timestamp('ended_at', { useTz: true }).nullable();
    t.jsonb('report').nullable();
  });
  await knex.raw(
    `ALTER TABLE campaigns ADD CONSTRAINT campaigns_status_check
       CHECK (status IN ('active', 'paused', 'cancelled', 'ended'))`,
  );
  await knex.raw('CREATE INDEX campaigns_list_index ON campaigns (brand_id, status, created_at DESC, id DESC)');
  await knex.raw('CREATE INDEX campaigns_created_index ON campaigns (created_at DESC, id DESC)');

  await knex.schema.createTable('campaign_plan_items', (t) => {
    t.text('campaign_id').notNullable().references('id').inTable('campaigns').onDelete('CASCADE');
    t.integer('position').notNullable();
    t.text('post_id').notNullable().unique();
    t.jsonb('item').notNullable();
    t.text('created_by').notNullable();
    t.text('status').notNullable().defaultTo('pending');
    t.text('failure').nullable();
    t.timestamp('settled_at', { useTz: true }).nullable();
    t.primary(['campaign_id', 'position']);
  });
  await knex.raw(
    `ALTER TABLE campaign_plan_items ADD CONSTRAINT campaign_plan_items_status_check
       CHECK (status IN ('pending', 'created', 'failed'))`,
  );
  await knex.raw('CREATE INDEX posts_campaign_stage_index ON posts (campaign_id, stage) WHERE campaign_id IS NOT NULL');
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('DROP INDEX IF EXISTS posts_campaign_stage_index');
  await knex.schema.dropTableIfExists('campaign_plan_items');
  await knex.raw('DROP INDEX IF EXISTS campaigns_created_index');
  await knex.raw('DROP INDEX IF EXISTS campaigns_list_index');
  await knex.raw('ALTER TABLE campaigns DROP CONSTRAINT IF EXISTS campaigns_status_check');
  await knex.schema.alterTable('campaigns', (t) => {
    for (const column of [
      'goal',
      'owner_id',
      'created_by',
      'status',
      'paused',
      'paused_reason',
      'cancel_reason',
      'request_hash',
      'plan_total',
      'ended_at',
      'report',
    ]) {
      t.dropColumn(column);
    }
  });
}

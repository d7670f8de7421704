import type { Knex } from 'knex';

/**
 * What the reports read, kept by the activities that record transitions and snapshots in the same
 * transaction, so that a report never scans the audit log:
 * - each post's stay in a stage (entered, left, how long), one row per transition that left it;
 * - the latest metric snapshot of each published variant, with the variant's publish time;
 * - the SLA clocks carry their brand, queue, assignee and elapsed minutes as columns;
 * - the brand's planned posting cadence.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('post_stage_durations', (t) => {
    t.text('post_id').notNullable().references('id').inTable('posts').onDelete('CASCADE');
    /** The audit sequence of the transition that left the stage. */
    t.integer('sequence').notNullable();
    t.text('brand_id').notNullable();
    t.text('campaign_id').nullable();
    t.text('stage').notNullable();
    t.text('to_stage').notNullable();
    t.text('action').notNullable();
    t.timestamp('entered_at', { useTz: true }).notNullable();
    t.timestamp('left_at', { useTz: true }).notNullable();
    t.bigInteger('duration_ms').notNullable();
    t.primary(['post_id', 'sequence']);
  });
  // Covering indexes: a report over a brand's year reads the index alone, not rows scattered over the table.
  await knex.raw(
    `CREATE INDEX post_stage_durations_report_index ON post_stage_durations (brand_id, left_at)
       INCLUDE (post_id, campaign_id, stage, to_stage, entered_at, duration_ms)`,
  );

  await knex.schema.createTable('variant_performance', (t) => {
    t.text('post_id').notNullable().references('id').inTable('posts').onDelete('CASCADE');
    t.text('account_id').notNullable();
    t.text('brand_id').notNullable();
    t.text('campaign_id').nullable();
    t.text('platform').notNullable();
    t.timestamp('published_at', { useTz: true }).notNullable();
    t.bigInteger('offset_ms').notNullable();
    for (const metric of ['impressions', 'reach', 'likes', 'comments', 'shares', 'saves', 'clicks']) {
      t.integer(metric).notNullable().defaultTo(0);
    }
    t.primary(['post_id', 'account_id']);
  });
  const metrics = 'impressions, reach, likes, comments, shares, saves, clicks';
  await knex.raw(
    `CREATE INDEX variant_performance_brand_index ON variant_performance (brand_id, published_at)
       INCLUDE (post_id, account_id, campaign_id, platform, ${metrics})`,
  );
  await knex.raw(
    `CREATE INDEX variant_performance_account_index ON variant_performance (account_id, published_at)
       INCLUDE (post_id, brand_id, campaign_id, platform, ${metrics})`,
  );

  await knex.schema.alterTable('sla_clocks', (t) => {
    t.text('brand_id').nullable();
    t.text('queue').nullable();
    t.text('assignee_id').nullable();
    t.text('ended_by').nullable();
    t.double('elapsed_calendar_minutes').nullable();
    t.double('elapsed_business_minutes').nullable();
  });
  await knex.raw(`
    UPDATE sla_clocks c SET brand_id = t.brand_id, queue = t.queue, assignee_id = t.assignee_id,
      ended_by = c.detail->>'endedBy',
      elapsed_calendar_minutes = (c.detail->>'elapsedCalendarMinutes')::double precision,
      elapsed_business_minutes = (c.detail->>'elapsedBusinessMinutes')::double precision
    FROM threads t WHERE t.id = c.thread_id`);
  await knex.raw(
    `CREATE INDEX sla_clocks_report_index ON sla_clocks (brand_id, started_at)
       INCLUDE (kind, status, ended_by, elapsed_calendar_minutes, elapsed_business_minutes, queue, assignee_id, priority)`,
  );

  await knex.raw('CREATE INDEX posts_brand_publish_at_index ON posts (brand_id, publish_at) INCLUDE (id)');
  await knex.raw('CREATE INDEX reviews_decided_at_index ON reviews (decided_at)');

  await knex.schema.alterTable('brands', (t) => {
    /** Posts each account is meant to publish per week; null when the brand has not planned one. */
    t.integer('planned_posts_per_week').nullable();
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('brands', (t) => {
    t.dropColumn('planned_posts_per_week');
  });
  await knex.raw('DROP INDEX IF EXISTS reviews_decided_at_index');
  await knex.raw('DROP INDEX IF EXISTS posts_brand_publish_at_index');
  await knex.raw('DROP INDEX IF EXISTS sla_clocks_report_index');
  await knex.schema.alterTable('sla_clocks', (t) => {
    for (const column of [
      'brand_id',
      'queue',
      'assignee_id',
      'ended_by',
      'elapsed_calendar_minutes',
      'elapsed_business_minutes',
    ])
      t.dropColumn(column);
  });
  await knex.schema.dropTableIfExists('variant_performance');
  await knex.schema.dropTableIfExists('post_stage_durations');
}

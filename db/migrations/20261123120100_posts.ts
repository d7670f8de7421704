import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('posts', (t) => {
    t.text('id').primary();
    t.text('brand_id').notNullable().references('id').inTable('brands').onDelete('CASCADE');
    t.text('campaign_id').nullable();
    t.text('author_id').notNullable();
    t.text('title').notNullable();
    t.text('risk_tier').notNullable();
    t.jsonb('flags').notNullable().defaultTo(knex.raw(`'[]'::jsonb`));
    t.boolean('urgent').notNullable().defaultTo(false);
    t.text('stage').notNullable();
    t.integer('revision').notNullable().defaultTo(0);
    t.timestamp('publish_at', { useTz: true }).notNullable();
    t.text('time_zone').notNullable();
    t.text('workflow_id').notNullable();
    t.integer('last_sequence').notNullable();
    t.jsonb('state').notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.index(['brand_id', 'stage']);
    t.index(['publish_at']);
    t.index(['campaign_id']);
  });

  await knex.schema.createTable('post_revisions', (t) => {
    t.text('post_id').notNullable().references('id').inTable('posts').onDelete('CASCADE');
    t.integer('revision').notNullable();
    t.jsonb('content').notNullable();
    t.text('submitted_by').notNullable();
    t.timestamp('submitted_at', { useTz: true }).notNullable();
    t.primary(['post_id', 'revision']);
  });

  await knex.schema.createTable('post_variants', (t) => {
    t.text('post_id').notNullable().references('id').inTable('posts').onDelete('CASCADE');
    t.text('account_id').notNullable();
    t.text('platform').notNullable();
    t.integer('revision').notNullable();
    t.text('status').notNullable().defaultTo('pending');
    t.text('external_id').nullable();
    t.text('url').nullable();
    t.timestamp('published_at', { useTz: true }).nullable();
    t.text('failure_type').nullable();
    t.text('failure_reason').nullable();
    t.primary(['post_id', 'account_id']);
  });
  await knex.raw(
    `ALTER TABLE post_variants ADD CONSTRAINT post_variants_status_check
       CHECK (status IN ('pending', 'publishing', 'published', 'failed'))`,
  );

  await knex.schema.createTable('reviews', (t) => {
    t.increments('id').primary();
    t.text('post_id').notNullable().references('id').inTable('posts').onDelete('CASCADE');
    t.text('stage').notNullable();
    t.integer('revision').notNullable();
    t.text('decision').notNullable();
    t.text('reviewer_id').notNullable();
    t.text('comment').nullable();
    t.timestamp('decided_at', { useTz: true }).notNullable();
    t.unique(['post_id', 'stage', 'revision', 'reviewer_id', 'decision']);
  });

  await knex.schema.createTable('metric_snapshots', (t) => {
    t.text('post_id').notNullable().references('id').inTable('posts').onDelete('CASCADE');
    t.text('account_id').notNullable();
    t.bigInteger('offset_ms').notNullable();
    t.text('platform').notNullable();
    t.timestamp('taken_at', { useTz: true }).notNullable();
    for (const metric of ['impressions', 'reach', 'likes', 'comments', 'shares', 'saves', 'clicks']) {
      t.integer(metric).notNullable().defaultTo(0);
    }
    t.primary(['post_id', 'account_id', 'offset_ms']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('metric_snapshots');
  await knex.schema.dropTableIfExists('reviews');
  await knex.schema.dropTableIfExists('post_variants');
  await knex.schema.dropTableIfExists('post_revisions');
  await knex.schema.dropTableIfExists('posts');
}

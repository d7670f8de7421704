import { createKnex, migrationConfig } from '../../db/knex';
import { migrateLatest, migrateRollbackAll } from '../../db/migrate';
import { createScratchDatabase, withDatabase } from '../helpers/scratchDatabases';
import { testDatabaseUrl } from '../helpers/db';

const ALL_TABLES = [
  'brands',
  'campaigns',
  'accounts',
  'users',
  'api_keys',
  'posts',
  'post_revisions',
  'post_variants',
  'reviews',
  'metric_snapshots',
  'audit_log',
  'sandbox_publications',
  'sandbox_account_behaviour',
  'notifications',
  'brand_thread_settings',
  'reply_templates',
];

async function publicTables(db: ReturnType<typeof createKnex>): Promise<string[]> {
  return db('information_schema.tables').where({ table_schema: 'public' }).pluck('table_name');
}

/** A published post of brand b1, as the posts table holds it. */
const postRow = (id: string, timeZone: string) => ({
  id,
  brand_id: 'b1',
  author_id: 'u1',
  title: 'Post',
  risk_tier: 'standard',
  stage: 'published',
  revision: 1,
  time_zone: timeZone,
  workflow_id: `post:${id}`,
  last_sequence: 3,
  state: '{}',
  publish_at: '2026-11-02T20:00:00.000Z',
});

/**
 * A scratch database at the latest schema with the migration `name` taken back, so that a test
 * can put rows on record as they were before it; `use` gets the database and that migration's config.
 */
async function beforeMigration(
  name: string,
  use: (db: ReturnType<typeof createKnex>, migration: typeof migrationConfig & { name: string }) => Promise<void>,
): Promise<void> {
  const scratch = await createScratchDatabase({
    adminUrl: withDatabase(testDatabaseUrl(), 'postgres'),
    prefix: 'socialops_migrations',
  });
  const db = createKnex(scratch.url, { poolMax: 1 });
  const migration = { ...migrationConfig, name };
  try {
    await migrateLatest(db);
    await db.migrate.down(migration);
    await use(db, migration);
  } finally {
    await db.destroy();
    await scratch.drop();
  }
}

describe('database migrations', () => {
  it('gives every test worker the migrated database of this run', async () => {
    const db = createKnex(testDatabaseUrl());
    try {
      expect(await publicTables(db)).toEqual(expect.arrayContaining(ALL_TABLES));
    } finally {
      await db.destroy();
    }
  });

  it('rolls every table back and migrates again from scratch', async () => {
    const scratchName = `socialops_migrations_${Date.now()}_${process.pid}`;
    const admin = createKnex(testDatabaseUrl(), { poolMax: 1 });
    await admin.raw(`CREATE DATABASE "${scratchName}"`);
    const url = new URL(testDatabaseUrl());
    url.pathname = `/${scratchName}`;
    const scratch = createKnex(url.toString(), { poolMax: 1 });
    try {
      const applied = await migrateLatest(scratch);
      expect(applied.length).toBeGreaterThanOrEqual(5);
      // Recorded without extension, so source and compiled builds share one migration history.
      expect(applied.filter((name) => /\.(ts|js)$/.test(name))).toEqual([]);
      expect(await migrateLatest(scratch)).toEqual([]);

      await migrateRollbackAll(scratch);
      const remaining = await publicTables(scratch);
      expect(remaining.filter((table) => ALL_TABLES.includes(table))).toEqual([]);

      await migrateLatest(scratch);
      expect(await publicTables(scratch)).toEqual(expect.arrayContaining(ALL_TABLES));
    } finally {
      await scratch.destroy();
      await admin.raw(`DROP DATABASE IF EXISTS "${scratchName}" WITH (FORCE)`);
      await admin.destroy();
    }
  });

  it('numbers notifications already on record by when they were recorded, and new ones after them', async () => {
    const scratch = await createScratchDatabase({
      adminUrl: withDatabase(testDatabaseUrl(), 'postgres'),
      prefix: 'socialops_migrations',
    });
    const db = createKnex(scratch.url, { poolMax: 1 });
    try {
      await migrateLatest(db);
      await db.migrate.down({ ...migrationConfig, name: '20261123150000_notification_position' });
      const at = (minute: number) => `2026-09-01T10:0${minute}:00.000Z`;
      const row = (id: string, minute: number) => ({
        id,
        kind: 'review_due',
        post_id: 'p1',
        brand_id: 'b1',
        payload: '{}',
        created_at: at(minute),
      });
      await db('notifications').insert([row('c', 3), row('a', 1), row('d', 4), row('b', 2)]);
      // Noting deliveries moves rows in the table's physical order.
      await db('notifications')
        .whereIn('id', ['a', 'b'])
        .update({ delivered_at: at(5) });

      await db.migrate.up({ ...migrationConfig, name: '20261123150000_notification_position' });
      await db('notifications').insert(row('e', 0));

      expect(await db('notifications').orderBy('position').pluck('id')).toEqual(['a', 'b', 'c', 'd', 'e']);
    } finally {
      await db.destroy();
      await scratch.drop();
    }
  });

  it("moves the sandbox's failure switches out of accounts into its own table, and back on rollback", async () => {
    const rateLimited = { mode: 'rate_limit', retryAfterSeconds: 90, times: 2 };
    await beforeMigration('20261202160000_sandbox_account_behaviour', async (db, migration) => {
      await db('brands').insert({ id: 'b1', name: 'Brand', time_zone: 'UTC' });
      await db('accounts').insert([
        { id: 'a1', brand_id: 'b1', platform: 'x', handle: '@a1', sandbox_failure: JSON.stringify(rateLimited) },
        { id: 'a2', brand_id: 'b1', platform: 'x', handle: '@a2' },
      ]);

      await db.migrate.up(migration);
      expect(await db('sandbox_account_behaviour').select('account_id', 'failure')).toEqual([
        { account_id: 'a1', failure: rateLimited },
      ]);
      expect(await db('accounts').columnInfo()).not.toHaveProperty('sandbox_failure');

      await db.migrate.down(migration);
      expect(await db('accounts').orderBy('id').select('id', 'sandbox_failure')).toEqual([
        { id: 'a1', sandbox_failure: rateLimited },
        { id: 'a2', sandbox_failure: null },
      ]);
    });
  });
  it("fills the report rollups from the projections already on record, on the brand's days", async () => {
    await beforeMigration('20261203000000_report_rollups', async (db, migration) => {
      await db('brands').insert({ id: 'b1', name: 'Brand', time_zone: 'Asia/Tokyo' });
      await db('accounts').insert({ id: 'a1', brand_id: 'b1', platform: 'x', handle: '@a1' });
      await db('posts').insert({ ...postRow('p1', 'Asia/Tokyo'), created_at: '2026-11-02T00:00:00.000Z' });
      // 20:00 UTC on 2 November is 05:00 on 3 November in Tokyo.
      const at = '2026-11-02T20:00:00.000Z';
      await db('post_stage_durations').insert({
        post_id: 'p1',
        sequence: 2,
        brand_id: 'b1',
        stage: 'design',
        to_stage: 'copy_edit',
        action: 'step',
        entered_at: '2026-11-02T18:00:00.000Z',
        left_at: at,
        duration_ms: 7_200_000,
      });
      await db('variant_performance').insert({
        post_id: 'p1',
        account_id: 'a1',
        brand_id: 'b1',
        platform: 'x',
        published_at: at,
        offset_ms: 3_600_000,
        likes: 7,
      });

      await db.migrate.up(migration);
      const rows = await db('report_rollups')
        .where({ dimension: 'brand' })
        .whereIn('measure', ['durationMs', 'likes'])
        .orderBy('report')
        .select('report', db.raw(`to_char(day, 'YYYY-MM-DD') AS day`), 'subject', 'measure', 'count', 'total');
      expect(rows.map((row: Record<string, unknown>) => ({ ...row, count: Number(row.count) }))).toEqual([
        { report: 'content', day: '2026-11-03', subject: 'design', measure: 'durationMs', count: 1, total: 7_200_000 },
        { report: 'performance', day: '2026-11-03', subject: '', measure: 'likes', count: 1, total: 7 },
      ]);
    });
  });

  it('sums the daily report rollups on record into weeks and months, and keeps all three from then on', async () => {
    const stay = (postId: string, leftAt: string, durationMs: number) => ({
      post_id: postId,
      sequence: 2,
      brand_id: 'b1',
      stage: 'design',
      to_stage: 'copy_edit',
      action: 'step',
      entered_at: leftAt,
      left_at: leftAt,
      duration_ms: durationMs,
    });
    await beforeMigration('20261203130000_report_period_rollups', async (db, migration) => {
      // Summed over the histogram's bins: the count and total of the stays per week or month.
      const levels = async (table: string, period: string) =>
        (
          await db(table)
            .where({ dimension: 'brand', measure: 'durationMs' })
            .groupBy(period)
            .orderBy(period)
            .select(db.raw(`to_char(${period}, 'YYYY-MM-DD') AS period, sum(count)::int AS count, sum(total) AS total`))
        ).map((row: Record<string, unknown>) => [row.period, row.count, row.total]);
      expect(await db.schema.hasTable('report_monthly_rollups')).toBe(false);
      await db('brands').insert({ id: 'b1', name: 'Brand', time_zone: 'UTC' });
      await db('posts').insert(['p1', 'p2', 'p3'].map((id) => postRow(id, 'UTC')));
      // Saturday 31 October, Sunday 1 November (the same week), Monday 2 November.
      await db('post_stage_durations').insert([
        stay('p1', '2026-10-31T10:00:00.000Z', 1000),
        stay('p2', '2026-11-01T10:00:00.000Z', 1000),
      ]);

      await db.migrate.up(migration);
      await db('post_stage_durations').insert(stay('p3', '2026-11-02T10:00:00.000Z', 4000));
      expect(await levels('report_weekly_rollups', 'week')).toEqual([
        ['2026-10-26', 2, 2000],
        ['2026-11-02', 1, 4000],
      ]);
      expect(await levels('report_monthly_rollups', 'month')).toEqual([
        ['2026-10-01', 1, 1000],
        ['2026-11-01', 2, 5000],
      ]);
    });
  });
});

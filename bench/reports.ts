/**
 * Report benchmark: a database holding 1,000,000 inbound messages (250,000 conversations with
 * their SLA clocks) and 100,000 posts (variants, audit transitions, stage stays, reviews, metric
 * snapshots and latest results) over one year and ten brands, seeded in SQL; then each report for
 * one brand over the whole year (and a quarter), timed as the API computes it. The seed fills the
 * report rollups with the migration's own rebuild, so the reports read what they read in production.
 */
import { createHash } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type { Knex } from '../db/knex';
import { createReportReader, type ReportScope } from '../db/reportReader';
import { rebuildRollups } from '../db/reportRollups';
import { toCsv } from '../api/csv';
import { keptBenchDatabase, percentile } from './support';

const THREADS = Number(process.env.BENCH_REPORT_THREADS ?? 250_000);
const MESSAGES_PER_THREAD = 4;
const POSTS = Number(process.env.BENCH_REPORT_POSTS ?? 100_000);
const BRANDS = 10;
const RUNS = 7;
const YEAR_SECONDS = 364 * 24 * 3600;

const PLATFORMS = `ARRAY['x','linkedin','instagram','tiktok','bluesky']`;

/** The triggers that keep the report rollups; the seed fills the rollups in one pass instead, as the migration does. */
const ROLLUP_TRIGGERS: [string, string][] = [
  ['sla_clocks', 'sla_clocks_report_rollups'],
  ['post_stage_durations', 'post_stage_durations_report_rollups'],
  ['variant_performance', 'variant_performance_report_rollups'],
];

async function setRollupTriggers(db: Knex, enabled: boolean): Promise<void> {
  for (const [table, trigger] of ROLLUP_TRIGGERS) {
    await db.raw(`ALTER TABLE ${table} ${enabled ? 'ENABLE' : 'DISABLE'} TRIGGER ${trigger}`);
  }
}

function seedSteps(): [string, string][] {
  return [
    [
      'brands',
      `INSERT INTO brands (id, name, time_zone, planned_posts_per_week)
       SELECT 'b' || b, 'Brand ' || b, 'Europe/Berlin', 5 FROM generate_series(1, ${BRANDS}) b`,
    ],
    [
      'accounts',
      `INSERT INTO accounts (id, brand_id, platform, handle)
       SELECT 'b' || b || '-' || p, 'b' || b, p, '@b' || b || p
         FROM generate_series(1, ${BRANDS}) b, unnest(${PLATFORMS}) p`,
    ],
    [
      'threads',
      `INSERT INTO threads (id, account_id, brand_id, platform, external_thread_id, workflow_id, status,
         priority, category, queue, assignee_id, last_sequence, state, updated_at)
       SELECT 't' || i, 'b' || (i % ${BRANDS} + 1) || '-' || (${PLATFORMS})[(i / ${BRANDS}) % 5 + 1], 'b' || (i % ${BRANDS} + 1),
              (${PLATFORMS})[(i / ${BRANDS}) % 5 + 1], 't' || i, 'thread:t' || i, 'resolved',
              (ARRAY['urgent','high','normal','low'])[i % 4 + 1], 'question',
              (ARRAY['customer_care','sales','press'])[i % 3 + 1], 'agent-' || (i % 20), 5, '{}',
              timestamptz '2026-01-01' + make_interval(secs => i::double precision * ${YEAR_SECONDS} / ${THREADS})
         FROM generate_series(1, ${THREADS}) i`,
    ],
    [
      'thread_messages',
      `INSERT INTO thread_messages (thread_id, account_id, external_message_id, direction, kind,
         author_id, text, sent_at)
       SELECT t.id, t.account_id, t.id || '-m' || m, 'inbound', 'dm', 'customer-' || m,
              'Where is my order? It was due on Monday.', t.updated_at + make_interval(mins => m * 30)
         FROM threads t, generate_series(1, ${MESSAGES_PER_THREAD}) m`,
    ],
    [
      'sla_clocks',
      `INSERT INTO sla_clocks (thread_id, clock_id, kind, cycle, priority, status, started_at, due_at,
         ended_at, last_sequence, detail, brand_id, queue, assignee_id, ended_by, elapsed_calendar_minutes,
         elapsed_business_minutes)
       SELECT t.id, k.kind || '-1', k.kind, 1, t.priority,
              CASE WHEN hashtext(t.id || k.kind) % 10 = 0 THEN 'breached'
                   WHEN hashtext(t.id || k.kind) % 23 = 0 THEN 'running' ELSE 'met' END,
              t.updated_at + make_interval(mins => k.at), t.updated_at + make_interval(mins => k.at + 60),
              t.updated_at + make_interval(mins => k.at + abs(hashtext(t.id || k.kind)) % 240), 5, '{}',
              t.brand_id, t.queue, t.assignee_id, CASE WHEN k.kind = 'resolution' THEN 'resolved' ELSE 'human_reply' END,
              abs(hashtext(t.id || k.kind)) % 240, abs(hashtext(t.id || k.kind)) % 180
         FROM threads t,
              (VALUES ('first_response', 0), ('next_response', 60), ('resolution', 0)) AS k(kind, at)`,
    ],
    [
      'posts',
      `INSERT INTO posts (id, brand_id, campaign_id, author_id, title, risk_tier, stage, revision, publish_at,
         time_zone, workflow_id, last_sequence, state, created_at)
       SELECT 'p' || i, 'b' || (i % ${BRANDS} + 1), CASE WHEN i % 3 = 0 THEN 'c' || (i % 40) END, 'author-' || (i % 30),
              'Post ' || i, 'standard', 'completed', 1 + (i % 5 = 0)::int,
              timestamptz '2026-01-01' + make_interval(secs => i::double precision * ${YEAR_SECONDS} / ${POSTS}),
              'Europe/Berlin', 'post:p' || i, 9, '{}', now()
         FROM generate_series(1, ${POSTS}) i`,
    ],
    [
      'post_variants',
      `INSERT INTO post_variants (post_id, account_id, platform, revision, status, external_id,
         published_at)
       SELECT p.id, p.brand_id || '-' || v.platform, v.platform, p.revision, 'published', p.id || v.platform,
              p.publish_at + make_interval(mins => abs(hashtext(p.id || v.platform)) % 40)
         FROM posts p, unnest(ARRAY['x','linkedin']) AS v(platform)`,
    ],
    [
      'post_stage_durations',
      `WITH stays AS (
         SELECT p.id, p.brand_id, p.campaign_id, p.publish_at, s.position, s.stage, s.to_stage,
                make_interval(hours => s.base + abs(hashtext(p.id || s.stage)) % s.spread) AS stay
           FROM posts p,
                (VALUES (1, 'drafting', 'copy_edit', 2, 10), (2, 'copy_edit', 'legal_review', 1, 8),
                        (3, 'legal_review', 'final_approval', 4, 30), (4, 'final_approval', 'scheduled', 1, 6),
                        (5, 'scheduled', 'publishing', 24, 48), (6, 'publishing', 'published', 0, 1))
                  AS s(position, stage, to_stage, base, spread)),
       timed AS (
         SELECT *, publish_at - sum(stay) OVER (PARTITION BY id ORDER BY position DESC) + stay AS left_at FROM stays)
       INSERT INTO post_stage_durations (post_id, sequence, brand_id, campaign_id, stage, to_stage, action,
         entered_at, left_at, duration_ms)
       SELECT id, position + 1, brand_id, campaign_id, stage, to_stage, 'step', left_at - stay, left_at,
              (EXTRACT(EPOCH FROM stay) * 1000)::bigint
         FROM timed`,
    ],
    [
      'audit_log',
      `INSERT INTO audit_log (entity, sequence, action, actor_id, from_stage, to_stage, at)
       SELECT 'post:' || post_id, sequence, action, 'system', stage, to_stage, left_at FROM post_stage_durations`,
    ],
    [
      'reviews',
      `INSERT INTO reviews (post_id, stage, revision, decision, reviewer_id, decided_at)
       SELECT s.post_id, s.stage, 1,
              CASE WHEN abs(hashtext(s.post_id || s.stage)) % 5 = 0 THEN 'request_changes' ELSE 'approve' END,
              CASE WHEN abs(hashtext(s.post_id || s.stage)) % 50 = 0 THEN 'system' ELSE 'reviewer-1' END, s.left_at
         FROM post_stage_durations s WHERE s.stage IN ('copy_edit', 'legal_review', 'final_approval')`,
    ],
    [
      'metric_snapshots',
      `INSERT INTO metric_snapshots (post_id, account_id, offset_ms, platform, taken_at,
         impressions, reach, likes, comments, shares, saves, clicks)
       SELECT v.post_id, v.account_id, o.offset_ms, v.platform, v.published_at + make_interval(secs => o.offset_ms / 1000),
              o.scale * 100, CASE WHEN v.platform = 'x' THEN 0 ELSE o.scale * 80 END,
              o.scale * (abs(hashtext(v.post_id)) % 30), o.scale * 2, o.scale, o.scale, o.scale * 3
         FROM post_variants v,
              (VALUES (3600000::bigint, 1), (86400000::bigint, 4), (604800000::bigint, 6)) AS o(offset_ms, scale)`,
    ],
    [
      'variant_performance',
      `INSERT INTO variant_performance (post_id, account_id, brand_id, campaign_id, platform,
         published_at, offset_ms, impressions, reach, likes, comments, shares, saves, clicks)
       SELECT DISTINCT ON (m.post_id, m.account_id) m.post_id, m.account_id, p.brand_id, p.campaign_id, m.platform,
              v.published_at, m.offset_ms, m.impressions, m.reach, m.likes, m.comments, m.shares, m.saves, m.clicks
         FROM metric_snapshots m JOIN posts p ON p.id = m.post_id
         JOIN post_variants v ON v.post_id = m.post_id AND v.account_id = m.account_id
        ORDER BY m.post_id, m.account_id, m.offset_ms DESC`,
    ],
  ];
}

async function seed(db: Knex): Promise<Record<string, number>> {
  const seconds: Record<string, number> = {};
  await setRollupTriggers(db, false);
  for (const [table, sql] of seedSteps()) {
    const started = performance.now();
    await db.raw(sql);
    seconds[table] = (performance.now() - started) / 1000;
  }
  await setRollupTriggers(db, true);
  const rollupsStarted = performance.now();
  await rebuildRollups(db);
  seconds.report_rollups = (performance.now() - rollupsStarted) / 1000;
  return { ...seconds, ...(await vacuumAnalyze(db)) };
}

/** Fresh statistics for the planner, and a visibility map that lets index-only scans skip the table. */
async function vacuumAnalyze(db: Knex): Promise<Record<string, number>> {
  const started = performance.now();
  await db.raw('VACUUM ANALYZE');
  return { vacuumAnalyze: (performance.now() - started) / 1000 };
}

async function time(run: () => Promise<unknown>): Promise<{ median: number; p95: number; max: number }> {
  await run();
  const samples: number[] = [];
  for (let index = 0; index < RUNS; index += 1) {
    const started = performance.now();
    await run();
    samples.push(performance.now() - started);
  }
  return { median: percentile(samples, 50), p95: percentile(samples, 95), max: Math.max(...samples) };
}

export async function benchReports(): Promise<void> {
  // The seed takes minutes: its database is kept and reused while the seed and the sizes stay the same.
  const fingerprint = createHash('sha256')
    .update(JSON.stringify({ steps: seedSteps(), BRANDS }))
    .digest('hex');
  const database = await keptBenchDatabase({ name: `socialops_bench_reports_${THREADS}_${POSTS}`, fingerprint });
  try {
    const seedStarted = performance.now();
    let seeded: Record<string, number>;
    if (!database.seeded) {
      seeded = await seed(database.db);
      await database.markSeeded();
      // A migration since the seed fills what it adds itself, as it does in production.
    } else if (database.migrated.length > 0) seeded = await vacuumAnalyze(database.db);
    else seeded = {};
    const counts = await database.db.raw(
      `SELECT (SELECT count(*) FROM thread_messages) AS messages, (SELECT count(*) FROM sla_clocks) AS clocks,
              (SELECT count(*) FROM posts) AS posts, (SELECT count(*) FROM post_stage_durations) AS stays,
              (SELECT count(*) FROM metric_snapshots) AS snapshots, (SELECT count(*) FROM audit_log) AS audit,
              (SELECT count(*) FROM report_rollups) AS rollups,
              (SELECT count(*) FROM report_weekly_rollups) AS weekly_rollups,
              (SELECT count(*) FROM report_monthly_rollups) AS monthly_rollups`,
    );
    const reused = database.seeded ? `reused database ${database.url.split('/').pop()}, ` : '';
    console.log(
      `reports: ${reused}seeded in ${((performance.now() - seedStarted) / 1000).toFixed(1)} s:`,
      JSON.stringify(counts.rows[0]),
    );
    console.log(
      '  seconds per table:',
      Object.entries(seeded)
        .map(([table, s]) => `${table} ${s.toFixed(1)}`)
        .join(', '),
    );

    const reader = createReportReader(database.db);
    const year: ReportScope = { brandId: 'b1', timeZone: 'Europe/Berlin', from: '2026-01-01', to: '2026-12-31' };
    const quarter: ReportScope = { ...year, from: '2026-04-01', to: '2026-06-30' };
    const cases: [string, () => Promise<{ rows: unknown[] }>][] = [
      ['responses by brand, year', () => reader.responses(year, 'brand')],
      ['responses by agent, year', () => reader.responses(year, 'agent')],
      ['responses by week, year', () => reader.responses(year, 'week')],
      ['responses by day, quarter', () => reader.responses(quarter, 'day')],
      ['content by brand, year', () => reader.content(year, 'brand')],
      ['content by campaign, year', () => reader.content(year, 'campaign')],
      ['publishing by account, year', () => reader.publishing(year, 'account', 15)],
      ['performance by week, year', () => reader.performance(year, 'week')],
      ['performance by campaign, year', () => reader.performance(year, 'campaign')],
      [
        'best times of an account, year',
        async () => ({ rows: [await reader.bestTimes({ ...year, accountId: 'b1-x', minimumVariants: 3 })] }),
      ],
      [
        'responses by agent as CSV, year',
        async () => ({ rows: [toCsv((await reader.responses(year, 'agent')).rows)] }),
      ],
    ];
    console.log(`  each report for one brand (a tenth of the data), ${RUNS} runs after one warm-up, ms:`);
    for (const [label, run] of cases) {
      const figures = await time(run);
      const verdict = figures.p95 < 300 ? 'under 300 ms' : 'OVER 300 ms';
      console.log(
        `  ${label.padEnd(34)} median ${figures.median.toFixed(0).padStart(5)}  p95 ${figures.p95.toFixed(0).padStart(5)}  ` +
          `max ${figures.max.toFixed(0).padStart(5)}  (${verdict})`,
      );
    }
  } finally {
    await database.drop();
  }
}

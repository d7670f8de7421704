import type { Knex } from 'knex';

/**
 * Daily rollups of the report projections, so that a report over a year reads at most 365 rows per
 * group and measure instead of one row per clock, stage stay or variant.
 *
 * Each projection row contributes facts: (brand, day in the brand's zone, dimension, group value,
 * subject, measure, bucket, amount). A rollup row sums them: `count` facts and their `total`.
 * Bucket -1 is a plain count or sum; a bucket of 0 or more is one bin of a duration histogram
 * (bin 0 below 1 ms, bin k from 2^((k-1)/16) ms to 2^(k/16) ms), whose total is the sum of the
 * durations in it, so that counts and means stay exact and a bin's mean places its values.
 *
 * Triggers on the projections keep the rollups in the same statement (and so the same
 * transaction) as the projection write: they fire only for a row actually inserted, changed or
 * deleted, subtract the old row's facts and add the new row's. A retried write that changes
 * nothing (ON CONFLICT DO NOTHING, or an upsert whose WHERE refuses an older sequence) fires
 * nothing. `rebuild_report_rollups()` recomputes everything from the projections with the same
 * fact functions (the backfill below, and the benchmark's seed).
 */
const FACT_FUNCTIONS = `
CREATE TYPE report_fact AS (
  brand_id text, day date, dimension text, group_value text, subject text, measure text, bucket integer,
  amount double precision);

CREATE FUNCTION report_duration_bucket(ms double precision) RETURNS integer LANGUAGE sql IMMUTABLE AS $$
  SELECT CASE WHEN ms < 1 THEN 0 ELSE floor(ln(ms) / ln(2) * 16)::integer + 1 END
$$;

CREATE FUNCTION report_local_time(brand text, at timestamptz) RETURNS timestamp LANGUAGE sql STABLE AS $$
  SELECT at AT TIME ZONE COALESCE((SELECT time_zone FROM brands WHERE id = brand), 'UTC')
$$;

CREATE FUNCTION sla_clock_report_facts(c sla_clocks) RETURNS SETOF report_fact LANGUAGE sql STABLE AS $$
  WITH clock AS (
    SELECT c.brand_id, report_local_time(c.brand_id, c.started_at)::date AS day, c.kind AS subject,
           c.status <> 'closed_without_reply' AS needing,
           c.ended_by IS NOT DISTINCT FROM 'human_reply' AND c.status <> 'closed_without_reply' AS answered
     WHERE c.brand_id IS NOT NULL),
  dimensions (dimension, group_value) AS (
    VALUES ('brand', c.brand_id), ('queue', COALESCE(c.queue, '(none)')),
           ('agent', COALESCE(c.assignee_id, '(unassigned)')), ('priority', c.priority)),
  measures (measure, bucket, amount) AS (
    SELECT 'clocks', -1, 0::double precision
    UNION ALL SELECT 'needing', -1, 0 FROM clock WHERE needing
    UNION ALL SELECT 'answered', -1, 0 FROM clock WHERE answered
    UNION ALL SELECT 'met', -1, 0 WHERE c.status = 'met'
    UNION ALL SELECT 'breached', -1, 0 WHERE c.status = 'breached'
    UNION ALL SELECT 'calendarMinutes', report_duration_bucket(c.elapsed_calendar_minutes * 60000), c.elapsed_calendar_minutes
      FROM clock WHERE answered AND c.elapsed_calendar_minutes IS NOT NULL
    UNION ALL SELECT 'businessMinutes', report_duration_bucket(c.elapsed_business_minutes * 60000), c.elapsed_business_minutes
      FROM clock WHERE answered AND c.elapsed_business_minutes IS NOT NULL)
  SELECT clock.brand_id, clock.day, d.dimension, d.group_value, clock.subject, m.measure, m.bucket, m.amount
    FROM clock, dimensions d, measures m
$$;

CREATE FUNCTION stage_stay_report_facts(s post_stage_durations) RETURNS SETOF report_fact LANGUAGE sql STABLE AS $$
  SELECT s.brand_id, report_local_time(s.brand_id, s.left_at)::date, d.dimension, d.group_value, s.stage,
         'durationMs', report_duration_bucket(s.duration_ms), s.duration_ms::double precision
    FROM (VALUES ('brand', s.brand_id), ('campaign', COALESCE(s.campaign_id, '(none)'))) AS d (dimension, group_value)
$$;

CREATE FUNCTION variant_result_report_facts(v variant_performance) RETURNS SETOF report_fact LANGUAGE sql STABLE AS $$
  WITH variant AS (
    SELECT report_local_time(v.brand_id, v.published_at) AS local_at,
           (v.likes + v.comments + v.shares + v.saves)::double precision AS engagement),
  dimensions (dimension, group_value, subject) AS (
    SELECT * FROM (VALUES ('brand', v.brand_id, ''), ('account', v.account_id, ''), ('platform', v.platform, ''),
                          ('campaign', COALESCE(v.campaign_id, '(none)'), '')) AS plain
    UNION ALL SELECT 'accountHour', v.account_id, extract(hour FROM variant.local_at)::text FROM variant),
  measures (measure, amount) AS (
    SELECT * FROM (VALUES ('variants', 0::double precision), ('impressions', v.impressions), ('reach', v.reach),
                          ('likes', v.likes), ('comments', v.comments), ('shares', v.shares), ('saves', v.saves),
                          ('clicks', v.clicks)) AS counters
    UNION ALL SELECT 'engagement', variant.engagement FROM variant
    UNION ALL SELECT 'reachKnown', v.reach FROM variant WHERE v.reach > 0
    UNION ALL SELECT 'engagementWithReach', variant.engagement FROM variant WHERE v.reach > 0)
  SELECT v.brand_id, variant.local_at::date, d.dimension, d.group_value, d.subject, m.measure, -1, m.amount
    FROM variant, dimensions d, measures m
$$;

CREATE FUNCTION report_rollup_apply(report text, sign integer, facts report_fact[]) RETURNS void LANGUAGE sql AS $$
  INSERT INTO report_rollups AS r (report, brand_id, dimension, day, group_value, subject, measure, bucket, count, total)
  SELECT report, f.brand_id, f.dimension, f.day, f.group_value, f.subject, f.measure, f.bucket, sign, sign * f.amount
    FROM unnest(facts) AS f
  ON CONFLICT (report, brand_id, dimension, day, group_value, subject, measure, bucket)
  DO UPDATE SET count = r.count + EXCLUDED.count, total = r.total + EXCLUDED.total
$$;

-- TG_ARGV: the report and the fact function of the projection the trigger sits on.
CREATE FUNCTION report_rollup_trigger() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  facts report_fact[];
BEGIN
  IF TG_OP <> 'INSERT' THEN
    EXECUTE format('SELECT ARRAY(SELECT f FROM %I($1) AS f)', TG_ARGV[1]) INTO facts USING OLD;
    PERFORM report_rollup_apply(TG_ARGV[0], -1, facts);
  END IF;
  IF TG_OP <> 'DELETE' THEN
    EXECUTE format('SELECT ARRAY(SELECT f FROM %I($1) AS f)', TG_ARGV[1]) INTO facts USING NEW;
    PERFORM report_rollup_apply(TG_ARGV[0], 1, facts);
  END IF;
  RETURN NULL;
END
$$;

-- Every brand's rollups, or one brand's (brand given).
CREATE FUNCTION rebuild_report_rollups(brand text DEFAULT NULL) RETURNS void LANGUAGE sql AS $$
  DELETE FROM report_rollups WHERE brand IS NULL OR brand_id = brand;
  INSERT INTO report_rollups (report, brand_id, dimension, day, group_value, subject, measure, bucket, count, total)
  SELECT 'responses', f.brand_id, f.dimension, f.day, f.group_value, f.subject, f.measure, f.bucket, count(*), sum(f.amount)
    FROM sla_clocks c, LATERAL sla_clock_report_facts(c) f
   WHERE brand IS NULL OR c.brand_id = brand GROUP BY 2, 3, 4, 5, 6, 7, 8;
  INSERT INTO report_rollups (report, brand_id, dimension, day, group_value, subject, measure, bucket, count, total)
  SELECT 'content', f.brand_id, f.dimension, f.day, f.group_value, f.subject, f.measure, f.bucket, count(*), sum(f.amount)
    FROM post_stage_durations s, LATERAL stage_stay_report_facts(s) f
   WHERE brand IS NULL OR s.brand_id = brand GROUP BY 2, 3, 4, 5, 6, 7, 8;
  INSERT INTO report_rollups (report, brand_id, dimension, day, group_value, subject, measure, bucket, count, total)
  SELECT 'performance', f.brand_id, f.dimension, f.day, f.group_value, f.subject, f.measure, f.bucket, count(*), sum(f.amount)
    FROM variant_performance v, LATERAL variant_result_report_facts(v) f
   WHERE brand IS NULL OR v.brand_id = brand GROUP BY 2, 3, 4, 5, 6, 7, 8;
$$;
`;

const TRIGGERS = `
CREATE TRIGGER sla_clocks_report_rollups AFTER INSERT OR DELETE OR UPDATE OF
  kind, status, ended_by, started_at, elapsed_calendar_minutes, elapsed_business_minutes, brand_id, queue,
  assignee_id, priority
  ON sla_clocks FOR EACH ROW EXECUTE FUNCTION report_rollup_trigger('responses', 'sla_clock_report_facts');
CREATE TRIGGER post_stage_durations_report_rollups AFTER INSERT OR UPDATE OR DELETE
  ON post_stage_durations FOR EACH ROW EXECUTE FUNCTION report_rollup_trigger('content', 'stage_stay_report_facts');
CREATE TRIGGER variant_performance_report_rollups AFTER INSERT OR UPDATE OR DELETE
  ON variant_performance FOR EACH ROW EXECUTE FUNCTION report_rollup_trigger('performance', 'variant_result_report_facts');
`;

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('report_rollups', (t) => {
    t.text('report').notNullable();
    t.text('brand_id').notNullable();
    t.text('dimension').notNullable();
    t.date('day').notNullable();
    t.text('group_value').notNullable();
    t.text('subject').notNullable();
    t.text('measure').notNullable();
    t.integer('bucket').notNullable();
    t.bigInteger('count').notNullable();
    t.double('total').notNullable();
    // A report reads one brand's dimension over a range of days.
    t.primary(['report', 'brand_id', 'dimension', 'day', 'group_value', 'subject', 'measure', 'bucket']);
  });
  await knex.raw(FACT_FUNCTIONS);
  await knex.raw(TRIGGERS);
  await knex.raw('SELECT rebuild_report_rollups()');
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`
    DROP TRIGGER IF EXISTS variant_performance_report_rollups ON variant_performance;
    DROP TRIGGER IF EXISTS post_stage_durations_report_rollups ON post_stage_durations;
    DROP TRIGGER IF EXISTS sla_clocks_report_rollups ON sla_clocks;
    DROP FUNCTION IF EXISTS rebuild_report_rollups(text);
    DROP FUNCTION IF EXISTS report_rollup_trigger();
    DROP FUNCTION IF EXISTS report_rollup_apply(text, integer, report_fact[]);
    DROP FUNCTION IF EXISTS variant_result_report_facts(variant_performance);
    DROP FUNCTION IF EXISTS stage_stay_report_facts(post_stage_durations);
    DROP FUNCTION IF EXISTS sla_clock_report_facts(sla_clocks);
    DROP FUNCTION IF EXISTS report_local_time(text, timestamptz);
    DROP FUNCTION IF EXISTS report_duration_bucket(double precision);
    DROP TYPE IF EXISTS report_fact;`);
  await knex.schema.dropTableIfExists('report_rollups');
}

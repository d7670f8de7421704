import type { Knex } from 'knex';

/**
 * Weekly and monthly rollups next to the daily ones, so that a report over a year reads 52 weeks
 * or twelve months of rows per group and measure instead of 365 days of them: a week's or month's
 * histogram repeats the bins its days share. A report over days reads the whole weeks (grouped by
 * week) or whole calendar months (grouped by a value) inside its range from here and the days at
 * its edges from the daily rollups (db/reportRollups.ts); sums of the same facts, so the figures
 * are the same. `week` is the Monday, `month` the first day, in the brand's zone.
 *
 * Every level is written by the same `report_rollup_apply`, in the trigger's statement, and
 * rebuilt together by `rebuild_report_rollups`. Their keys carry `count` and `total` (INCLUDE), so
 * a report reads its rows from the index alone instead of from rows scattered over the table.
 *
 * The content report's per-post facts get the indexes its queries need: a post's first
 * publication (partial on `to_stage = 'published'`), when the post entered its first stage, and
 * the decisions a deadline forced (partial on the system reviewer).
 */
const keyOf = (period: string) => `report, brand_id, dimension, ${period}, group_value, subject, measure, bucket`;
const DAILY_KEY = keyOf('day');

/** The coarser levels: table, period column, and the period a day falls in. */
const LEVELS = [
  {
    table: 'report_weekly_rollups',
    period: 'week',
    of: (day: string) => `${day} - (extract(isodow FROM ${day})::integer - 1)`,
  },
  { table: 'report_monthly_rollups', period: 'month', of: (day: string) => `date_trunc('month', ${day})::date` },
];

const applyDaily = `
  INSERT INTO report_rollups AS r (${DAILY_KEY}, count, total)
  SELECT report, f.brand_id, f.dimension, f.day, f.group_value, f.subject, f.measure, f.bucket, sign, sign * f.amount
    FROM unnest(facts) AS f
  ON CONFLICT (${DAILY_KEY})
  DO UPDATE SET count = r.count + EXCLUDED.count, total = r.total + EXCLUDED.total`;

const applyLevels = LEVELS.map(
  ({ table, period, of }) => `
  INSERT INTO ${table} AS r (${keyOf(period)}, count, total)
  SELECT report, f.brand_id, f.dimension, ${of('f.day')}, f.group_value, f.subject, f.measure, f.bucket,
         sum(sign), sum(sign * f.amount)
    FROM unnest(facts) AS f
   GROUP BY 2, 3, 4, 5, 6, 7, 8
  ON CONFLICT (${keyOf(period)})
  DO UPDATE SET count = r.count + EXCLUDED.count, total = r.total + EXCLUDED.total`,
);

const apply = (statements: string[]) => `
CREATE OR REPLACE FUNCTION report_rollup_apply(report text, sign integer, facts report_fact[]) RETURNS void LANGUAGE sql AS $$
  ${statements.join(';\n')}
$$;`;

/** Each level summed from the days of the brands `which` selects. */
const levelsFromDays = (which: string) =>
  LEVELS.map(
    ({ table, period, of }) => `
  INSERT INTO ${table} (${keyOf(period)}, count, total)
  SELECT report, brand_id, dimension, ${of('day')}, group_value, subject, measure, bucket, sum(count), sum(total)
    FROM report_rollups
   WHERE ${which}
   GROUP BY 1, 2, 3, 4, 5, 6, 7, 8
  HAVING sum(count) <> 0`,
  );

const rebuild = (levels: boolean) => {
  const tables = ['report_rollups', ...(levels ? LEVELS.map((level) => level.table) : [])];
  const facts = [
    ['responses', 'sla_clocks', 'sla_clock_report_facts'],
    ['content', 'post_stage_durations', 'stage_stay_report_facts'],
    ['performance', 'variant_performance', 'variant_result_report_facts'],
  ];
  return `
CREATE OR REPLACE FUNCTION rebuild_report_rollups(brand text DEFAULT NULL) RETURNS void LANGUAGE sql AS $$
  ${tables.map((table) => `DELETE FROM ${table} WHERE brand IS NULL OR brand_id = brand;`).join('\n  ')}
  ${facts
    .map(
      ([report, projection, factsOf]) => `
  INSERT INTO report_rollups (${DAILY_KEY}, count, total)
  SELECT '${report}', f.brand_id, f.dimension, f.day, f.group_value, f.subject, f.measure, f.bucket, count(*), sum(f.amount)
    FROM ${projection} p, LATERAL ${factsOf}(p) f
   WHERE brand IS NULL OR p.brand_id = brand GROUP BY 2, 3, 4, 5, 6, 7, 8;`,
    )
    .join('')}
  ${levels ? levelsFromDays('brand IS NULL OR brand_id = brand').join(';') : ''}
$$;`;
};

async function setDailyKey(knex: Knex, include: boolean): Promise<void> {
  await knex.raw(`
    ALTER TABLE report_rollups DROP CONSTRAINT report_rollups_pkey,
      ADD CONSTRAINT report_rollups_pkey PRIMARY KEY (${DAILY_KEY})${include ? ' INCLUDE (count, total)' : ''}`);
}

export async function up(knex: Knex): Promise<void> {
  for (const { table, period } of LEVELS) {
    await knex.raw(`
      CREATE TABLE ${table} (
        report text NOT NULL, brand_id text NOT NULL, dimension text NOT NULL, ${period} date NOT NULL,
        group_value text NOT NULL, subject text NOT NULL, measure text NOT NULL, bucket integer NOT NULL,
        count bigint NOT NULL, total double precision NOT NULL,
        CONSTRAINT ${table}_pkey PRIMARY KEY (${keyOf(period)}) INCLUDE (count, total))`);
  }
  await setDailyKey(knex, true);
  await knex.raw(apply([applyDaily, ...applyLevels]));
  await knex.raw(rebuild(true));
  for (const statement of levelsFromDays('true')) await knex.raw(statement);

  await knex.raw(`
    CREATE INDEX post_stage_durations_published_index ON post_stage_durations (brand_id, left_at)
      INCLUDE (post_id, campaign_id) WHERE to_stage = 'published';
    CREATE INDEX post_stage_durations_first_publication_index ON post_stage_durations (post_id, left_at)
      WHERE to_stage = 'published';
    CREATE INDEX post_stage_durations_entered_index ON post_stage_durations (post_id, entered_at);
    CREATE INDEX reviews_forced_index ON reviews (decided_at) INCLUDE (post_id, stage, decision)
      WHERE reviewer_id = 'system';`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`
    DROP INDEX IF EXISTS reviews_forced_index;
    DROP INDEX IF EXISTS post_stage_durations_entered_index;
    DROP INDEX IF EXISTS post_stage_durations_first_publication_index;
    DROP INDEX IF EXISTS post_stage_durations_published_index;`);
  await knex.raw(apply([applyDaily]));
  await knex.raw(rebuild(false));
  await setDailyKey(knex, false);
  for (const { table } of LEVELS) await knex.raw(`DROP TABLE IF EXISTS ${table}`);
}

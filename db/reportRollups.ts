/**
 * Reads the report rollups (kept by triggers on the report projections, see the migrations
 * `report_rollups` and `report_period_rollups`): one brand's dimension over calendar days in its
 * zone, summed per group, subject, measure and histogram bin. Grouped by value or subject, the whole
 * months of the range come from the monthly rollups, grouped by week the whole weeks from the
 * weekly ones, and only the days at the edges from the daily ones: a year is twelve months or 52
 * weeks of rows per group. By day or weekday every day is read.
 */
import { wholePeriodsWithin, type DayRange, type RollupCell } from '../domain/reports';
import { READ_TIMEOUT_MS, cancelAfter } from './postRows';
import type { Executor } from './rows';

export type RollupReport = 'responses' | 'content' | 'performance';

/**
 * How the days' rows are grouped: by the dimension's value, by day or Monday-started week, or (time
 * slots) by the subject or the day's ISO weekday, the subject then being dropped.
 */
export type RollupGrouping = 'value' | 'day' | 'week' | 'subject' | 'weekday';

export interface RollupQuery {
  report: RollupReport;
  brandId: string;
  dimension: string;
  /** First and last day (YYYY-MM-DD, inclusive) in the brand's zone. */
  from: string;
  to: string;
  grouping: RollupGrouping;
  /** Only this value of the dimension (an account's time slots). */
  groupValue?: string;
}

type Level = 'week' | 'month';

/** The table of a coarser level, and its period column (the first day of the week or month). */
const LEVELS: Record<Level, { table: string; period: string }> = {
  week: { table: 'report_weekly_rollups', period: 'week' },
  month: { table: 'report_monthly_rollups', period: 'month' },
};

/**
 * What the rows are summed by (`day` being a period's first day for a coarser level's rows), how
 * that key is shown (formatting after the sums, once per group), and the coarser level whose whole
 * periods give the same key as their days.
 */
const GROUPINGS: Record<RollupGrouping, { key: string; shown: string; subject: string; level: Level | null }> = {
  value: { key: 'group_value', shown: 'key', subject: 'subject', level: 'month' },
  day: { key: 'day', shown: `to_char(key, 'YYYY-MM-DD')`, subject: 'subject', level: null },
  week: {
    key: 'day - (extract(isodow FROM day)::integer - 1)',
    shown: `to_char(key, 'YYYY-MM-DD')`,
    subject: 'subject',
    level: 'week',
  },
  subject: { key: 'subject', shown: 'key', subject: `''`, level: 'month' },
  weekday: { key: 'extract(isodow FROM day)::integer', shown: 'key::text', subject: `''`, level: null },
};

/** The ranges of daily and coarser rows that sum to the query's days; an absent range reads nothing. */
function rowRanges(query: RollupQuery, level: Level | null): Record<string, string | null> {
  const split = level
    ? wholePeriodsWithin(query, level)
    : { periods: null, daysBefore: { from: query.from, to: query.to }, daysAfter: null };
  const bounds = (name: string, range: DayRange | null) => ({
    [`${name}From`]: range?.from ?? null,
    [`${name}To`]: range?.to ?? null,
  });
  return {
    ...bounds('before', split.daysBefore),
    ...bounds('after', split.daysAfter),
    ...bounds('periods', split.periods),
  };
}

export async function readRollup(trx: Executor, query: RollupQuery): Promise<RollupCell[]> {
  const { key, shown, subject, level } = GROUPINGS[query.grouping];
  const { table, period } = LEVELS[level ?? 'month'];
  const scope = `report = :report AND brand_id = :brandId AND dimension = :dimension
                 ${query.groupValue === undefined ? '' : 'AND group_value = :groupValue'}`;
  // Each range its own index scan: one condition over all three would read every day between.
  const columns = 'group_value, subject, measure, bucket, count, total';
  const { rows } = (await trx
    .raw(
      `SELECT ${shown} AS "group", subject, measure, bucket, count, total
         FROM (SELECT ${key} AS key, ${subject} AS subject, measure, bucket,
                      sum(count)::float8 AS count, sum(total) AS total
                 FROM (SELECT day, ${columns} FROM report_rollups
                        WHERE ${scope} AND day >= :beforeFrom::date AND day <= :beforeTo::date
                       UNION ALL
                       SELECT day, ${columns} FROM report_rollups
                        WHERE ${scope} AND day >= :afterFrom::date AND day <= :afterTo::date
                       UNION ALL
                       SELECT ${period}, ${columns} FROM ${table}
                        WHERE ${scope} AND ${period} >= :periodsFrom::date AND ${period} <= :periodsTo::date) AS rollup
                GROUP BY 1, 2, 3, 4
               HAVING sum(count) <> 0) AS summed`,
      { ...query, groupValue: query.groupValue ?? null, ...rowRanges(query, level) },
    )
    .timeout(READ_TIMEOUT_MS, cancelAfter)) as { rows: Record<string, unknown>[] };
  return rows.map((row) => ({
    group: String(row.group),
    subject: row.subject as string,
    measure: row.measure as string,
    bucket: Number(row.bucket),
    count: Number(row.count),
    total: Number(row.total),
  }));
}

/** Recomputes a brand's rollups (or every brand's) from the projections, with the triggers' own facts. */
export async function rebuildRollups(trx: Executor, brandId?: string): Promise<void> {
  await trx.raw('SELECT rebuild_report_rollups(?)', [brandId ?? null]);
}

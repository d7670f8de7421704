/**
 * Reads the daily report rollups (kept by triggers on the report projections, see the migration
 * `report_rollups`): one brand's dimension over calendar days in its zone, summed per group,
 * subject, measure and histogram bin. A year is at most 365 days of rows per group.
 */
import type { RollupCell } from '../domain/reports';
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

/** What the days' rows are summed by, and how that key is shown (formatting after the sums, once per group). */
const GROUPINGS: Record<RollupGrouping, { key: string; shown: string; subject: string }> = {
  value: { key: 'group_value', shown: 'key', subject: 'subject' },
  day: { key: 'day', shown: `to_char(key, 'YYYY-MM-DD')`, subject: 'subject' },
  week: {
    key: 'day - (extract(isodow FROM day)::integer - 1)',
    shown: `to_char(key, 'YYYY-MM-DD')`,
    subject: 'subject',
  },
  subject: { key: 'subject', shown: 'key', subject: `''` },
  weekday: { key: 'extract(isodow FROM day)::integer', shown: 'key::text', subject: `''` },
};

export async function readRollup(trx: Executor, query: RollupQuery): Promise<RollupCell[]> {
  const { key, shown, subject } = GROUPINGS[query.grouping];
  const { rows } = (await trx
    .raw(
      `SELECT ${shown} AS "group", subject, measure, bucket, count, total
         FROM (SELECT ${key} AS key, ${subject} AS subject, measure, bucket,
                      sum(count)::float8 AS count, sum(total) AS total
                 FROM report_rollups
                WHERE report = :report AND brand_id = :brandId AND dimension = :dimension
                  AND day >= :from::date AND day <= :to::date
                  ${query.groupValue === undefined ? '' : 'AND group_value = :groupValue'}
                GROUP BY 1, 2, 3, 4
               HAVING sum(count) <> 0) AS summed`,
      { ...query, groupValue: query.groupValue ?? null },
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

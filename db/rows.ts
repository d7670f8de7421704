import type { Knex } from 'knex';

/** A query runs on the store's connection pool unless the caller passes its transaction. */
export type Executor = Knex | Knex.Transaction;

export function iso(value: Date | string): string {
  return (value instanceof Date ? value : new Date(value)).toISOString();
}

export function isoOrNull(value: Date | string | null | undefined): string | null {
  return value == null ? null : iso(value);
}

/** pg serialises JS arrays as Postgres arrays, so jsonb values are always sent as JSON text. */
export function json(value: unknown): string {
  return JSON.stringify(value);
}

/**
 * Inserts the rows, or overwrites `merge` on those already there, unless the stored row was written
 * by this transition or a later one (`last_sequence`): an older, retried write never overwrites a
 * newer state. Returns the query, so that the caller can ask which rows were written.
 */
export function upsertUnlessNewer(
  trx: Executor,
  table: string,
  rows: Record<string, unknown> | Record<string, unknown>[],
  options: { conflict: string[]; merge: string[]; sequence: number },
) {
  return trx(table)
    .insert(rows)
    .onConflict(options.conflict)
    .merge(options.merge)
    .where(`${table}.last_sequence`, '<', options.sequence);
}

/** Inserts the rows; one already on record (same `conflict` key) is left as it is. Returns how many are new. */
export async function insertNew(
  trx: Executor,
  table: string,
  rows: Record<string, unknown>[],
  conflict: string[],
): Promise<number> {
  if (rows.length === 0) return 0;
  const inserted = await trx(table).insert(rows).onConflict(conflict).ignore().returning('id');
  return inserted.length;
}

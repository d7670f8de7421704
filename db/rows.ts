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

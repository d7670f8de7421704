/**
 * The Postgres store's schema, one step per version: step n takes a schema at version n - 1 to
 * version n. A server applies the steps its schema lacks on start, in one transaction, so an older
 * schema is brought up to date in place; a new step is appended, never edited.
 */

/** The statements of one step, given a function that qualifies a table name with the schema. */
export type Migration = (table: (name: string) => string) => string;

export const MIGRATIONS: readonly Migration[] = [
  // 1: namespaces, runs and their histories.
  (t) => `
    CREATE TABLE ${t('namespaces')} (name text PRIMARY KEY, record text NOT NULL);
    CREATE TABLE ${t('runs')} (
      namespace text NOT NULL,
      run_id text NOT NULL,
      seq bigserial NOT NULL,
      workflow_id text NOT NULL,
      status text NOT NULL,
      close_time bigint,
      start text NOT NULL,
      state text NOT NULL,
      PRIMARY KEY (namespace, run_id)
    );
    CREATE INDEX ON ${t('runs')} (namespace, workflow_id);
    CREATE INDEX ON ${t('runs')} (close_time) WHERE close_time IS NOT NULL;
    CREATE TABLE ${t('events')} (
      namespace text NOT NULL,
      run_id text NOT NULL,
      event_id integer NOT NULL,
      event bytea NOT NULL,
      PRIMARY KEY (namespace, run_id, event_id)
    );
  `,
  // 2: schedules, each with its spec, policies and runner state as one record.
  (t) => `
    CREATE TABLE ${t('schedules')} (
      namespace text NOT NULL,
      schedule_id text NOT NULL,
      record text NOT NULL,
      PRIMARY KEY (namespace, schedule_id)
    );
  `,
  // 3: a closed run's summary beside it, as listings read it (store.ts, ClosedRunSummary).
  (t) => `ALTER TABLE ${t('runs')} ADD COLUMN summary text;`,
];

export const SCHEMA_VERSION = MIGRATIONS.length;

/**
 * The Postgres store: every history event as a row (protobuf bytes), each run's start and mutable
 * state, the namespaces and the schedules, in a schema of the server's own that it creates or
 * migrates on start (./migrations.ts). Writes staged while requests run are committed together,
 * one transaction per batch: a batch is written whole or not at all, and concurrent requests
 * share its round trip.
 */
import pg from 'pg';
import { encode, decode, type Msg } from '../protos';
import { unavailable, unstorableId } from '../errors';
import type { Execution } from '../execution';
import type { Namespace } from '../namespaces';
import type { ScheduleRecord } from '../schedules/record';
import { fromJson, toJson } from './codec';
import { MIGRATIONS, SCHEMA_VERSION } from './migrations';
import { WorkflowIdFilter } from './workflowIdFilter';
import {
  closedRunSummary,
  runState,
  storedSchedule,
  startRecord,
  type DevServerStore,
  type ClosedRunSummary,
  type RunKey,
  type RunState,
  type StoredNamespace,
  type StoredRun,
  type StoredSchedule,
  type StoredState,
} from './store';

const EVENT_TYPE = 'temporal.api.history.v1.HistoryEvent';
export const DEFAULT_SCHEMA = 'temporal_devserver';

export interface PostgresStoreOptions {
  url: string;
  /** The server's own schema (default `temporal_devserver`), created and migrated on start. */
  schema?: string;
}

interface Batch {
  namespaces: Map<string, Namespace>;
  runs: Map<string, Execution>;
  events: Array<{ run: Execution; event: Msg }>;
  deletes: Map<string, RunKey>;
  schedules: Map<string, ScheduleRecord>;
  scheduleDeletes: Map<string, ScheduleRecord>;
  waiters: Array<{ resolve(): void; reject(err: Error): void }>;
}

const newBatch = (): Batch => ({
  namespaces: new Map(),
  runs: new Map(),
  events: [],
  deletes: new Map(),
  schedules: new Map(),
  scheduleDeletes: new Map(),
  waiters: [],
});
const isEmpty = (b: Batch): boolean =>
  !b.namespaces.size &&
  !b.runs.size &&
  !b.events.length &&
  !b.deletes.size &&
  !b.schedules.size &&
  !b.scheduleDeletes.size;
const runKey = (run: RunKey): string => `${run.namespace}\u0000${run.runId}`;
const scheduleKey = (schedule: ScheduleRecord): string => `${schedule.namespace}\u0000${schedule.scheduleId}`;

export class PostgresStore implements DevServerStore {
  readonly kind = 'postgres' as const;
  readonly location: string;
  private readonly schema: string;
  private pool: pg.Pool;
  private staged = newBatch();
  private writing: Promise<void> | undefined;
  private scheduled = false;
  /** Set when a commit failed: nothing is staged until the server has reloaded from the store. */
  private failed: Error | undefined;
  /**
   * Open runs whose start is already in the store. Closed runs leave it, so that it does not grow
   * with them: one saved again is inserted, which updates its row.
   */
  private readonly persisted = new Set<string>();
  private readonly failureListeners: Array<(err: Error) => void> = [];
  /** The workflow ids that have closed runs here, so that a start of a new id needs no read. */
  private closedIds = new WorkflowIdFilter();

  constructor(private readonly options: PostgresStoreOptions) {
    this.schema = options.schema ?? DEFAULT_SCHEMA;
    if (!/^[a-z_][a-z0-9_]*$/.test(this.schema)) throw new Error(`invalid schema name "${this.schema}"`);
    const url = new URL(options.url);
    if (url.password) url.password = '***';
    this.location = `${url.toString()} (schema ${this.schema})`;
    this.pool = this.createPool();
  }

  private createPool(): pg.Pool {
    const pool = new pg.Pool({ connectionString: this.options.url, max: 2, connectionTimeoutMillis: 5000 });
    // A connection that breaks fails the query it runs (if any) and is replaced on next use.
    pool.on('error', () => undefined);
    pool.on('connect', (client) => client.on('error', () => undefined));
    return pool;
  }

  private t(name: string): string {
    return `"${this.schema}".${name}`;
  }

  async open(): Promise<StoredState> {
    this.staged = newBatch();
    this.persisted.clear();
    const client = await this.pool.connect();
    try {
      await this.migrate(client);
      const namespaces = (
        await client.query<{ record: string }>(`SELECT record FROM ${this.t('namespaces')}`)
      ).rows.map((row) => fromJson<StoredNamespace>(row.record));
      type RunRow = { namespace: string; run_id: string; start: string; state: string };
      const runRows = (
        await client.query<RunRow>(
          `SELECT namespace, run_id, start, state FROM ${this.t('runs')} WHERE status = 'Running' ORDER BY seq`,
        )
      ).rows;
      // Closed runs stay in the store: only which workflow ids have one is kept.
      this.closedIds = new WorkflowIdFilter();
      const closedIds = await client.query<{ namespace: string; workflow_id: string }>(
        `SELECT namespace, workflow_id FROM ${this.t('runs')} WHERE status <> 'Running'`,
      );
      for (const row of closedIds.rows) this.closedIds.add(row.namespace, row.workflow_id);
      const eventRows = (
        await client.query<{ namespace: string; run_id: string; event: Buffer }>(
          `SELECT e.namespace, e.run_id, e.event FROM ${this.t('events')} e
           JOIN ${this.t('runs')} r ON r.namespace = e.namespace AND r.run_id = e.run_id AND r.status = 'Running'
           ORDER BY e.namespace, e.run_id, e.event_id`,
        )
      ).rows;
      const histories = new Map<string, Msg[]>();
      for (const row of eventRows) {
        const key = `${row.namespace}\u0000${row.run_id}`;
        let history = histories.get(key);
        if (!history) histories.set(key, (history = []));
        history.push(decode(EVENT_TYPE, row.event));
      }
      const runs: StoredRun[] = runRows.map((row) => {
        const key = `${row.namespace}\u0000${row.run_id}`;
        this.persisted.add(key);
        return { ...startOf(row.start), state: fromJson<RunState>(row.state), history: histories.get(key) ?? [] };
      });
      const schedules = (await client.query<{ record: string }>(`SELECT record FROM ${this.t('schedules')}`)).rows.map(
        (row) => fromJson<StoredSchedule>(row.record),
      );
      this.failed = undefined;
      return { namespaces, runs, schedules };
    } finally {
      client.release();
    }
  }

  /** Brings the schema to SCHEMA_VERSION; servers starting together on one schema take turns. */
  private async migrate(client: pg.PoolClient): Promise<void> {
    await client.query(`CREATE SCHEMA IF NOT EXISTS "${this.schema}"`);
    await client.query(`CREATE TABLE IF NOT EXISTS ${this.t('schema_version')} (version integer NOT NULL)`);
    await client.query('BEGIN');
    try {
      await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`temporal_devserver.${this.schema}`]);
      const { rows } = await client.query<{ version: number | null }>(
        `SELECT max(version) AS version FROM ${this.t('schema_version')}`,
      );
      const version = rows[0]?.version ?? 0;
      if (version > SCHEMA_VERSION)
        throw new Error(`schema ${this.schema} is at version ${version}, newer than this server (${SCHEMA_VERSION})`);
      for (let next = version + 1; next <= SCHEMA_VERSION; next++) {
        await client.query(MIGRATIONS[next - 1]((name) => this.t(name)));
        await client.query(`INSERT INTO ${this.t('schema_version')} (version) VALUES ($1)`, [next]);
      }
      await client.query('COMMIT');
    } catch (err) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw err;
    }
  }

  private stage(): Batch | undefined {
    if (this.failed) return undefined;
    if (!this.scheduled) {
      this.scheduled = true;
      // Writes made outside a request (timers firing) are committed on the next turn too.
      setImmediate(() => {
        this.scheduled = false;
        this.commit().catch(() => undefined);
      });
    }
    return this.staged;
  }

  saveNamespace(namespace: Namespace): void {
    this.stage()?.namespaces.set(namespace.name, namespace);
  }

  saveRun(run: Execution): void {
    this.stage()?.runs.set(runKey(run), run);
  }

  appendEvent(run: Execution, event: Msg): void {
    const batch = this.stage();
    if (!batch) return;
    batch.events.push({ run, event });
    batch.runs.set(runKey(run), run);
  }

  deleteRun(run: RunKey): void {
    const batch = this.stage();
    if (!batch) return;
    batch.runs.delete(runKey(run));
    batch.deletes.set(runKey(run), run);
  }

  saveSchedule(schedule: ScheduleRecord): void {
    if (schedule.deleted) return;
    this.stage()?.schedules.set(scheduleKey(schedule), schedule);
  }

  deleteSchedule(schedule: ScheduleRecord): void {
    const batch = this.stage();
    if (!batch) return;
    batch.schedules.delete(scheduleKey(schedule));
    batch.scheduleDeletes.set(scheduleKey(schedule), schedule);
  }

  /**
   * A read or a delete outside a batch, once every write staged so far has landed (so that it sees
   * what the service last had): Postgres out of reach answers UNAVAILABLE, as a commit does.
   */
  private async query<R extends pg.QueryResultRow>(sql: string, params: unknown[]): Promise<pg.QueryResult<R>> {
    await this.commit();
    try {
      return await this.pool.query<R>(sql, params);
    } catch (err) {
      throw unreachable(err) ? unavailable(`the server's store is unavailable: ${(err as Error).message}`) : err;
    }
  }

  async loadRun(key: RunKey): Promise<StoredRun | undefined> {
    const { rows } = await this.query<{ start: string; state: string }>(
      `SELECT start, state FROM ${this.t('runs')} WHERE namespace = $1 AND run_id = $2`,
      [key.namespace, key.runId],
    );
    if (!rows.length) return undefined;
    const events = await this.query<{ event: Buffer }>(
      `SELECT event FROM ${this.t('events')} WHERE namespace = $1 AND run_id = $2 ORDER BY event_id`,
      [key.namespace, key.runId],
    );
    return {
      ...startOf(rows[0].start),
      state: fromJson<RunState>(rows[0].state),
      history: events.rows.map((row) => decode(EVENT_TYPE, row.event)),
    };
  }

  commit(): Promise<void> {
    if (this.failed) return Promise.reject(unavailable(`the server's store is unavailable: ${this.failed.message}`));
    if (isEmpty(this.staged)) return this.writing ?? Promise.resolve();
    const promise = new Promise<void>((resolve, reject) => this.staged.waiters.push({ resolve, reject }));
    if (!this.writing) this.writing = this.drain();
    return promise;
  }

  /** Writes batches one after the other while requests keep staging new ones. */
  private async drain(): Promise<void> {
    try {
      while (!isEmpty(this.staged) && !this.failed) {
        const batch = this.staged;
        this.staged = newBatch();
        try {
          await this.write(batch);
        } catch (err) {
          this.fail(err as Error, batch);
          return;
        }
        for (const w of batch.waiters) w.resolve();
      }
    } finally {
      this.writing = undefined;
    }
  }

  private fail(err: Error, batch: Batch): void {
    this.failed = err;
    const error = unavailable(`the server's store is unavailable: ${err.message}`);
    for (const w of [...batch.waiters, ...this.staged.waiters]) w.reject(error);
    this.staged = newBatch();
    for (const listener of this.failureListeners) listener(err);
  }

  onFailure(listener: (err: Error) => void): void {
    this.failureListeners.push(listener);
  }

  private async write(batch: Batch): Promise<void> {
    // Rows are read now, in the same turn as the batch was taken: whatever is staged from here on
    // (a run closing, its last events) goes in the next batch, so a row never runs ahead of its events.
    const statements = this.statements(batch);
    const running = [...batch.runs].map(([key, run]) => [key, run.isRunning] as const);
    const client = await this.pool.connect();
    let broken = false;
    try {
      await client.query('BEGIN');
      for (const [sql, params] of statements) await client.query(sql, params);
      await client.query('COMMIT');
      for (const [key, isRunning] of running) {
        if (isRunning) this.persisted.add(key);
        else this.persisted.delete(key);
      }
      for (const key of batch.deletes.keys()) this.persisted.delete(key);
    } catch (err) {
      broken = true;
      await client.query('ROLLBACK').catch(() => undefined);
      throw err;
    } finally {
      client.release(broken);
    }
  }

  /** The batch's statements, in order, with their parameters. */
  private statements(batch: Batch): Array<[string, unknown[]]> {
    const statements: Array<[string, unknown[]]> = [];
    for (const namespace of batch.namespaces.values()) {
      const record: StoredNamespace = {
        name: namespace.name,
        id: namespace.id,
        description: namespace.description,
        retentionMs: namespace.retentionMs,
        searchAttributes: Object.fromEntries(namespace.searchAttributes),
      };
      statements.push([
        `INSERT INTO ${this.t('namespaces')} (name, record) VALUES ($1, $2)
         ON CONFLICT (name) DO UPDATE SET record = EXCLUDED.record`,
        [namespace.name, toJson(record)],
      ]);
    }
    const fresh = [...batch.runs.entries()].filter(([key]) => !this.persisted.has(key));
    const known = [...batch.runs.entries()].filter(([key]) => this.persisted.has(key));
    if (fresh.length) {
      const rows = fresh.map(([, run]) => run);
      statements.push([
        `INSERT INTO ${this.t('runs')} (namespace, run_id, workflow_id, status, close_time, start, state, summary)
         SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::bigint[], $6::text[], $7::text[],
           $8::text[])
         ON CONFLICT (namespace, run_id) DO UPDATE
           SET status = EXCLUDED.status, close_time = EXCLUDED.close_time, state = EXCLUDED.state,
             summary = EXCLUDED.summary`,
        [
          rows.map((r) => r.namespace),
          rows.map((r) => r.runId),
          rows.map((r) => r.workflowId),
          rows.map((r) => r.status),
          rows.map((r) => r.closeTime ?? null),
          rows.map((r) => toJson(startRecord(r))),
          rows.map((r) => toJson(runState(r))),
          rows.map(summaryColumn),
        ],
      ]);
    }
    if (known.length) {
      const rows = known.map(([, run]) => run);
      statements.push([
        `UPDATE ${this.t('runs')} AS r
         SET status = u.status, close_time = u.close_time, state = u.state, summary = u.summary
         FROM unnest($1::text[], $2::text[], $3::text[], $4::bigint[], $5::text[], $6::text[])
           AS u(namespace, run_id, status, close_time, state, summary)
         WHERE r.namespace = u.namespace AND r.run_id = u.run_id`,
        [
          rows.map((r) => r.namespace),
          rows.map((r) => r.runId),
          rows.map((r) => r.status),
          rows.map((r) => r.closeTime ?? null),
          rows.map((r) => toJson(runState(r))),
          rows.map(summaryColumn),
        ],
      ]);
    }
    if (batch.events.length) {
      statements.push([
        `INSERT INTO ${this.t('events')} (namespace, run_id, event_id, event)
         SELECT * FROM unnest($1::text[], $2::text[], $3::integer[], $4::bytea[])`,
        [
          batch.events.map((e) => e.run.namespace),
          batch.events.map((e) => e.run.runId),
          batch.events.map((e) => Number(e.event.eventId)),
          batch.events.map((e) => encode(EVENT_TYPE, e.event)),
        ],
      ]);
    }
    if (batch.deletes.size) {
      const rows = [...batch.deletes.values()];
      const params = [rows.map((r) => r.namespace), rows.map((r) => r.runId)];
      statements.push([
        `DELETE FROM ${this.t('events')} e USING unnest($1::text[], $2::text[]) AS d(namespace, run_id)
         WHERE e.namespace = d.namespace AND e.run_id = d.run_id`,
        params,
      ]);
      statements.push([
        `DELETE FROM ${this.t('runs')} r USING unnest($1::text[], $2::text[]) AS d(namespace, run_id)
         WHERE r.namespace = d.namespace AND r.run_id = d.run_id`,
        params,
      ]);
    }
    // Schedule deletes first: one deleted and created again under its id within a batch is the new one.
    if (batch.scheduleDeletes.size) {
      const rows = [...batch.scheduleDeletes.values()];
      statements.push([
        `DELETE FROM ${this.t('schedules')} s USING unnest($1::text[], $2::text[]) AS d(namespace, schedule_id)
         WHERE s.namespace = d.namespace AND s.schedule_id = d.schedule_id`,
        [rows.map((r) => r.namespace), rows.map((r) => r.scheduleId)],
      ]);
    }
    if (batch.schedules.size) {
      const rows = [...batch.schedules.values()];
      statements.push([
        `INSERT INTO ${this.t('schedules')} (namespace, schedule_id, record)
         SELECT * FROM unnest($1::text[], $2::text[], $3::text[])
         ON CONFLICT (namespace, schedule_id) DO UPDATE SET record = EXCLUDED.record`,
        [rows.map((r) => r.namespace), rows.map((r) => r.scheduleId), rows.map((r) => toJson(storedSchedule(r)))],
      ]);
    }
    return statements;
  }

  runClosed(run: Execution): void {
    this.closedIds.add(run.namespace, run.workflowId);
  }

  /** Summaries of the closed runs a condition selects. */
  private async summaries(condition: string, params: unknown[], tail = ''): Promise<ClosedRunSummary[]> {
    // A run closed before summaries were kept has its summary made from its start, state and events.
    const { rows } = await this.query<{
      summary: string | null;
      start: string | null;
      state: string | null;
      history_length: number | null;
    }>(
      `SELECT r.summary,
         CASE WHEN r.summary IS NULL THEN (r.start::jsonb - 'startRequest')::text END AS start,
         CASE WHEN r.summary IS NULL THEN r.state END AS state,
         CASE WHEN r.summary IS NULL THEN (SELECT count(*)::integer FROM ${this.t('events')} e
           WHERE e.namespace = r.namespace AND e.run_id = r.run_id) END AS history_length
       FROM ${this.t('runs')} r WHERE r.status <> 'Running' AND ${condition} ${tail}`,
      params,
    );
    return rows.map((row) =>
      row.summary !== null
        ? (JSON.parse(row.summary) as ClosedRunSummary)
        : closedRunSummary(startOf(row.start!), fromJson<RunState>(row.state!), row.history_length!),
    );
  }

  async closedRun(key: RunKey): Promise<ClosedRunSummary | undefined> {
    // No run has an id Postgres cannot hold; a client may still ask about one.
    if (unstorableId(key.runId, 'run id')) return undefined;
    const [summary] = await this.summaries('r.namespace = $1 AND r.run_id = $2', [key.namespace, key.runId]);
    return summary;
  }

  latestClosedRun(namespace: string, workflowId: string): Promise<ClosedRunSummary | undefined> | undefined {
    if (!this.closedIds.mayHave(namespace, workflowId)) return undefined;
    return this.summaries(
      'r.namespace = $1 AND r.workflow_id = $2',
      [namespace, workflowId],
      'ORDER BY r.seq DESC LIMIT 1',
    ).then(([summary]) => summary);
  }

  closedRuns(namespace: string): Promise<ClosedRunSummary[]> {
    return this.summaries('r.namespace = $1', [namespace], 'ORDER BY r.seq');
  }

  async earliestClose(namespace: string): Promise<number | undefined> {
    const { rows } = await this.query<{ close_time: string | null }>(
      `SELECT min(close_time)::text AS close_time FROM ${this.t('runs')} WHERE namespace = $1 AND close_time IS NOT NULL`,
      [namespace],
    );
    return rows[0]?.close_time == null ? undefined : Number(rows[0].close_time);
  }

  /** Deletes closed runs and their histories that closed before `before` (namespace retention). */
  async deleteClosedBefore(namespace: string, before: number): Promise<void> {
    // One statement, so that a run and its history go together.
    await this.query(
      `WITH gone AS (
         DELETE FROM ${this.t('runs')} WHERE namespace = $1 AND close_time IS NOT NULL AND close_time < $2
         RETURNING namespace, run_id)
       DELETE FROM ${this.t('events')} e USING gone WHERE e.namespace = gone.namespace AND e.run_id = gone.run_id`,
      [namespace, before],
    );
  }

  async close(): Promise<void> {
    await this.commit().catch(() => undefined);
    await this.pool.end();
  }
}

/**
 * An error that says Postgres could not be reached: a socket's (no SQLSTATE), or a connection
 * exception, insufficient resources or an operator's shutdown; not a statement Postgres refused.
 */
function unreachable(err: unknown): boolean {
  const code = (err as { code?: unknown }).code;
  return typeof code !== 'string' || !/^[0-9A-Z]{5}$/.test(code) || /^(08|53|57)/.test(code);
}

/** A closed run's summary, kept beside it for listings; nothing for an open run. */
function summaryColumn(run: Execution): string | null {
  return run.isRunning ? null : JSON.stringify(closedRunSummary(startRecord(run), runState(run), run.history.length));
}

function startOf(text: string): Omit<StoredRun, 'state' | 'history'> {
  return fromJson<Omit<StoredRun, 'state' | 'history'>>(text);
}

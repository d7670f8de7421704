/** What the benchmarks share: a scratch Postgres database and percentiles. */
import os from 'node:os';
import path from 'node:path';
import { startEmbeddedPostgres } from '../db/embeddedPostgres';
import { createKnex, type Knex } from '../db/knex';
import { migrateLatest } from '../db/migrate';
import { acceptsConnection, createScratchDatabase, withClient, withDatabase } from '../test/helpers/scratchDatabases';

export function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

export interface BenchDatabase {
  db: Knex;
  url: string;
  drop(): Promise<void>;
}

/** DATABASE_URL's server, the local one, or else an embedded one that lives as long as the benchmark. */
async function benchServer(): Promise<{ adminUrl: string; stopEmbedded?: () => Promise<void> }> {
  if (process.env.DATABASE_URL) return { adminUrl: process.env.DATABASE_URL };
  const local = 'postgres://postgres@127.0.0.1:5432/postgres';
  if (await acceptsConnection(local)) return { adminUrl: local };
  const dataDir = path.join(os.tmpdir(), `socialops-bench-pg-${process.pid}`, 'data');
  const server = await startEmbeddedPostgres({ dataDir, persistent: false });
  return { adminUrl: server.adminUrl, stopEmbedded: server.stop };
}

/** A fresh, migrated database on DATABASE_URL's server, the local server, or an embedded one. */
export async function benchDatabase(): Promise<BenchDatabase> {
  const { adminUrl, stopEmbedded } = await benchServer();
  const scratch = await createScratchDatabase({ adminUrl, prefix: 'socialops_bench' });
  const db = createKnex(scratch.url, { poolMax: 10 });
  await migrateLatest(db);
  return {
    db,
    url: scratch.url,
    drop: async () => {
      await db.destroy();
      await scratch.drop();
      await stopEmbedded?.();
    },
  };
}

/**
 * A database kept between runs under `name`, for a seed too slow to repeat: reused (and migrated to
 * the latest schema, `migrated` naming what that applied) when it holds the seed `fingerprint`
 * names, else created afresh and handed back unseeded (`seeded` false) for the caller to seed and
 * then `markSeeded`. On an embedded server nothing outlives the run, so it is always fresh.
 */
export async function keptBenchDatabase({
  name,
  fingerprint,
}: {
  name: string;
  fingerprint: string;
}): Promise<BenchDatabase & { seeded: boolean; migrated: string[]; markSeeded(): Promise<void> }> {
  const { adminUrl, stopEmbedded } = await benchServer();
  const url = withDatabase(adminUrl, name);
  let kept = await seededWith(url, fingerprint);
  let migrated: string[] = [];
  if (kept) {
    const db = createKnex(url, { poolMax: 1 });
    // A schema the code no longer knows (a migration since removed) cannot be migrated: seed again.
    migrated = await migrateLatest(db).catch(() => ((kept = false), []));
    await db.destroy();
  }
  if (!kept) {
    await withClient(adminUrl, async (client) => {
      await client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      await client.query(`CREATE DATABASE "${name}"`);
    });
  }
  const db = createKnex(url, { poolMax: 10 });
  if (!kept) migrated = await migrateLatest(db);
  return {
    db,
    url,
    seeded: kept,
    migrated,
    markSeeded: async () => {
      await db.raw('CREATE TABLE IF NOT EXISTS bench_seed (fingerprint text NOT NULL)');
      await db.raw('DELETE FROM bench_seed');
      await db.raw('INSERT INTO bench_seed (fingerprint) VALUES (?)', [fingerprint]);
    },
    drop: async () => {
      await db.destroy();
      await stopEmbedded?.();
    },
  };
}

async function seededWith(url: string, fingerprint: string): Promise<boolean> {
  if (!(await acceptsConnection(url))) return false;
  return withClient(url, async (client) => {
    const { rows } = await client
      .query<{ fingerprint: string }>('SELECT fingerprint FROM bench_seed')
      .catch(() => ({ rows: [] as { fingerprint: string }[] }));
    return rows[0]?.fingerprint === fingerprint;
  });
}

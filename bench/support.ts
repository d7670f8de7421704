/** What the benchmarks share: a scratch Postgres database and the project root. */
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { startEmbeddedPostgres } from '../db/embeddedPostgres';
import { createKnex, type Knex } from '../db/knex';
import { migrateLatest } from '../db/migrate';

export function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

async function accepts(url: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2000 });
  try {
    await client.connect();
    await client.end();
    return true;
  } catch {
    return false;
  }
}

/** A fresh, migrated database on DATABASE_URL's server, the local server, or an embedded one. */
export async function benchDatabase(): Promise<{ db: Knex; url: string; drop(): Promise<void> }> {
  let adminUrl = process.env.DATABASE_URL;
  let stopEmbedded: (() => Promise<void>) | undefined;
  if (!adminUrl) {
    const local = 'postgres://postgres@127.0.0.1:5432/postgres';
    if (await accepts(local)) adminUrl = local;
    else {
      const dataDir = path.join(os.tmpdir(), `socialops-bench-pg-${process.pid}`, 'data');
      const server = await startEmbeddedPostgres({ dataDir, persistent: false });
      adminUrl = server.adminUrl;
      stopEmbedded = server.stop;
    }
  }
  const name = `socialops_bench_${Date.now()}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE "${name}"`);
  await admin.end();
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  const db = createKnex(url.toString(), { poolMax: 10 });
  await migrateLatest(db);
  return {
    db,
    url: url.toString(),
    drop: async () => {
      await db.destroy();
      const client = new pg.Client({ connectionString: adminUrl });
      await client.connect();
      await client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      await client.end();
      await stopEmbedded?.();
    },
  };
}

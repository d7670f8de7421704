/** What the benchmarks share: a scratch Postgres database and percentiles. */
import os from 'node:os';
import path from 'node:path';
import { startEmbeddedPostgres } from '../db/embeddedPostgres';
import { createKnex, type Knex } from '../db/knex';
import { migrateLatest } from '../db/migrate';
import { acceptsConnection, createScratchDatabase } from '../test/helpers/scratchDatabases';

export function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

/** A fresh, migrated database on DATABASE_URL's server, the local server, or an embedded one. */
export async function benchDatabase(): Promise<{ db: Knex; url: string; drop(): Promise<void> }> {
  let adminUrl = process.env.DATABASE_URL;
  let stopEmbedded: (() => Promise<void>) | undefined;
  if (!adminUrl) {
    const local = 'postgres://postgres@127.0.0.1:5432/postgres';
    if (await acceptsConnection(local)) adminUrl = local;
    else {
      const dataDir = path.join(os.tmpdir(), `socialops-bench-pg-${process.pid}`, 'data');
      const server = await startEmbeddedPostgres({ dataDir, persistent: false });
      adminUrl = server.adminUrl;
      stopEmbedded = server.stop;
    }
  }
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

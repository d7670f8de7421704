import fs from 'node:fs';
import path from 'node:path';
import knex, { type Knex } from 'knex';
import pg from 'pg';

// bigint columns (metric offsets, counts) hold values well inside Number's safe range.
pg.types.setTypeParser(pg.types.builtins.INT8, (value: string) => Number(value));

const MIGRATIONS_DIRECTORY = path.join(__dirname, 'migrations');
/** Source (.ts) under ts-jest and tsx, compiled JavaScript (.js) under dist/: whatever this module was loaded as. */
const MIGRATION_EXTENSION = path.extname(__filename) === '.ts' ? '.ts' : '.js';

/**
 * Migrations are recorded by name without their extension, so a database migrated from source
 * stays current for the compiled build and the other way round.
 */
const migrationSource: Knex.MigrationSource<string> = {
  getMigrations: async () =>
    fs
      .readdirSync(MIGRATIONS_DIRECTORY)
      .filter((file) => file.endsWith(MIGRATION_EXTENSION) && !file.endsWith('.d.ts'))
      .sort(),
  getMigrationName: (file) => path.basename(file, MIGRATION_EXTENSION),
  getMigration: async (file) => (await import(path.join(MIGRATIONS_DIRECTORY, file))) as Knex.Migration,
};

export const migrationConfig: Knex.MigratorConfig = {
  migrationSource,
  tableName: 'knex_migrations',
};

export function createKnex(databaseUrl: string, options: { poolMax?: number } = {}): Knex {
  return knex({
    client: 'pg',
    connection: databaseUrl,
    pool: { min: 0, max: options.poolMax ?? 10 },
    migrations: migrationConfig,
  });
}

export type { Knex };

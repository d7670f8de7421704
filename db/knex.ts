import path from 'node:path';
import knex, { type Knex } from 'knex';
import pg from 'pg';

// bigint columns (metric offsets) hold milliseconds well inside Number's safe range.
pg.types.setTypeParser(pg.types.builtins.INT8, (value: string) => Number(value));

/**
 * Migrations are loaded from source (.ts) under ts-jest and tsx, and from compiled
 * JavaScript (.js) under dist/, whichever this module itself was loaded as.
 */
export const migrationConfig: Knex.MigratorConfig = {
  directory: path.join(__dirname, 'migrations'),
  loadExtensions: [path.extname(__filename) === '.ts' ? '.ts' : '.js'],
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

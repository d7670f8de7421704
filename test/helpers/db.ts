import { readRecordedDatabaseUrl } from '../setup/database';

/** The database global setup created for this test run. */
export function testDatabaseUrl(): string {
  const url = process.env.DATABASE_URL ?? readRecordedDatabaseUrl();
  if (!url) throw new Error('No test database: jest global setup (test/setup/database.ts) did not run');
  return url;
}

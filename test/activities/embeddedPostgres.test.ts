/**
 * `npm start` without DATABASE_URL runs an embedded PostgreSQL. Run as root it must still come up
 * when its data directory sits under a private folder (a checkout in /root or a mktemp directory).
 */
import { execFileSync } from 'node:child_process';
import path from 'node:path';

it('starts with its data under a private directory and answers queries', () => {
  const output = execFileSync(
    process.execPath,
    ['--require', 'tsx/cjs', path.join(__dirname, 'embeddedPostgresProbe.ts')],
    {
      encoding: 'utf8',
      timeout: 60_000,
    },
  );
  expect(JSON.parse(output)).toEqual([{ answer: 42 }]);
});

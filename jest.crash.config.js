/**
 * The crash test of `npm start` under load (`npm run test:crash`): the product project's settings,
 * with only the `*.crash.ts` suites. It kills and restarts the whole system several times and runs
 * for minutes, so it is run on its own rather than with `npm test`.
 * @type {import('jest').Config}
 */
const base = require('./jest.config.js');

const product = base.projects[0];

module.exports = {
  ...product,
  displayName: 'crash',
  testMatch: ['**/*.crash.ts'],
  testTimeout: 600_000,
  maxWorkers: 1,
};

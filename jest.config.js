/**
 * Two projects: the product's suites, which share one Postgres started by globalSetup, and the
 * offline Temporal server's own suite, which needs no database. Product tests load the server from
 * its TypeScript sources, so no build is needed before `npm test`.
 * @type {import('jest').Config}
 */
module.exports = {
  projects: [
    {
      displayName: 'socialops',
      testEnvironment: 'node',
      roots: ['<rootDir>/test'],
      testMatch: ['**/*.test.ts'],
      transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: '<rootDir>/tsconfig.json' }] },
      moduleNameMapper: {
        '^@socialops/temporal-devserver$': '<rootDir>/packages/temporal-devserver/src/index.ts',
        '^@socialops/temporal-devserver/(testing|cli)$': '<rootDir>/packages/temporal-devserver/src/$1.ts',
      },
      globalSetup: '<rootDir>/test/setup/globalSetup.ts',
      globalTeardown: '<rootDir>/test/setup/globalTeardown.ts',
    },
    '<rootDir>/packages/temporal-devserver',
  ],
  testTimeout: 60_000,
  maxWorkers: 2,
};

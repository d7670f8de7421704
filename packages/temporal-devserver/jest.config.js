/** @type {import('jest').Config} */
module.exports = {
  displayName: 'temporal-devserver',
  testEnvironment: 'node',
  rootDir: __dirname,
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: '<rootDir>/tsconfig.json' }] },
  globalSetup: '<rootDir>/test/warmUp.ts',
  testTimeout: 60_000,
};

// @ts-check
const { builtinModules } = require('node:module');
const { defineConfig } = require('eslint/config');
const js = require('@eslint/js');
const tseslint = require('typescript-eslint');

/**
 * Layer boundaries (DESIGN.md, Layout): imports point one way, domain ← workflows, activities, db,
 * api. Each product folder lists the folders it may not reach; a relative import that climbs into
 * one of them is an error. The offline Temporal server is a tool the product is started with, not
 * part of it: only the all-in-one start-up, bin/, bench/ and tests may import it.
 */
const leavesFor = (/** @type {string[]} */ folders) => `^(\\.\\./)+(${folders.join('|')})(/|$)`;
const offlineServerImports = [
  {
    regex: leavesFor(['devserver', 'packages/temporal-devserver']),
    message: 'Product code does not depend on the offline Temporal server; only worker/allInOne.ts starts it.',
  },
  {
    group: ['@socialops/temporal-devserver', '@socialops/temporal-devserver/*'],
    message: 'Product code does not depend on the offline Temporal server; only worker/allInOne.ts starts it.',
  },
];
const domainImportRules = {
  patterns: [
    {
      regex: leavesFor(['workflows', 'activities', 'db', 'api', 'worker', 'config', 'bench', 'bin', 'test']),
      message: 'domain/ holds pure rules and types: it imports only itself and pure libraries.',
    },
    ...offlineServerImports,
  ],
};
const dbImportRules = {
  patterns: [
    {
      regex: leavesFor(['workflows', 'activities', 'api', 'worker']),
      message: 'db/ knows no workflow, activity or HTTP: it imports domain/ only (move shared rules and types there).',
    },
    ...offlineServerImports,
  ],
};
const activityImportRules = {
  patterns: [
    {
      regex: leavesFor(['api', 'worker']),
      message: 'Activities are wired by the worker and never call the API: import db/ and domain/ only.',
    },
    {
      regex: leavesFor(['workflows']),
      allowTypeImports: true,
      message: 'Activities do not run workflow code; take shared types from domain/ (or `import type` a message).',
    },
    ...offlineServerImports,
  ],
};
/**
 * The API talks to workflows through their message definitions and search attribute keys only.
 * One exception, on purpose: the reconciler reads the platforms' ledgers when a post's workflow is
 * gone, so api/ may use the connectors (activities/connectors/), never the activities themselves.
 */
const apiImportRules = {
  patterns: [
    {
      regex:
        '^(\\.\\./)+workflows/(?!(messages|brand/messages|thread/messages|crisis/messages|campaign/messages|post/searchAttributes)$)',
      message:
        'api/ reaches workflows through their messages (workflows/messages, workflows/brand/messages, workflows/thread/messages, workflows/crisis/messages, workflows/campaign/messages) and search attribute keys only.',
    },
    {
      regex: '^(\\.\\./)+activities(/(?!connectors/)|$)',
      message: 'api/ does not import activities; only the connectors, for the reconciler (see eslint.config.js).',
    },
    { regex: leavesFor(['worker']), message: 'api/ is its own process: it does not import worker wiring.' },
    ...offlineServerImports,
  ],
};
/** Workflow code also stays clear of everything with side effects besides its activities. */
const workflowLayerPatterns = [
  {
    regex: leavesFor(['db', 'api', 'worker', 'config']),
    message: 'Workflow code reaches Postgres, the API and configuration only through activities.',
  },
  ...offlineServerImports,
];

/**
 * Workflow code runs in Temporal's deterministic sandbox and is bundled on its own: a Node
 * builtin or a client/worker package there either breaks replay or drags the whole server side
 * into the bundle. Activities may only be imported for their types (`proxyActivities<typeof …>`).
 */
const nodeBuiltins = builtinModules.filter((name) => !name.startsWith('_'));
const workflowImportRules = {
  paths: nodeBuiltins.map((name) => ({
    name,
    message: 'Workflow code is deterministic: Node builtins are not available in the workflow sandbox.',
  })),
  patterns: [
    {
      group: ['node:*'],
      message: 'Workflow code is deterministic: Node builtins are not available in the workflow sandbox.',
    },
    {
      group: ['@temporalio/client', '@temporalio/worker', '@temporalio/activity', '@temporalio/testing'].flatMap(
        (name) => [name, `${name}/*`],
      ),
      allowTypeImports: true,
      message:
        'Workflow code may import only @temporalio/workflow (and @temporalio/common); use `import type` for anything else.',
    },
    {
      group: ['**/activities', '**/activities/*', '**/activities/**'],
      allowTypeImports: true,
      message: 'Workflows call activities through proxyActivities; import them with `import type` only.',
    },
    ...workflowLayerPatterns,
  ],
};

/**
 * The offline Temporal server is a package of its own: the product may start it (the embedded
 * start-up) and test on it, but never reach into its modules, so that the server can be reworked
 * without touching the product, and production code never depends on it.
 */
const DEVSERVER = '@socialops/temporal-devserver';
const devserverInternals = {
  group: [`${DEVSERVER}/*`, `!${DEVSERVER}/testing`, `!${DEVSERVER}/cli`, '**/packages/temporal-devserver/**'],
  message: `Import the offline server by its package name (${DEVSERVER} or ${DEVSERVER}/testing), never its modules.`,
};
const devserverOutsideStartUpAndTests = {
  group: [DEVSERVER, `${DEVSERVER}/*`],
  message: 'Only the embedded start-up (worker/allInOne.ts), tests and benchmarks may use the offline Temporal server.',
};
workflowImportRules.patterns.push(devserverInternals, devserverOutsideStartUpAndTests);

const commonJsGlobals = {
  require: 'readonly',
  module: 'writable',
  exports: 'writable',
  __dirname: 'readonly',
  __filename: 'readonly',
  process: 'readonly',
  console: 'readonly',
  fetch: 'readonly',
  AbortSignal: 'readonly',
};

module.exports = defineConfig(
  // Temporal UI's app is a SvelteKit package with its own tooling; its build output is checked in.
  { ignores: ['dist/', 'node_modules/', 'coverage/', '.data/', 'packages/*/dist/', 'packages/temporal-ui/'] },
  js.configs.recommended,
  tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: __dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      // Activities, update handlers and express handlers are async by contract even when their
      // body happens not to await anything.
      '@typescript-eslint/require-await': 'off',
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrorsIgnorePattern: '^_' },
      ],
    },
  },
  {
    files: ['**/*.ts'],
    ignores: ['packages/**'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        { patterns: [devserverInternals, devserverOutsideStartUpAndTests] },
      ],
    },
  },
  {
    files: ['worker/allInOne.ts', 'test/**/*.ts', 'bench/**/*.ts'],
    rules: { '@typescript-eslint/no-restricted-imports': ['error', { patterns: [devserverInternals] }] },
  },
  {
    files: ['workflows/**/*.ts'],
    rules: {
      'no-restricted-imports': 'off',
      '@typescript-eslint/no-restricted-imports': ['error', workflowImportRules],
    },
  },
  // Layer boundaries, one block per product folder (see the rules above).
  {
    files: ['domain/**/*.ts'],
    rules: { '@typescript-eslint/no-restricted-imports': ['error', domainImportRules] },
  },
  {
    files: ['db/**/*.ts'],
    rules: { '@typescript-eslint/no-restricted-imports': ['error', dbImportRules] },
  },
  {
    files: ['activities/**/*.ts'],
    rules: { '@typescript-eslint/no-restricted-imports': ['error', activityImportRules] },
  },
  {
    files: ['api/**/*.ts'],
    rules: { '@typescript-eslint/no-restricted-imports': ['error', apiImportRules] },
  },
  {
    files: ['config/**/*.ts', 'worker/**/*.ts'],
    ignores: ['worker/allInOne.ts'],
    rules: { '@typescript-eslint/no-restricted-imports': ['error', { patterns: offlineServerImports }] },
  },
  {
    // Assertions on loosely typed JSON responses and jest's mock objects are the point of a
    // test; the unsafe-any family would only add casts there.
    files: ['test/**/*.ts', 'bench/**/*.ts', 'packages/*/test/**/*.ts'],
    rules: {
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      '@typescript-eslint/unbound-method': 'off',
    },
  },
  {
    files: ['**/*.js', '**/*.cjs'],
    extends: [tseslint.configs.disableTypeChecked],
    languageOptions: { sourceType: 'commonjs', globals: commonJsGlobals },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
);

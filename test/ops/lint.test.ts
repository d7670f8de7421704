/**
 * The lint rules that keep workflow code replay-safe and the layers' imports pointing one way,
 * proven on a scratch project linted with the repository's own eslint.config.js (the real tree is
 * not touched).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFileSync } from 'node:child_process';

const repoRoot = path.resolve(__dirname, '../..');

interface Finding {
  file: string;
  line: number;
  rule: string | null;
}

let scratch: string;
let findings: Finding[];

function write(relative: string, text: string): void {
  const file = path.join(scratch, relative);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, text);
}

function findingsIn(file: string): Array<{ line: number; rule: string | null }> {
  return findings.filter((f) => f.file === file).map(({ line, rule }) => ({ line, rule }));
}

/** A module of the scratch project that the boundary files import from. */
function writeModule(relative: string): void {
  write(relative, `export interface Shape {\n  name: string;\n}\nexport const value = 1;\n`);
}

/** One import per line, so each finding's line says which import it was. */
function writeImports(relative: string, sources: string[]): void {
  write(relative, sources.map((source) => `import '${source}';`).join('\n') + '\n');
}

const restricted = (lines: number[]): Array<{ line: number; rule: string }> =>
  lines.map((line) => ({ line, rule: '@typescript-eslint/no-restricted-imports' }));

beforeAll(() => {
  scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'socialops-lint-'));
  fs.symlinkSync(path.join(repoRoot, 'node_modules'), path.join(scratch, 'node_modules'), 'dir');
  write(
    'tsconfig.json',
    JSON.stringify({
      compilerOptions: {
        strict: true,
        module: 'commonjs',
        moduleResolution: 'node',
        target: 'ES2022',
        types: ['node'],
      },
      include: ['workflows', 'activities', 'domain', 'db', 'api', 'worker', 'config', 'devserver'],
    }),
  );
  write('activities/publishing.ts', 'export async function publishVariant(): Promise<string> {\n  return "ok";\n}\n');
  write(
    'workflows/forbidden.ts',
    [
      "import { createHash } from 'crypto';", // 1
      "import { readFile } from 'node:fs/promises';", // 2
      "import { Client } from '@temporalio/client';", // 3
      "import { Worker } from '@temporalio/worker';", // 4
      "import { Context } from '@temporalio/activity';", // 5
      "import { TestWorkflowEnvironment } from '@temporalio/testing';", // 6
      "import { publishVariant } from '../activities/publishing';", // 7
      'export const used = [createHash, readFile, Client, Worker, Context, TestWorkflowEnvironment, publishVariant];',
      '',
    ].join('\n'),
  );
  write(
    'workflows/allowed.ts',
    [
      "import { proxyActivities, sleep } from '@temporalio/workflow';",
      "import type { WorkflowHandle } from '@temporalio/client';",
      "import type * as publishing from '../activities/publishing';",
      '',
      "const { publishVariant } = proxyActivities<typeof publishing>({ startToCloseTimeout: '1 minute' });",
      'export type Handle = WorkflowHandle;',
      'export async function publishLater(): Promise<string> {',
      "  await sleep('1 hour');",
      '  return publishVariant();',
      '}',
      '',
    ].join('\n'),
  );
  write(
    'activities/floating.ts',
    [
      "import { readFile } from 'node:fs/promises';",
      'export function startReading(): void {',
      "  readFile('/etc/hostname');", // 3
      '}',
      'export function startReadingOnPurpose(): void {',
      "  void readFile('/etc/hostname');",
      '}',
      '',
    ].join('\n'),
  );

  for (const module of [
    'domain/types.ts',
    'db/posts.ts',
    'api/app.ts',
    'activities/contract.ts',
    'activities/connectors/types.ts',
    'worker/createWorker.ts',
    'config/index.ts',
    'devserver/server.ts',
    'workflows/messages.ts',
    'workflows/brand/messages.ts',
    'workflows/post/run.ts',
    'workflows/post/searchAttributes.ts',
  ]) {
    writeModule(module);
  }
  writeImports('domain/leaves.ts', [
    '../workflows/messages', // 1
    '../activities/contract', // 2
    '../db/posts', // 3
    '../api/app', // 4
    '../worker/createWorker', // 5
    '../config', // 6
    '../devserver/server', // 7
    './types',
    'luxon',
  ]);
  write(
    'domain/typesOnly.ts',
    "import type { Shape } from '../workflows/messages';\nexport type Named = Shape;\n", // 1
  );
  writeImports('db/leaves.ts', [
    '../workflows/messages', // 1
    '../activities/contract', // 2
    '../api/app', // 3
    '../worker/createWorker', // 4
    '../devserver/server', // 5
    '../packages/temporal-devserver/server', // 6
    '@socialops/temporal-devserver', // 7
    '../domain/types',
    './posts',
  ]);
  writeImports('activities/leaves.ts', [
    '../api/app', // 1
    '../worker/createWorker', // 2
    '../workflows/messages', // 3
    '../devserver/server', // 4
    '../db/posts',
    '../domain/types',
    './contract',
  ]);
  write(
    'activities/connectors/messageTypes.ts',
    "import type { Shape } from '../../workflows/messages';\nexport type Message = Shape;\n",
  );
  writeImports('api/leaves.ts', [
    '../workflows/post/run', // 1
    '../activities/contract', // 2
    '../worker/createWorker', // 3
    '../devserver/server', // 4
    '@socialops/temporal-devserver/testing', // 5
    '../workflows/messages',
    '../workflows/brand/messages',
    '../workflows/post/searchAttributes',
    '../activities/connectors/types',
    '../db/posts',
    '../domain/types',
    '../config',
  ]);
  writeImports('api/routes/nested.ts', [
    '../../workflows/post/run', // 1
    '../../activities', // 2
    '../../workflows/messages',
    '../../activities/connectors/types',
  ]);
  writeImports('workflows/post/leaves.ts', [
    '../../db/posts', // 1
    '../../api/app', // 2
    '../../worker/createWorker', // 3
    '../../config', // 4
    '../../devserver/server', // 5
    '../../domain/types',
    '../messages',
  ]);
  writeImports('worker/main.ts', ['../devserver/server', './createWorker', '../activities/contract']);
  writeImports('config/startup.ts', ['@socialops/temporal-devserver']);
  writeImports('worker/allInOne.ts', ['../devserver/server', '@socialops/temporal-devserver', './createWorker']);

  // ESLint loads its config through a dynamic import, which jest's module sandbox refuses, so
  // the linter runs as its own process and reports JSON.
  const eslintBin = path.join(repoRoot, 'node_modules', 'eslint', 'bin', 'eslint.js');
  const configFile = path.join(repoRoot, 'eslint.config.js');
  let output: string;
  try {
    output = execFileSync(process.execPath, [eslintBin, '--config', configFile, '--format', 'json', '.'], {
      cwd: scratch,
      encoding: 'utf8',
    });
  } catch (error) {
    // Exit status 1 means "problems found", which is what most files here are written to cause.
    const failed = error as { status?: number; stdout?: string; stderr?: string };
    if (failed.status !== 1 || failed.stdout === undefined) throw new Error(`eslint failed: ${failed.stderr ?? ''}`);
    output = failed.stdout;
  }
  const results = JSON.parse(output) as Array<{
    filePath: string;
    messages: Array<{ line: number; ruleId: string | null }>;
  }>;
  findings = results.flatMap((result) =>
    result.messages.map((message) => ({
      file: path.relative(scratch, result.filePath),
      line: message.line,
      rule: message.ruleId,
    })),
  );
}, 120_000);

afterAll(() => {
  fs.rmSync(scratch, { recursive: true, force: true });
});

describe('eslint.config.js', () => {
  it('refuses Node builtins, non-workflow Temporal packages and value imports of activities in workflow code', () => {
    expect(findingsIn('workflows/forbidden.ts')).toEqual(
      [1, 2, 3, 4, 5, 6, 7].map((line) => ({ line, rule: '@typescript-eslint/no-restricted-imports' })),
    );
  });

  it('lets workflow code use @temporalio/workflow and type-only imports of activities and the client', () => {
    expect(findingsIn('workflows/allowed.ts')).toEqual([]);
  });

  it('allows Node builtins outside workflow code but reports a floating promise', () => {
    expect(findingsIn('activities/floating.ts')).toEqual([
      { line: 3, rule: '@typescript-eslint/no-floating-promises' },
    ]);
  });

  it('accepts an async activity that has nothing to await, since activities return promises by contract', () => {
    expect(findingsIn('activities/publishing.ts')).toEqual([]);
  });

  it('keeps domain/ free of every other part of the product, type imports included', () => {
    expect(findingsIn('domain/leaves.ts')).toEqual(restricted([1, 2, 3, 4, 5, 6, 7]));
    expect(findingsIn('domain/typesOnly.ts')).toEqual(restricted([1]));
  });

  it('lets db/ import domain/ only, never workflows, activities, the API, the worker or the offline server', () => {
    expect(findingsIn('db/leaves.ts')).toEqual(restricted([1, 2, 3, 4, 5, 6, 7]));
  });

  it('keeps activities away from the API, the worker and workflow values, allowing a type-only message import', () => {
    expect(findingsIn('activities/leaves.ts')).toEqual(restricted([1, 2, 3, 4]));
    expect(findingsIn('activities/connectors/messageTypes.ts')).toEqual([]);
  });

  it('lets the API use message definitions, search attribute keys and connectors but no other workflow or activity code', () => {
    expect(findingsIn('api/leaves.ts')).toEqual(restricted([1, 2, 3, 4, 5]));
    expect(findingsIn('api/routes/nested.ts')).toEqual(restricted([1, 2]));
  });

  it('keeps workflow code away from Postgres, the API, the worker, configuration and the offline server', () => {
    expect(findingsIn('workflows/post/leaves.ts')).toEqual(restricted([1, 2, 3, 4, 5]));
  });

  it('lets only the all-in-one start-up import the offline Temporal server', () => {
    expect(findingsIn('worker/main.ts')).toEqual(restricted([1]));
    expect(findingsIn('config/startup.ts')).toEqual(restricted([1]));
    expect(findingsIn('worker/allInOne.ts')).toEqual([]);
  });
});

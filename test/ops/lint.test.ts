/**
 * The lint rules that keep workflow code replay-safe, proven on a scratch project linted with the
 * repository's own eslint.config.js (the real tree is not touched).
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
      include: ['workflows', 'activities'],
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
});

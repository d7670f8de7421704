import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

// The build script is plain JavaScript: it runs before anything is compiled.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { buildInputs, sourceFingerprint } = require('../../bin/build-stamp.js') as {
  buildInputs(root: string): string[];
  sourceFingerprint(root: string): string;
};

let root: string;

function write(relative: string, text: string): void {
  fs.mkdirSync(path.dirname(path.join(root, relative)), { recursive: true });
  fs.writeFileSync(path.join(root, relative), text);
}

beforeEach(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'socialops-stamp-'));
  write('api/main.ts', 'export const a = 1;\n');
  write('tsconfig.json', '{}\n');
  write('package-lock.json', '{}\n');
  write('test/api/x.test.ts', 'it("x", () => undefined);\n');
  write('dist/api/main.js', 'exports.a = 1;\n');
  write('node_modules/pkg/index.d.ts', 'export {};\n');
  write('.data/demo-keys.json', '{}\n');
  write('README.md', '# readme\n');
});

afterEach(() => {
  fs.rmSync(root, { recursive: true, force: true });
});

it("reads the sources, configuration and lock file, not the tests, the build's output, dependencies or data", () => {
  expect(buildInputs(root)).toEqual(['api/main.ts', 'package-lock.json', 'tsconfig.json']);
});

it('changes when a source changes, is added or is renamed', () => {
  const before = sourceFingerprint(root);
  expect(sourceFingerprint(root)).toBe(before);
  write('api/main.ts', 'export const a = 2;\n');
  const edited = sourceFingerprint(root);
  expect(edited).not.toBe(before);
  write('worker/new.ts', 'export {};\n');
  const added = sourceFingerprint(root);
  expect(added).not.toBe(edited);
  fs.renameSync(path.join(root, 'worker/new.ts'), path.join(root, 'worker/renamed.ts'));
  expect(sourceFingerprint(root)).not.toBe(added);
});

it('stays the same when only tests, the output, the data or the docs change', () => {
  const before = sourceFingerprint(root);
  write('test/api/x.test.ts', 'it("y", () => undefined);\n');
  write('dist/api/main.js', 'exports.a = 2;\n');
  write('.data/demo-keys.json', '{"users":{}}\n');
  write('README.md', '# changed\n');
  expect(sourceFingerprint(root)).toBe(before);
});

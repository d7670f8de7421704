/**
 * The built Temporal UI is checked in (packages/temporal-ui/build, rebuilt by `npm run build:ui`):
 * it must be the build of the pinned @temporalio/ui, complete, and ship its licence notices.
 */
import fs from 'node:fs';
import path from 'node:path';
import { findBuiltUi } from '../../worker/temporalUi';
import { UI_BUILD_DIR } from './uiStack';

const uiPackageDir = path.dirname(UI_BUILD_DIR);
const readJson = (file: string): Record<string, Record<string, string> | string> =>
  JSON.parse(fs.readFileSync(file, 'utf8'));

it('holds the build of the @temporalio/ui version the package pins, which is the one installed', () => {
  const pinned = (readJson(path.join(uiPackageDir, 'package.json')).devDependencies as Record<string, string>)[
    '@temporalio/ui'
  ];
  expect(pinned).toMatch(/^\d+\.\d+\.\d+$/);
  expect(readJson(path.join(UI_BUILD_DIR, 'build-info.json'))['@temporalio/ui']).toBe(pinned);
  const lock = readJson(path.resolve(uiPackageDir, '..', '..', 'package-lock.json')) as unknown as {
    packages: Record<string, { version: string }>;
  };
  expect(lock.packages['node_modules/@temporalio/ui'].version).toBe(pinned);
});

it('has every script and stylesheet its index.html loads', () => {
  const index = fs.readFileSync(path.join(UI_BUILD_DIR, 'index.html'), 'utf8');
  const referenced = [...index.matchAll(/(?:href=|src=|import\()["'](\/_app\/[^"']+)["']/g)].map((m) => m[1]);
  expect(referenced.length).toBeGreaterThan(1);
  for (const asset of referenced) expect(fs.existsSync(path.join(UI_BUILD_DIR, asset))).toBe(true);
});

it('ships the licence notices of what it bundles: MIT code and OFL fonts', () => {
  const notices = fs.readFileSync(path.join(UI_BUILD_DIR, 'LICENSES.txt'), 'utf8');
  const headings = [...notices.matchAll(/^(\S+)@(\S+) \((\S+)\)$/gm)].map((m) => ({ name: m[1], licence: m[3] }));
  expect(headings).toEqual(
    expect.arrayContaining([
      { name: '@temporalio/ui', licence: 'MIT' },
      { name: 'svelte', licence: 'MIT' },
      { name: '@fontsource-variable/inter', licence: 'OFL-1.1' },
      { name: '@fontsource/noto-sans-mono', licence: 'OFL-1.1' },
    ]),
  );
  expect(notices).toContain('Copyright (c) 2022 Temporal Technologies Inc.');
  expect(notices).toContain('SIL OPEN FONT LICENSE');
});

it('is what npm start serves, announcing the version it bundles to the UI', () => {
  const built = findBuiltUi();
  expect(built?.assetsDir).toBe(UI_BUILD_DIR);
  expect(built?.version).toBe(readJson(path.join(UI_BUILD_DIR, 'build-info.json'))['@temporalio/ui']);
});

/**
 * Before the suites: builds the package when its dist/ is out of date, so that every test server
 * the suites start runs from the build (the SDK gives a test server 5 s to come up, which
 * compiling the sources on the fly can exceed on a busy machine), then starts it once so that its
 * modules are in the file cache.
 */
import { execFileSync, spawn } from 'node:child_process';
import * as path from 'node:path';
import { DEVSERVER_EXECUTABLE } from '../src/testing';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { builtIsFresh } = require('../bin/build-state') as { builtIsFresh: () => boolean };

const packageRoot = path.join(__dirname, '..');

export default async function warmUp(): Promise<void> {
  if (!builtIsFresh()) {
    execFileSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', 'tsconfig.build.json'], {
      cwd: packageRoot,
      stdio: 'inherit',
    });
  }
  const server = spawn(process.execPath, [DEVSERVER_EXECUTABLE, '0'], { stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise<void>((resolve, reject) => {
    server.stdout.once('data', () => resolve());
    server.once('error', reject);
    server.once('exit', (code) => reject(new Error(`temporal-devserver exited with ${code} while warming up`)));
  });
  const exited = new Promise((resolve) => server.once('exit', resolve));
  server.kill('SIGTERM');
  await exited;
}

/**
 * Starts the server's executable once before the suites do: the first start compiles its sources
 * (tsx caches them), which on a fresh checkout of a busy machine can exceed the 5 s the SDK gives
 * a test server to come up.
 */
import { spawn } from 'node:child_process';
import { DEVSERVER_EXECUTABLE } from '../src/testing';

export default async function warmUp(): Promise<void> {
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

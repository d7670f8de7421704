/**
 * A PostgreSQL server found running on `npm start`'s data directory is stopped only when it is a
 * leftover (the process that started it was killed), never when another live process runs it.
 * A stand-in server (a script named `postgres`) plays the server; Linux's /proc tells who owns it.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { isLivePostgres, stopLeftoverPostmaster } from '../../db/postmasterLock';

let dir: string;
let dataDir: string;
let server: string;
const started: number[] = [];

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'postmaster-lock-'));
  dataDir = path.join(dir, 'data');
  fs.mkdirSync(dataDir);
  server = path.join(dir, 'postgres');
  // Stops on SIGINT as PostgreSQL's fast shutdown does.
  fs.writeFileSync(server, "#!/bin/sh\ntrap 'exit 0' INT\nsleep 60 &\nwait\n", { mode: 0o755 });
});

afterAll(() => {
  for (const pid of started) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  fs.rmSync(dir, { recursive: true, force: true });
});

function holdLock(pid: number): void {
  started.push(pid);
  fs.writeFileSync(path.join(dataDir, 'postmaster.pid'), `${pid}\n${dataDir}\n`);
}

async function live(pid: number): Promise<boolean> {
  // The stand-in needs a moment to have exec'd the script (its name is what /proc shows).
  for (let i = 0; i < 50 && !isLivePostgres(pid); i += 1) await new Promise((resolve) => setTimeout(resolve, 20));
  return isLivePostgres(pid);
}

it('refuses to stop a server that a live process runs, and leaves it running', async () => {
  const child: ChildProcess = spawn(server, ['-D', dataDir], { stdio: 'ignore' });
  holdLock(child.pid!);
  expect(await live(child.pid!)).toBe(true);
  await expect(stopLeftoverPostmaster(dataDir)).rejects.toThrow(/another process \(pid \d+\) is running PostgreSQL/);
  expect(isLivePostgres(child.pid!)).toBe(true);
  child.kill('SIGKILL');
});

it('stops a server whose starter was killed', async () => {
  // A starter that launches the server on its own and exits at once, as a killed `npm start` would leave it.
  const launched = spawnSync(
    process.execPath,
    [
      '-e',
      `const c = require('child_process').spawn(${JSON.stringify(server)}, ['-D', ${JSON.stringify(dataDir)}], { detached: true, stdio: 'ignore' }); c.unref(); console.log(c.pid);`,
    ],
    { encoding: 'utf8' },
  );
  const pid = Number(launched.stdout.trim());
  holdLock(pid);
  expect(await live(pid)).toBe(true);
  expect(await stopLeftoverPostmaster(dataDir)).toBe(pid);
  expect(isLivePostgres(pid)).toBe(false);
});

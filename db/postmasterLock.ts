/**
 * A PostgreSQL server outlives the process that started it when that process is killed without
 * a chance to stop it (SIGKILL, OOM). Its lock file in the data directory then keeps every later
 * start from using that directory. These helpers find such a server and stop it.
 */
import fs from 'node:fs';
import path from 'node:path';

const FAST_SHUTDOWN_MS = 30_000;
const IMMEDIATE_SHUTDOWN_MS = 10_000;
const POLL_MS = 100;

/** The postmaster's pid from `postmaster.pid`, or undefined when there is no readable lock file. */
export function lockHolderPid(dataDir: string): number | undefined {
  let content: string;
  try {
    content = fs.readFileSync(path.join(dataDir, 'postmaster.pid'), 'utf8');
  } catch {
    return undefined;
  }
  const pid = Number(content.split('\n')[0]?.trim());
  return Number.isSafeInteger(pid) && pid > 0 ? pid : undefined;
}

/**
 * Whether `pid` is a live PostgreSQL process. A zombie counts as gone: an orphaned server is
 * reparented to whatever runs as pid 1, which in a container may never reap it. Where /proc is
 * missing, any live process holding the pid is taken for the server.
 */
export function isLivePostgres(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  let stat: string;
  try {
    stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return !fs.existsSync('/proc/self/stat');
  }
  // The command name sits in parentheses and may itself contain spaces or parentheses.
  const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
  if (state === 'Z' || state === 'X') return false;
  const command = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
  return command.startsWith('postgres');
}

/**
 * Whether the process was started on `dataDir`, so that a pid the system has since handed to
 * another PostgreSQL server is never stopped. Where /proc is missing, the lock file is trusted.
 */
function runsOn(pid: number, dataDir: string): boolean {
  try {
    return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').includes(dataDir);
  } catch {
    return !fs.existsSync('/proc/self/cmdline');
  }
}

/** The parent pid and command name from /proc, or undefined where it cannot be read. */
function procStat(pid: number): { ppid: number; command: string } | undefined {
  let stat: string;
  try {
    stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  const command = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
  const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
  return Number.isSafeInteger(ppid) ? { ppid, command } : undefined;
}

/**
 * The Node process that started the server (its parent, or a parent's parent when a helper such
 * as `su` stands between), when one still runs. A server whose starter was killed has been handed
 * to pid 1 (or a subreaper) and has none.
 */
function nodeAncestor(pid: number): number | undefined {
  let current = procStat(pid)?.ppid;
  for (let depth = 0; depth < 3 && current !== undefined && current > 1; depth += 1) {
    const stat = procStat(current);
    if (!stat) return undefined;
    if (stat.command === 'node') return current;
    current = stat.ppid;
  }
  return undefined;
}

async function exitedWithin(pid: number, ms: number): Promise<boolean> {
  const giveUpAt = Date.now() + ms;
  while (Date.now() < giveUpAt) {
    if (!isLivePostgres(pid)) return true;
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
  return !isLivePostgres(pid);
}

/**
 * Stops a server still running on `dataDir` (a fast shutdown, which rolls back open
 * transactions and checkpoints, then an immediate one if that hangs). Returns its pid, or
 * undefined when nothing was running. A lock file whose process is gone is left for PostgreSQL,
 * which removes a stale one itself.
 */
export async function stopLeftoverPostmaster(dataDir: string): Promise<number | undefined> {
  const pid = lockHolderPid(dataDir);
  if (pid === undefined || pid === process.pid || !isLivePostgres(pid) || !runsOn(pid, dataDir)) return undefined;
  const owner = nodeAncestor(pid);
  if (owner !== undefined) {
    // Not a leftover: a live process (another `npm start` on the same data) runs this server.
    throw new Error(
      `another process (pid ${owner}) is running PostgreSQL on ${dataDir}; stop it or use another DATA_DIR`,
    );
  }
  process.kill(pid, 'SIGINT');
  if (await exitedWithin(pid, FAST_SHUTDOWN_MS)) return pid;
  process.kill(pid, 'SIGQUIT');
  if (await exitedWithin(pid, IMMEDIATE_SHUTDOWN_MS)) return pid;
  throw new Error(
    `a PostgreSQL server (pid ${pid}) still runs on ${dataDir} and did not stop; stop it, then start again`,
  );
}

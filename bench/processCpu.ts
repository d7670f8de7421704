/**
 * CPU time of this process and of every process below it (read from /proc, so Linux only), to
 * say which process a benchmark phase spent its time in. Elsewhere there is nothing to read and
 * the figures are left out.
 */
import { readdirSync, readFileSync } from 'node:fs';

/** USER_HZ, the unit of /proc's CPU times: 100 on every Linux architecture Node runs on. */
const TICKS_PER_SECOND = 100;

interface Stat {
  pid: number;
  ppid: number;
  /** User and system CPU seconds since the process started. */
  seconds: number;
  command: string;
}

function statOf(pid: number): Stat | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name in parentheses may hold spaces; the fields after it do not.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const command = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean).join(' ');
    return {
      pid,
      ppid: Number(fields[1]),
      seconds: (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND,
      command,
    };
  } catch {
    return undefined;
  }
}

/** CPU seconds so far of this process and its descendants, by pid, with their command lines. */
export function processTreeCpu(): Map<number, Stat> {
  let pids: number[];
  try {
    pids = readdirSync('/proc')
      .filter((name) => /^\d+$/.test(name))
      .map(Number);
  } catch {
    return new Map();
  }
  const stats = pids.map(statOf).filter((stat): stat is Stat => stat !== undefined);
  const tree = new Map<number, Stat>();
  const self = stats.find((stat) => stat.pid === process.pid);
  if (!self) return tree;
  tree.set(self.pid, self);
  for (let grew = true; grew;) {
    grew = false;
    for (const stat of stats) {
      if (!tree.has(stat.pid) && tree.has(stat.ppid)) {
        tree.set(stat.pid, stat);
        grew = true;
      }
    }
  }
  return tree;
}

/** CPU seconds each process of the tree spent between two readings, named by `label`. */
export function cpuBetween(
  before: Map<number, Stat>,
  after: Map<number, Stat>,
  label: (stat: Stat) => string | undefined,
): Map<string, number> {
  const spent = new Map<string, number>();
  for (const [pid, stat] of after) {
    const name = label(stat);
    if (name === undefined) continue;
    spent.set(name, (spent.get(name) ?? 0) + stat.seconds - (before.get(pid)?.seconds ?? 0));
  }
  return spent;
}

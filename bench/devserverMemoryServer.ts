/**
 * The memory benchmark's offline server, in a process of its own so that its resident memory is
 * its own: started on the Postgres store it is given (releasing freed memory after traffic, as
 * `npm start` does, when told `release`), it says where it listens, then answers
 * `measure` (after a full garbage collection when run with --expose-gc) and `stop`.
 */
import { readFileSync } from 'node:fs';
import { startDevServer } from '@socialops/temporal-devserver';
import { POST_SEARCH_ATTRIBUTES } from '../workflows/post/searchAttributes';

export interface MemoryFigures {
  rss: number;
  heapTotal: number;
  heapUsed: number;
  external: number;
  arrayBuffers: number;
  /** Resident memory not backed by files (V8's heap, malloc's arenas), from /proc/self/status on Linux. */
  rssAnon?: number;
  runsInMemory: { open: number; closed: number };
}

function anonymousResident(): number | undefined {
  try {
    const kib = /^RssAnon:\s+(\d+) kB/m.exec(readFileSync('/proc/self/status', 'utf8'))?.[1];
    return kib === undefined ? undefined : Number(kib) * 1024;
  } catch {
    return undefined;
  }
}

async function main(): Promise<void> {
  const [url, schema, kept, release] = process.argv.slice(2);
  const server = await startDevServer({
    persist: { url, schema },
    searchAttributes: { ...POST_SEARCH_ATTRIBUTES },
    closedRunsKept: kept === 'all' ? Infinity : undefined,
    // As `npm start` and the command line run it, unless the benchmark compares without.
    releaseFreedMemory: release === 'release',
  });
  process.on('message', (message) => {
    if (message === 'stop') {
      void server.stop().then(() => process.exit(0));
      return;
    }
    for (let i = 0; i < 2; i++) global.gc?.();
    const usage = process.memoryUsage();
    const figures: MemoryFigures = {
      rss: usage.rss,
      heapTotal: usage.heapTotal,
      heapUsed: usage.heapUsed,
      external: usage.external,
      arrayBuffers: usage.arrayBuffers,
      rssAnon: anonymousResident(),
      runsInMemory: server.service.runsInMemory(),
    };
    process.send!(figures);
  });
  process.send!({ address: server.address });
}

if (require.main === module) void main();

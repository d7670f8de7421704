/**
 * The memory benchmark's offline server, in a process of its own so that its resident memory is
 * its own: started on the Postgres store it is given, it says where it listens, then answers
 * `measure` (after a full garbage collection when run with --expose-gc) and `stop`.
 */
import { startDevServer } from '@socialops/temporal-devserver';
import { POST_SEARCH_ATTRIBUTES } from '../workflows/post/searchAttributes';

export interface MemoryFigures {
  rss: number;
  heapUsed: number;
  runsInMemory: { open: number; closed: number };
}

async function main(): Promise<void> {
  const [url, schema, kept] = process.argv.slice(2);
  const server = await startDevServer({
    persist: { url, schema },
    searchAttributes: { ...POST_SEARCH_ATTRIBUTES },
    closedRunsKept: kept === 'all' ? Infinity : undefined,
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
      heapUsed: usage.heapUsed,
      runsInMemory: server.service.runsInMemory(),
    };
    process.send!(figures);
  });
  process.send!({ address: server.address });
}

if (require.main === module) void main();

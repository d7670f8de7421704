/**
 * `npm run bench`: every benchmark, one after the other, printing its figures;
 * `npm run bench -- ingest` (or `devserver`, `devserver-durable`, `devserver-memory`, `posts`, `reports`, `campaigns`) runs only the ones named.
 */
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { benchCampaigns } from './campaigns';
import { benchDevserver } from './devserver';
import { benchDevserverDurable } from './devserverDurable';
import { benchDevserverMemory } from './devserverMemory';
import { benchIngest } from './ingest';
import { benchPosts } from './posts';
import { benchReports } from './reports';

const BENCHMARKS: Record<string, () => Promise<void>> = {
  devserver: benchDevserver,
  'devserver-durable': benchDevserverDurable,
  'devserver-memory': benchDevserverMemory,
  posts: benchPosts,
  ingest: benchIngest,
  reports: benchReports,
  campaigns: benchCampaigns,
};

async function main(): Promise<void> {
  const named = process.argv.slice(2);
  const unknown = named.filter((name) => !(name in BENCHMARKS));
  if (unknown.length > 0) {
    throw new Error(`no benchmark named ${unknown.join(', ')}; choose from ${Object.keys(BENCHMARKS).join(', ')}`);
  }
  const chosen = named.length > 0 ? named : Object.keys(BENCHMARKS);
  // One runtime for every benchmark in this process (it can be installed once), quiet but for warnings.
  Runtime.install({ logger: new DefaultLogger('WARN') });
  for (const [index, name] of chosen.entries()) {
    if (index > 0) console.log('');
    await BENCHMARKS[name]();
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
